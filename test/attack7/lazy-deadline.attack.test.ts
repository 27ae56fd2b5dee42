// Attack round 7 on a25029c (call-signal.ts): the deadline timer and the client's cancel are
// watched only once a call goes on past its first tick (`arm`). A call that goes async late
// (after synchronous validation and a synchronous start of its handler, behind an async
// validator, through a thenable that is not a Promise) must still get its 408 and its
// handler's signal must still abort; a cancel frame sent in the same packet as its request
// must not be lost; and calls answered at once must not leave a timer behind.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { IsString, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { Bastion, Handler, MaxInFlight, Service, UseWrappers, type CallContext, type HandlerWrapper } from '../../src/index.js';
import { encodeFrame, FRAME_KIND, openTcp, type RawPeer, type Reply } from '../attack-suite/frames.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

@ValidatorConstraint({ name: 'slowlyChecked', async: true })
class SlowlyChecked implements ValidatorConstraintInterface {
  async validate(value: unknown): Promise<boolean> {
    await sleep(1);
    return typeof value === 'string';
  }
}

class Ask {
  @IsString() name!: string;
}

@ValidatorConstraint({ name: 'verySlowlyChecked', async: true })
class VerySlowlyChecked implements ValidatorConstraintInterface {
  async validate(value: unknown): Promise<boolean> {
    await sleep(60);
    return typeof value === 'string';
  }
}

class VerySlowAsk {
  @Validate(VerySlowlyChecked) name!: string;
}

class SlowAsk {
  @Validate(SlowlyChecked) name!: string;
}

const NEVER = new Promise<never>(() => undefined);

/** A wrapper that starts the handler, then fails synchronously without waiting for it: the call is answered at once. */
const startsThenFails: HandlerWrapper = (_ctx, next) => {
  void next().catch(() => undefined);
  throw new Error('wrapper bug after next()');
};
/** Why each handler's signal aborted, by the name the caller sent; 'not aborted' while it has not. */
const aborts = new Map<string, string>();
const started: string[] = [];

function watch(ask: { name: string }, ctx: CallContext): void {
  started.push(ask.name);
  aborts.set(ask.name, 'not aborted');
  ctx.signal.addEventListener('abort', () => aborts.set(ask.name, String((ctx.signal.reason as { id?: string }).id)));
}

@Service({ name: 'clock' })
class Clock {
  /** Synchronous validation, a synchronous start, then waits forever. */
  @Handler()
  async late(ask: Ask, ctx: CallContext): Promise<string> {
    watch(ask, ctx);
    let spin = 0;
    for (let i = 0; i < 1e5; i++) spin += i;
    await NEVER;
    return String(spin);
  }

  /** A thenable that is not a Promise and never settles. */
  @Handler()
  thenable(ask: Ask, ctx: CallContext): unknown {
    watch(ask, ctx);
    return { then: () => undefined };
  }

  /** Behind an async validator: the call goes async before the handler even starts. */
  @Handler()
  async validatedLater(ask: SlowAsk, ctx: CallContext): Promise<string> {
    watch(ask, ctx);
    await NEVER;
    return 'never';
  }

  /** Its validation outlasts the caller's deadline. */
  @Handler()
  validatedTooLate(ask: VerySlowAsk, ctx: CallContext): string {
    watch(ask, ctx);
    return 'started';
  }

  /** Outlives its call's synchronous answer (a 500 from its wrapper). */
  @UseWrappers(startsThenFails)
  @Handler()
  async orphaned(ask: Ask, ctx: CallContext): Promise<string> {
    watch(ask, ctx);
    await NEVER;
    return 'never';
  }

  @Handler()
  quick(ask: Ask): string {
    return ask.name;
  }

  @MaxInFlight(1_000)
  @Handler()
  async quickAsync(ask: Ask): Promise<string> {
    await sleep(0);
    return ask.name;
  }
}

function request(endpoint: string, callId: number, name: string, timeoutMs: number): Buffer {
  const header = Buffer.from(JSON.stringify({ service: 'clock', endpoint: `Clock.${endpoint}`, contentType: 'application/json', metadata: {}, timeoutMs }));
  return encodeFrame(FRAME_KIND.request, callId, header, Buffer.from(JSON.stringify({ name })));
}

const cancelFrame = (callId: number): Buffer => encodeFrame(4, callId, Buffer.alloc(0), Buffer.alloc(0));
const idOf = (reply: Reply): string => (reply.kind === 'error' ? String(reply.error.id) : reply.kind === 'response' ? `response ${JSON.stringify(reply.body)}` : 'closed');
const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('attack7: deadlines and cancels armed lazily', () => {
  let app: Bastion;
  let peer: RawPeer;
  let nextId = 1;
  let port = 0;

  before(async () => {
    app = await Bastion.create({ services: [Clock], insecure: true, logger: new RecordingLogger(), server: { drainMs: 100 } });
    ({ port } = await app.start());
    peer = await openTcp(port);
  });
  after(async () => {
    peer.close();
    await app.stop();
  });

  for (const endpoint of ['late', 'thenable', 'validatedLater']) {
    it(`A7-D1: should answer 408 and abort the handler's signal at the deadline when the call goes async late (${endpoint})`, async () => {
      const name = `deadline-${endpoint}`;
      const id = nextId++;
      const t0 = performance.now();
      const reply = await Promise.race([peer.sendAndWait(id, request(endpoint, id, name, 40)), sleep(2_000).then((): Reply => ({ kind: 'closed' }))]);
      const took = performance.now() - t0;
      assert.equal(idOf(reply), 'BST_ERR_CLIENT_DEADLINE_EXCEEDED', `no 408 after ${Math.round(took)} ms`);
      assert.ok(took < 1_000);
      assert.equal(aborts.get(name), 'BST_ERR_CLIENT_DEADLINE_EXCEEDED');
    });
  }

  for (const endpoint of ['late', 'thenable', 'validatedLater']) {
    it(`A7-D2: should not lose a cancel frame sent in the same packet as its request (${endpoint})`, async () => {
      const name = `cancel-${endpoint}`;
      const id = nextId++;
      let answered = false;
      void peer.sendAndWait(id, Buffer.concat([request(endpoint, id, name, 0), cancelFrame(id)])).then(() => (answered = true));
      for (let i = 0; i < 50 && aborts.get(name) !== 'BST_ERR_TRANSPORT_CLOSED'; i++) await sleep(5);
      // validatedLater never reaches its handler: the cancel came first, and a cancelled call is not started.
      if (endpoint === 'validatedLater') assert.ok(!started.includes(name), 'a handler started for a call cancelled before it ran');
      else assert.equal(aborts.get(name), 'BST_ERR_TRANSPORT_CLOSED', 'the handler never learned its call was cancelled');
      await sleep(20);
      assert.equal(answered, false, 'a cancelled call got a reply');
    });
  }

  it('A7-D1b: should not start a handler whose call was answered 408 while its request was still being validated', async () => {
    const id = nextId++;
    const reply = await peer.sendAndWait(id, request('validatedTooLate', id, 'too-late', 20));
    assert.equal(idOf(reply), 'BST_ERR_CLIENT_DEADLINE_EXCEEDED');
    await sleep(80);
    assert.ok(!started.includes('too-late'), 'the handler ran for a call already answered 408');
  });

  it('A7-D4: should tell a handler that outlived its call answered synchronously that the client went away', async () => {
    const other = await openTcp(port);
    const reply = await other.sendAndWait(1, request('orphaned', 1, 'orphan', 0));
    assert.equal(idOf(reply), 'BST_ERR_SERVER_INTERNAL');
    assert.equal(aborts.get('orphan'), 'not aborted');
    other.close();
    for (let i = 0; i < 50 && aborts.get('orphan') === 'not aborted'; i++) await sleep(5);
    assert.equal(aborts.get('orphan'), 'BST_ERR_TRANSPORT_CLOSED', 'the handler never learned its client went away');
  });

  it('A7-D3: should not leave deadline timers behind for calls answered at once or through an async wrapper', async () => {
    const before = timeouts();
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const id = nextId++;
        return peer.sendAndWait(id, request(i % 2 === 0 ? 'quick' : 'quickAsync', id, `t${i}`, 60_000));
      }),
    );
    assert.deepEqual(replies.filter((r) => r.kind !== 'response').map(idOf), []);
    await sleep(10);
    assert.ok(timeouts() - before < 5, `${timeouts() - before} timers were left behind by 200 answered calls`);
  });
});
