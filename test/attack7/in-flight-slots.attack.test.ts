// Attack round 7 on a25029c (synchronous answers, refusals passed as values): the @MaxInFlight
// gauge must come back to exactly where it was after every way a call can end, whether the
// chain answered synchronously (a Refused value going up through the async in-flight wrapper),
// a handler threw, rejected, or returned a thenable that is not a Promise, and whatever a user
// wrapper inside it does with next(). A gauge that is not given back sheds every later call
// (503 forever); one given back twice lets two handlers run under @MaxInFlight(1).
//
// Probe used throughout: with the one slot held by a gated slow call, a second call must be
// shed (503); once the slow call ends, a call must go through.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Handler, MaxInFlight, MemoryRegistry, Service, UseWrappers, type HandlerWrapper } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ask {
  @IsString() name!: string;
}

const gate = { open: (): void => undefined, wait: Promise.resolve() };
function closeGate(): void {
  gate.wait = new Promise<void>((resolve) => (gate.open = resolve));
}

const running = { now: 0, peak: 0 };

/** Thenables that are not promises, as a handler may return (a query builder, another library's future). */
const thenables = {
  resolvesInsideThen: () => ({ then: (resolve: (v: unknown) => void) => resolve({ hello: 'sync-then' }) }),
  rejectsInsideThen: () => ({ then: (_resolve: unknown, reject: (e: unknown) => void) => reject(new Error('thenable failed at /srv/app')) }),
  thenThrows: () => ({
    then: () => {
      throw new Error('then threw at /srv/app');
    },
  }),
  callsBoth: () => ({
    then: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => {
      resolve({ hello: 'first' });
      reject(new Error('second'));
      resolve({ hello: 'third' });
    },
  }),
  resolvesLater: () => ({ then: (resolve: (v: unknown) => void) => setTimeout(() => resolve({ hello: 'later' }), 5) }),
} as const;

type ThenableKind = keyof typeof thenables;

/** A user wrapper that starts the handler and then fails on its own, without waiting for it. */
const dropsNextThenThrows: HandlerWrapper = (_ctx, next) => {
  void next().catch(() => undefined);
  throw new Error('wrapper bug after next()');
};
const dropsNextThenRejects: HandlerWrapper = async (_ctx, next) => {
  void next().catch(() => undefined);
  await sleep(1);
  throw new Error('wrapper bug after next()');
};

/** A stale-while-revalidate cache: answers at once, and refreshes by calling next() after the answer left. */
const refreshesAfterAnswer: HandlerWrapper = (_ctx, next) => {
  setTimeout(() => void next().catch(() => undefined), 5);
  return Promise.resolve({ hello: 'cached' });
};

@Service({ name: 'slots' })
class Slots {
  @MaxInFlight(1)
  @Handler()
  async slow(_ask: Ask): Promise<{ hello: string }> {
    running.now += 1;
    running.peak = Math.max(running.peak, running.now);
    try {
      await gate.wait;
    } finally {
      running.now -= 1;
    }
    return { hello: 'slow' };
  }

  @MaxInFlight(1)
  @Handler()
  plain(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @MaxInFlight(1)
  @Handler()
  noBody(): { hello: string } {
    return { hello: 'none' };
  }

  @MaxInFlight(1)
  @Handler()
  throwsSync(_ask: Ask): never {
    throw new Error('sync bug at /srv/app/handler.ts');
  }

  @MaxInFlight(1)
  @Handler()
  throwsNonError(_ask: Ask): never {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw { message: 'not an Error', stack: '/srv/app/secret.ts:1' };
  }

  @MaxInFlight(1)
  @Handler()
  rejects(_ask: Ask): Promise<never> {
    return Promise.reject(new Error('async bug at /srv/app/handler.ts'));
  }

  @MaxInFlight(1)
  @Handler()
  thenable(ask: Ask): unknown {
    return thenables[ask.name as ThenableKind]();
  }

  @MaxInFlight(1)
  @UseWrappers(dropsNextThenThrows)
  @Handler()
  async wrapperThrowsAfterNext(_ask: Ask): Promise<{ hello: string }> {
    return this.slow(_ask);
  }

  @MaxInFlight(1)
  @UseWrappers(dropsNextThenRejects)
  @Handler()
  async wrapperRejectsAfterNext(_ask: Ask): Promise<{ hello: string }> {
    return this.slow(_ask);
  }

  @MaxInFlight(1)
  @UseWrappers(refreshesAfterAnswer)
  @Handler()
  async refreshed(_ask: Ask): Promise<{ hello: string }> {
    return this.slow(_ask);
  }
}

const isId = (id: string) => (error: unknown) => BastionError.hasId(error, id as never);

describe('attack7: @MaxInFlight slots on synchronous answers and odd handler results', () => {
  let app: Bastion;
  const call = (endpoint: string, body: unknown, options: Record<string, unknown> = {}) => app.client.call('slots', `Slots.${endpoint}`, body, options);

  /** With `endpoint`'s one slot held by a gated call, a second call is shed; once it ends, a call goes through. */
  async function assertOneSlot(endpoint: string, heldBy: string = endpoint): Promise<void> {
    closeGate();
    const held = call(heldBy, { name: 'x' }).catch((error: unknown) => error);
    await sleep(20);
    await assert.rejects(call(endpoint, { name: 'plain' }), isId('BST_ERR_SERVER_OVERLOADED'), `${endpoint}: a second call ran beside the one holding the slot (the gauge was given back twice)`);
    gate.open();
    await held;
    await sleep(5);
  }

  before(async () => {
    app = await Bastion.create({ services: [Slots], insecure: true, registry: new MemoryRegistry(), logger: new RecordingLogger(), client: { breaker: { failureThreshold: 1_000_000, coolDownMs: 0 }, retry: { retries: 0 } } });
    await app.start();
  });
  after(() => app.stop());

  it('A7-S1: should give the slot back exactly once after 400s refused synchronously (a Refused value through an async wrapper)', async () => {
    for (let i = 0; i < 5; i++) {
      await assert.rejects(call('plain', { name: 7 }), isId('BST_ERR_VALIDATION_FAILED'));
      await assert.rejects(call('plain', 'not an object'), isId('BST_ERR_VALIDATION_FAILED'));
      await assert.rejects(call('plain', { name: 'x', extra: 1 }), isId('BST_ERR_VALIDATION_FAILED'));
      await assert.rejects(call('noBody', { smuggled: true }), isId('BST_ERR_VALIDATION_FAILED'));
      await assert.rejects(call('plain', { name: 'x' }, { contentType: 'application/msgpack' }), isId('BST_ERR_CODEC_UNSUPPORTED'));
    }
    assert.deepEqual(await call('plain', { name: 'Ada' }), { hello: 'Ada' });
    assert.deepEqual(await call('noBody', {}), { hello: 'none' });
  });

  it('A7-S2: should give the slot back exactly once after a handler throws (an Error or not) or rejects, and tell the peer nothing of it', async () => {
    for (const endpoint of ['throwsSync', 'throwsNonError', 'rejects']) {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(call(endpoint, { name: 'x' }), (error: unknown) => BastionError.hasId(error, 'BST_ERR_SERVER_INTERNAL') && !JSON.stringify(error).includes('/srv') && !String((error as BastionError).detail).includes('bug'));
      }
      // Each of them shares no gauge with `slow`; its own must still let exactly one call through.
      assert.equal(await call(endpoint, { name: 'x' }).catch((e: unknown) => (BastionError.is(e) ? e.code : e)), 500, `${endpoint}: slot leaked (503) or the failure changed`);
    }
  });

  for (const kind of Object.keys(thenables) as ThenableKind[]) {
    it(`A7-S3: should settle a handler's non-promise thenable (${kind}) once and give the slot back once`, async () => {
      const outcomes: unknown[] = [];
      for (let i = 0; i < 3; i++) outcomes.push(await call('thenable', { name: kind }).catch((e: unknown) => (BastionError.is(e) ? e.id : e)));
      const expected = { resolvesInsideThen: { hello: 'sync-then' }, rejectsInsideThen: 'BST_ERR_SERVER_INTERNAL', thenThrows: 'BST_ERR_SERVER_INTERNAL', callsBoth: { hello: 'first' }, resolvesLater: { hello: 'later' } }[kind];
      assert.deepEqual(outcomes, [expected, expected, expected]);
    });
  }

  it('A7-S4: should keep @MaxInFlight(1) at one handler after all of the above (no slot leaked, none given back twice)', async () => {
    running.peak = 0;
    await assertOneSlot('slow');
    assert.equal(running.peak, 1);
  });

  it('A7-S6: should not run a handler, outside every bound, that a wrapper starts after its call was answered', async () => {
    closeGate();
    running.now = 0;
    running.peak = 0;
    const replies: unknown[] = [];
    for (let i = 0; i < 3; i++) replies.push(await call('refreshed', { name: 'x' }));
    assert.deepEqual(replies, [{ hello: 'cached' }, { hello: 'cached' }, { hello: 'cached' }]);
    await sleep(30);
    const peak = running.peak;
    gate.open();
    await sleep(20);
    assert.ok(peak <= 1, `@MaxInFlight(1), yet ${peak} handlers ran at once after their calls were answered`);
  });

  for (const endpoint of ['wrapperThrowsAfterNext', 'wrapperRejectsAfterNext']) {
    it(`A7-S5: should not give the slot back while the handler a user wrapper started still runs (${endpoint})`, async () => {
      closeGate();
      running.now = 0;
      running.peak = 0;
      // The wrapper starts the handler (which waits on the gate), then fails: the caller gets a 500.
      await assert.rejects(call(endpoint, { name: 'x' }), isId('BST_ERR_SERVER_INTERNAL'));
      await sleep(10);
      assert.equal(running.now, 1, 'the handler the wrapper started is still running');
      // Its slot must still be taken: @MaxInFlight(1) bounds handlers, not answers (round 3 A2).
      const second = await call(endpoint, { name: 'x' }).catch((e: unknown) => (BastionError.is(e) ? e.id : e));
      await sleep(10);
      const peak = running.peak;
      gate.open();
      await sleep(20);
      assert.equal(second, 'BST_ERR_SERVER_OVERLOADED', `a second call was let in while the first handler still ran (${String(second)}; handlers at once: ${peak})`);
      assert.equal(peak, 1);
    });
  }
});

@Service({ name: 'bare' })
class Bare {
  @UseWrappers(dropsNextThenThrows)
  @Handler()
  async started(_ask: Ask): Promise<{ hello: string }> {
    running.now += 1;
    running.peak = Math.max(running.peak, running.now);
    try {
      await gate.wait;
    } finally {
      running.now -= 1;
    }
    return { hello: 'slow' };
  }
}

describe('attack7: the transport in-flight cap and a user wrapper that stops waiting for the handler', () => {
  let app: Bastion;

  before(async () => {
    app = await Bastion.create({
      services: [Bare],
      insecure: true,
      registry: new MemoryRegistry(),
      logger: new RecordingLogger(),
      transport: { maxInFlightPerConnection: 1 },
      client: { breaker: { failureThreshold: 1_000_000, coolDownMs: 0 }, retry: { retries: 0 }, pool: { size: 1 } },
    });
    await app.start();
  });
  after(() => app.stop());

  it('A7-S7: should keep the call id and in-flight slot of a call answered 500 while its handler still runs', async () => {
    closeGate();
    running.now = 0;
    running.peak = 0;
    await assert.rejects(app.client.call('bare', 'Bare.started', { name: 'x' }), isId('BST_ERR_SERVER_INTERNAL'));
    const second = await app.client.call('bare', 'Bare.started', { name: 'x' }).catch((e: unknown) => (BastionError.is(e) ? e.id : e));
    await sleep(10);
    const peak = running.peak;
    gate.open();
    await sleep(10);
    assert.equal(second, 'BST_ERR_SERVER_OVERLOADED', `maxInFlightPerConnection is 1, yet ${peak} handlers ran at once`);
    assert.equal(peak, 1);
  });
});
