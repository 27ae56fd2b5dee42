// A call whose binding, handler and wrappers all finish synchronously is answered without a
// promise, and a request refused while binding goes up such a chain as a value (wrapper.ts
// passesValues, errors/refused.ts). That must never hand a plain value or a Refused to a
// wrapper that is not one of those built-ins (a user's, metrics, tracing), nor change any answer.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Handler, MaxInFlight, MemoryRegistry, RateLimit, Service, UseWrappers, type ErrorId, type HandlerWrapper, type WrapperFactory } from '../../src/index.js';
import { Refused } from '../../src/errors/refused.js';
import { allPassValues, passesValues } from '../../src/server/wrapper.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ask {
  @IsString() name!: string;
}

const thenTagging: HandlerWrapper = (_ctx, next) => next().then((value) => ({ ...(value as object), tagged: true }));
/** What a user's wrapper saw come back from next(): 'value', 'a Refused value' or the error's id. */
const seenByUserWrapper: string[] = [];
const watching: HandlerWrapper = (_ctx, next) =>
  next().then(
    (value) => (seenByUserWrapper.push(value instanceof Refused ? 'a Refused value' : 'value'), value),
    (error: unknown) => {
      seenByUserWrapper.push(BastionError.is(error) ? error.id : String(error));
      throw error;
    },
  );

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

  @UseWrappers(watching)
  @Handler()
  watched(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @MaxInFlight(1)
  @Handler()
  single(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @RateLimit({ tokensPerInterval: 1000, interval: 'second', mode: 'wait', maxWaitMs: 100 })
  @Handler()
  paced(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @Handler()
  failing(_ask: Ask): never {
    throw new Error('handler bug at /srv/app/secret.ts');
  }
}

const refusedWith = (id: ErrorId) => (error: unknown) => BastionError.hasId(error, id);

for (const setup of ['built-in wrappers only', 'with metrics and an app wrapper'] as const) {
  describe(`synchronous answers, ${setup}`, () => {
    let app: Bastion;
    const finallyRuns: string[] = [];
    // An app-wide wrapper that calls .finally on what next() returned.
    const finallyWrapper: WrapperFactory = (endpoint) => (_ctx, next) => next().finally(() => finallyRuns.push(endpoint.endpoint));
    const observed = setup !== 'built-in wrappers only';

    before(async () => {
      app = await Bastion.create({
        services: [Sync],
        insecure: true,
        registry: new MemoryRegistry(),
        logger: new RecordingLogger(),
        ...(observed ? { wrappers: [finallyWrapper], observability: { metrics: true } } : {}),
      });
      await app.start();
    });
    after(() => app.stop());

    it('should answer a synchronous handler', async () => {
      assert.deepEqual(await app.client.call('sync', 'Sync.plain', { name: 'Ada' }), { hello: 'Ada' });
    });

    it('should give a wrapper that chains on next() a promise, whatever the handler returned', async () => {
      assert.deepEqual(await app.client.call('sync', 'Sync.wrapped', { name: 'Ada' }), { hello: 'Ada', tagged: true });
      if (observed) assert.ok(finallyRuns.includes('Sync.wrapped'));
    });

    it('should hand a user wrapper a refused request as a rejection, never as a value', async () => {
      seenByUserWrapper.length = 0;
      await assert.rejects(app.client.call('sync', 'Sync.watched', { name: 7 }), refusedWith('BST_ERR_VALIDATION_FAILED'));
      await assert.rejects(app.client.call('sync', 'Sync.watched', 'not an object'), refusedWith('BST_ERR_VALIDATION_FAILED'));
      assert.deepEqual(await app.client.call('sync', 'Sync.watched', { name: 'Ada' }), { hello: 'Ada' });
      assert.deepEqual(seenByUserWrapper, ['BST_ERR_VALIDATION_FAILED', 'BST_ERR_VALIDATION_FAILED', 'value']);
    });

    it('should answer a refused request 400 through wrappers that await next(), and free their slot', async () => {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(app.client.call('sync', 'Sync.single', { name: 7 }), refusedWith('BST_ERR_VALIDATION_FAILED'));
        await assert.rejects(app.client.call('sync', 'Sync.paced', { name: 7 }), refusedWith('BST_ERR_VALIDATION_FAILED'));
        await assert.rejects(app.client.call('sync', 'Sync.plain', 'not an object'), refusedWith('BST_ERR_VALIDATION_FAILED'));
        await assert.rejects(app.client.call('sync', 'Sync.plain', { name: 'x' }, { contentType: 'application/msgpack' }), refusedWith('BST_ERR_CODEC_UNSUPPORTED'));
      }
      assert.deepEqual(await app.client.call('sync', 'Sync.single', { name: 'Ada' }), { hello: 'Ada' }, 'the in-flight slot of each refused call was given back');
      assert.deepEqual(await app.client.call('sync', 'Sync.paced', { name: 'Ada' }), { hello: 'Ada' });
    });

    it('should answer a synchronous handler failure 500 without its detail', async () => {
      await assert.rejects(app.client.call('sync', 'Sync.failing', { name: 'Ada' }), (error) => BastionError.hasId(error, 'BST_ERR_SERVER_INTERNAL') && !error.detail.includes('/srv'));
      if (observed) assert.ok(finallyRuns.includes('Sync.failing'));
    });

    if (observed) {
      it('should count synchronous answers and refusals in the metrics like any other', async () => {
        const text = (await app.metrics?.metrics()) ?? '';
        assert.match(text, /endpoint="Sync\.plain"[^\n]*code="200"[^\n]* [1-9]/);
        assert.match(text, /endpoint="Sync\.plain"[^\n]*code="400"[^\n]* [1-9]/);
      });
    }
  });
}

describe('passesValues', () => {
  it('should let a chain pass values only when every wrapper in it was marked', () => {
    const marked = passesValues<HandlerWrapper>((_ctx, next) => next());
    const unmarked: HandlerWrapper = (_ctx, next) => next();
    assert.equal(allPassValues([]), true);
    assert.equal(allPassValues([marked]), true);
    assert.equal(allPassValues([marked, unmarked]), false);
  });
});

describe('StrictBinder.bindOrRefuse', () => {
  it('should return a refusal as a Refused value, where bindNow returns it rejected', async () => {
    const binder = new StrictBinder();
    const refused = binder.bindOrRefuse(Ask, { name: 7 });
    assert.ok(refused instanceof Refused && BastionError.hasId(refused.error, 'BST_ERR_VALIDATION_FAILED'));
    await assert.rejects(Promise.resolve(binder.bindNow(Ask, { name: 7 })), refusedWith('BST_ERR_VALIDATION_FAILED'));
    const bound = binder.bindOrRefuse(Ask, { name: 'Ada' });
    assert.ok(bound instanceof Ask && bound.name === 'Ada');
  });
});
