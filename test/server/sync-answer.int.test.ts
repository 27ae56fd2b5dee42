// A call whose binding, handler and wrappers all finish synchronously is answered without a
// promise (wrapper.ts passesValues): that must never hand a plain value to a wrapper that
// calls a method on what next() returned (a user's, tracing's), nor change any answer.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Handler, MemoryRegistry, Service, UseWrappers, type HandlerWrapper, type WrapperFactory } from '../../src/index.js';
import { allPassValues, passesValues } from '../../src/server/wrapper.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ask {
  @IsString() name!: string;
}

const thenTagging: HandlerWrapper = (_ctx, next) => next().then((value) => ({ ...(value as object), tagged: true }));

@Service({ name: 'sync' })
class Sync {
  @Handler()
  plain(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @UseWrappers(thenTagging)
  @Handler()
  wrapped(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @Handler()
  failing(_ask: Ask): never {
    throw new Error('handler bug at /srv/app/secret.ts');
  }
}

describe('synchronous answers', () => {
  let app: Bastion;
  const finallyRuns: string[] = [];
  // A global wrapper that calls .finally on what next() returned.
  const finallyWrapper: WrapperFactory = (endpoint) =>
    endpoint.endpoint === 'Sync.plain' ? undefined : (_ctx, next) => next().finally(() => finallyRuns.push(endpoint.endpoint));

  before(async () => {
    app = await Bastion.create({ services: [Sync], insecure: true, registry: new MemoryRegistry(), logger: new RecordingLogger(), wrappers: [finallyWrapper], observability: { metrics: true } });
    await app.start();
  });
  after(() => app.stop());

  it('should answer a synchronous handler behind only built-in wrappers', async () => {
    assert.deepEqual(await app.client.call('sync', 'Sync.plain', { name: 'Ada' }), { hello: 'Ada' });
  });

  it('should give a wrapper that chains on next() a promise, whatever the handler returned', async () => {
    assert.deepEqual(await app.client.call('sync', 'Sync.wrapped', { name: 'Ada' }), { hello: 'Ada', tagged: true });
    assert.ok(finallyRuns.includes('Sync.wrapped'));
  });

  it('should answer a synchronous refusal and a synchronous handler failure as before', async () => {
    await assert.rejects(app.client.call('sync', 'Sync.plain', { name: 7 }), (error) => BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'));
    await assert.rejects(app.client.call('sync', 'Sync.failing', { name: 'Ada' }), (error) => BastionError.hasId(error, 'BST_ERR_SERVER_INTERNAL') && !error.detail.includes('/srv'));
    assert.ok(finallyRuns.includes('Sync.failing'));
  });

  it('should count synchronous answers in the metrics like any other', async () => {
    const text = (await app.metrics?.metrics()) ?? '';
    assert.match(text, /endpoint="Sync\.plain"[^\n]*code="200"[^\n]* [1-9]/);
    assert.match(text, /endpoint="Sync\.plain"[^\n]*code="400"[^\n]* [1-9]/);
  });
});

describe('passesValues', () => {
  it('should let a chain pass values only when every wrapper in it was marked', () => {
    const marked = passesValues<HandlerWrapper>((_ctx, next) => next());
    const unmarked: HandlerWrapper = (_ctx, next) => next();
    assert.equal(allPassValues([]), true);
    assert.equal(allPassValues([marked]), true);
    assert.equal(allPassValues([marked, unmarked]), false);
  });
});
