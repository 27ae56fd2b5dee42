// Attack round 3 (hot path): a 408 answered while the handler has not even started yet, or
// while it still runs, must not free what keeps handlers bounded (attack F3).
//
// A1: a user wrapper that awaits before calling next() (an auth lookup, a feature flag):
//     the deadline answers 408, the server's handle() finds no ctx.pending (the terminal has not
//     run), the transport frees the call id and in-flight slot, and THEN the wrapper calls next()
//     and the handler runs, outside every cap, for a caller that was told the call failed.
// A2: @MaxInFlight: the deadline wrapper sits inside the @MaxInFlight wrapper, so a 408 gives the
//     gauge back while the handler still runs; a caller using tiny timeouts runs unbounded handlers.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, Handler, MaxInFlight, Service, type CallContext, type HandlerWrapper } from '../../src/index.js';
import { encodeFrame, FRAME_KIND, openTcp, type RawPeer, type Reply } from '../attack-suite/frames.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Job {
  @IsString()
  who!: string;
}

const state = { running: 0, peak: 0, started: 0, release: (): void => undefined, gate: Promise.resolve() };
function reset(): void {
  state.running = 0;
  state.peak = 0;
  state.started = 0;
  state.gate = new Promise<void>((resolve) => (state.release = resolve));
}

async function work(): Promise<string> {
  state.started += 1;
  state.running += 1;
  state.peak = Math.max(state.peak, state.running);
  try {
    await state.gate;
  } finally {
    state.running -= 1;
  }
  return 'done';
}

@Service({ name: 'jobs' })
class Jobs {
  @Handler()
  run(_job: Job, _ctx: CallContext): Promise<string> {
    return work();
  }
}

@MaxInFlight(2)
@Service({ name: 'vault' })
class Vault {
  @Handler()
  open(_job: Job, _ctx: CallContext): Promise<string> {
    return work();
  }
}

function request(service: string, endpoint: string, callId: number, timeoutMs: number): Buffer {
  const header = Buffer.from(JSON.stringify({ service, endpoint, contentType: 'application/json', metadata: {}, timeoutMs }));
  return encodeFrame(FRAME_KIND.request, callId, header, Buffer.from(JSON.stringify({ who: 'mallory' })));
}

const idOf = (reply: Reply): string => (reply.kind === 'error' ? String(reply.error.id) : reply.kind);

describe('attack3 A1: a user wrapper that awaits before next(), calls answered 408 (F3)', () => {
  let app: Bastion;
  let peer: RawPeer;
  // A realistic global wrapper: looks something up before letting the call through.
  const lookup: HandlerWrapper = async (_ctx, next) => {
    await sleep(60);
    return next();
  };

  before(async () => {
    app = await Bastion.create({ services: [Jobs], insecure: true, logger: new RecordingLogger(), wrappers: [() => lookup], transport: { maxInFlightPerConnection: 2 } });
    const { port } = await app.start();
    peer = await openTcp(port);
  });

  after(async () => {
    state.release();
    peer.close();
    await app.stop();
  });

  it('should never run more handlers at once than maxInFlightPerConnection, and never run a handler after its 408 freed the call id', async () => {
    reset();
    const replies: string[] = [];
    // Five rounds on the same two ids, 10 ms deadline each: every call is answered 408 at once.
    for (let round = 0; round < 5; round++) {
      const got = await Promise.all([1, 2].map((id) => peer.sendAndWait(id, request('jobs', 'Jobs.run', id, 10))));
      replies.push(...got.map(idOf));
    }
    await sleep(150);
    const summary = `replies ${JSON.stringify(replies)}; handlers started after their 408: ${state.started}, running at once: ${state.peak}`;
    assert.ok(state.peak <= 2, `maxInFlightPerConnection is 2 but ${summary}`);
    assert.equal(state.started, 0, `every caller was told 408, yet ${summary}`);
  });
});

describe('attack3 A2: @MaxInFlight(2) and callers with 20 ms deadlines (F3)', () => {
  let app: Bastion;
  let peer: RawPeer;

  before(async () => {
    app = await Bastion.create({ services: [Vault], insecure: true, logger: new RecordingLogger() });
    const { port } = await app.start();
    peer = await openTcp(port);
  });

  after(async () => {
    state.release();
    peer.close();
    await app.stop();
  });

  it('should keep at most 2 handlers of the class running, whatever the callers deadlines', async () => {
    reset();
    const replies: string[] = [];
    let id = 1;
    for (let round = 0; round < 5; round++) {
      const ids = [id++, id++, id++];
      const got = await Promise.all(ids.map((callId) => peer.sendAndWait(callId, request('vault', 'Vault.open', callId, 20))));
      replies.push(...got.map(idOf));
    }
    assert.ok(state.peak <= 2, `@MaxInFlight(2) but ${state.peak} handlers run at once; replies ${JSON.stringify(replies)}`);
  });
});
