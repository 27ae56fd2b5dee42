// Attack round 4 (RPCServer.handle in promise reactions, commit a2db860): handle() used to
// `await` what the wrapper chain returned; now it calls `.then(ok, failed)` on it. The chain
// returns whatever the outermost user wrapper returns, unchecked (server/wrapper.ts dispatch).
// A wrapper that answers from a cache with a plain value, or returns another library's
// thenable, was served as before by `await`; now:
// - a plain value: `running.then is not a function` is thrown out of handle() synchronously,
//   the call is a 500 (logged as transport_handler_threw), and finish() never runs, so the
//   call's deadline timer is never cleared;
// - a thenable: its then() returns whatever it likes (here nothing), handle() resolves with
//   undefined instead of a Reply, and the listener answers 500 from a TypeError.
// Both were served at ef6eb04 (before today). The calls here carry no deadline and the
// security-events observer is off: with them, the deadline wrapper and the observer (both
// older than today) call `.then` on the same value themselves, and a plain value fails there.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, Handler, Service, type CallContext, type HandlerWrapper } from '../../src/index.js';
import { encodeFrame, FRAME_KIND, openTcp, type RawPeer, type Reply } from '../attack-suite/frames.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ask {
  @IsString()
  who!: string;
}

@Service({ name: 'cached' })
class Cached {
  @Handler()
  plain(_ask: Ask, _ctx: CallContext): string {
    return 'from the handler';
  }

  @Handler()
  thenable(_ask: Ask, _ctx: CallContext): string {
    return 'from the handler';
  }

  @Handler()
  served(_ask: Ask, _ctx: CallContext): string {
    return 'from the handler';
  }
}

// A caching wrapper written in JavaScript (or typed loosely): a hit is answered as a value.
const answerFromCache = ((ctx: CallContext, next: () => Promise<unknown>) => {
  if (ctx.endpoint.endpoint === 'Cached.plain') return 'from the cache';
  if (ctx.endpoint.endpoint === 'Cached.thenable') {
    // Another promise library's object: `await` takes it; then() returns nothing.
    return { then: (resolve: (value: unknown) => void) => void resolve('from the cache') };
  }
  return next();
}) as unknown as HandlerWrapper;

function request(endpoint: string, callId: number): Buffer {
  const header = Buffer.from(JSON.stringify({ service: 'cached', endpoint, contentType: 'application/json', metadata: {}, timeoutMs: 0 }));
  return encodeFrame(FRAME_KIND.request, callId, header, Buffer.from(JSON.stringify({ who: 'mallory' })));
}

const describeReply = (reply: Reply): string => JSON.stringify(reply);

describe('attack4: a wrapper that answers without a native promise', () => {
  let app: Bastion;
  let peer: RawPeer;
  const logger = new RecordingLogger();

  before(async () => {
    app = await Bastion.create({ services: [Cached], insecure: true, logger, wrappers: [() => answerFromCache], observability: { securityEvents: false } });
    const { port } = await app.start();
    peer = await openTcp(port);
  });

  after(async () => {
    peer.close();
    await app.stop();
  });

  it('A4-5: should still serve the call when the wrapper returns a plain value', async () => {
    const reply = await peer.sendAndWait(1, request('Cached.plain', 1));
    assert.deepEqual(reply, { kind: 'response', body: 'from the cache' }, describeReply(reply));
  });

  it('A4-5: should still serve the call when the wrapper returns a thenable', async () => {
    const reply = await peer.sendAndWait(2, request('Cached.thenable', 2));
    assert.deepEqual(reply, { kind: 'response', body: 'from the cache' }, describeReply(reply));
  });

  it('A4-5: should serve the other endpoints through the same wrapper (control)', async () => {
    const reply = await peer.sendAndWait(3, request('Cached.served', 3));
    assert.deepEqual(reply, { kind: 'response', body: 'from the handler' }, describeReply(reply));
  });
});
