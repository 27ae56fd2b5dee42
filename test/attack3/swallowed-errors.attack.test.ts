// Attack round 3: rejection() (commit 9fd17cc) marks a promise handled before it rejects.
// Where the framework used Promise.reject, a rejection nobody awaits used to surface (Node's
// unhandledRejection: a warning or, by default, a crash that shows the bug); now it is silent.
// 1. A wrapper that calls next() twice and drops the second promise: the framework's own
//    "next() called more than once" error is never seen; the wrapper's bug goes unnoticed.
// 2. The server-side security-events observer: an error thrown while logging a refusal (a
//    logger or metrics sink that throws) used to reject the call (a 500 the server logs); now it
//    rejects a promise nobody handles: an unhandled rejection that ends the process under
//    Node's default --unhandled-rejections=throw.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { rateLimited } from '../../src/errors/factories.js';
import { securityEventsWrapper } from '../../src/logging/security-events.wrapper.js';
import type { Logger } from '../../src/logging/logger.js';
import type { CallContext, EndpointDescriptor, HandlerWrapper } from '../../src/server/server.js';
import { chain, type Wrapper } from '../../src/server/wrapper.js';

async function unhandledDuring(work: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  const previous = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  try {
    await work().catch(() => undefined);
    await sleep(20);
  } finally {
    process.off('unhandledRejection', listener);
    for (const l of previous) process.on('unhandledRejection', l);
  }
  return seen;
}

describe('attack3: errors rejection() makes silent', () => {
  it('should surface the error of a second next() that the wrapper drops', async () => {
    const sloppy: Wrapper<object> = (_ctx, next) => {
      const first = next();
      void next(); // a bug: a retry-ish wrapper calling next() again and ignoring it
      return first;
    };
    const seen = await unhandledDuring(() => chain([sloppy])({}, async () => 'ok'));
    assert.equal(seen.length, 1, 'the "next() called more than once" error reached nobody');
  });

  it('should turn an error thrown while logging a refusal into the call failing, not into an unhandled rejection', async () => {
    const throwing = { warn: () => { throw new Error('log sink down'); }, info() {}, debug() {}, error() {}, child() { return throwing; } } as unknown as Logger;
    const endpoint = { service: 'svc', endpoint: 'Svc.op' } as EndpointDescriptor;
    const wrapper = securityEventsWrapper(throwing)(endpoint) as HandlerWrapper;
    const ctx = { peer: { authorized: false, remoteAddress: '10.0.0.1' } } as unknown as CallContext;
    const seen = await unhandledDuring(() => wrapper(ctx, () => Promise.reject(rateLimited(1000))));
    assert.deepEqual(seen.map(String), [], 'an unhandled rejection: the process ends under the default mode');
  });

  it('should still answer a served call 400 when the log sink throws on its refusal record, with no unhandled rejection', async () => {
    class Named {
      @IsString() name!: string;
    }
    @Service({ name: 'named' })
    class NamedService {
      @Handler()
      hello(request: Named): { greeting: string } {
        return { greeting: `Hello, ${request.name}` };
      }
    }
    let refusalRecords = 0;
    const failing = {
      warn: (event: string) => {
        if (event !== 'validation_refused') return;
        refusalRecords += 1;
        throw new Error('log sink down');
      },
      info() {},
      debug() {},
      error() {},
      child() {
        return failing;
      },
    } as unknown as Logger;
    const app = await Bastion.create({ services: [NamedService], insecure: true, registry: new MemoryRegistry(), logger: failing });
    await app.start();
    try {
      let refusal: unknown;
      const seen = await unhandledDuring(async () => {
        refusal = await app.client.call('named', 'NamedService.hello', { name: 7 }).catch((error: unknown) => error);
      });
      assert.ok(BastionError.hasId(refusal, 'BST_ERR_VALIDATION_FAILED'), String(refusal));
      assert.deepEqual(seen.map(String), []);
      assert.equal(refusalRecords, 1, 'the refusal was offered to the log');
      assert.deepEqual(await app.client.call('named', 'NamedService.hello', { name: 'Ada' }), { greeting: 'Hello, Ada' });
    } finally {
      await app.stop();
    }
  });
});
