import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallContext, EndpointDescriptor, HandlerWrapper } from '../../src/server/server.js';
import { chain, compose, endpointWrappers } from '../../src/server/wrapper.js';

const ctx = {} as CallContext;

describe('compose', () => {
  describe('when given several wrappers', () => {
    it('should run them outermost first, around the terminal', async () => {
      const order: string[] = [];
      const named =
        (name: string): HandlerWrapper =>
        async (_ctx, next) => {
          order.push(`>${name}`);
          const result = await next();
          order.push(`<${name}`);
          return result;
        };
      const run = compose([named('identity'), named('rate'), named('user')], async () => {
        order.push('handler');
        return 42;
      });
      assert.equal(await run(ctx), 42);
      assert.deepEqual(order, ['>identity', '>rate', '>user', 'handler', '<user', '<rate', '<identity']);
    });
  });

  describe('when a wrapper throws synchronously', () => {
    it('should reject and never reach the terminal', async () => {
      let reached = false;
      const run = compose(
        [
          () => {
            throw new Error('refused');
          },
        ],
        async () => (reached = true),
      );
      await assert.rejects(run(ctx), /refused/);
      assert.equal(reached, false);
    });
  });

  describe('when a wrapper calls next twice', () => {
    it('should reject the second call', async () => {
      let runs = 0;
      const run = compose([async (_ctx, next) => (await next(), next())], async () => ++runs);
      await assert.rejects(run(ctx), /next\(\) called more than once/);
      assert.equal(runs, 1);
    });
  });
});

describe('chain', () => {
  describe('when given wrappers and a next step', () => {
    it('should make one wrapper that runs them outermost first, then next', async () => {
      const order: string[] = [];
      const one = chain<string>([
        async (c, next) => (order.push(`a:${c}`), next()),
        async (c, next) => (order.push(`b:${c}`), next()),
      ]);
      assert.equal(await one('x', async () => (order.push('next'), 7)), 7);
      assert.deepEqual(order, ['a:x', 'b:x', 'next']);
    });
  });
});

describe('endpointWrappers', () => {
  describe('when the endpoint has no @UseWrappers', () => {
    it('should build no wrapper', () => {
      assert.equal(endpointWrappers()({ wrappers: [] } as unknown as EndpointDescriptor), undefined);
    });
  });
});
