// Attack round 4: behaviour today's changes keep, but that no test guarded. Each test here
// passes on a2db860 and failed when the guarded line was removed (mutation noted per test):
// - A4-6: framing.ts keeps its own copy of a cached refusal's fields. The test of today copies
//   nothing when it compares: it changes the sent error, then sends the ORIGINAL refusal, which
//   no longer matches the (shared) cached fields and is encoded afresh. Without the copy, the
//   caller's later error that holds the CHANGED text matches the cache and gets the old bytes.
//   (Mutation: `const copy = fields`; today's test passes, this one fails.)
// - A4-7: rpc.server.ts finish() on the failure path hands the still-running handler to the
//   transport (holdUntil) after a 408. Nothing end to end checked it: attack3 A1 covers a
//   handler not started yet and A2 covers @MaxInFlight's own gauge. (Mutation: no finish() in
//   the rejection reaction; every test of server/ and attack3/ passes, this one fails.)
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { IsString } from 'class-validator';
import type { WireError } from '../../src/errors/bastion-error.js';
import { Bastion, Handler, Service, type CallContext } from '../../src/index.js';
import { decodePayload, encodeFrame as encodeWireFrame, type Frame } from '../../src/transport/framing.js';
import { encodeFrame, FRAME_KIND, openTcp, type RawPeer, type Reply } from '../attack-suite/frames.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

function roundTrip(error: WireError): WireError {
  const frame = decodePayload(encodeWireFrame({ kind: 'error', callId: 3, error }).subarray(4));
  return (frame as Frame & { kind: 'error' }).error;
}

describe('attack4: guards today\'s tests lacked', () => {
  it('A4-6: should send what a refusal holds now, after its maker changed the arrays of one sent before', () => {
    const constraints = ['isString: name must be a string'];
    const sent: WireError = { id: 'BST_ERR_VALIDATION_FAILED', code: 400, status: 'Bad Request', detail: 'A4-6: name', fields: [{ path: 'name', constraints }] };
    assert.deepEqual(roundTrip(sent).fields?.[0]?.constraints, ['isString: name must be a string']);
    // The maker reuses its arrays for the next refusal (a pooled list, a builder).
    constraints[0] = 'maxLength: name is too long';
    const next: WireError = { ...sent, fields: [{ path: 'name', constraints: ['maxLength: name is too long'] }] };
    assert.deepEqual(roundTrip(next).fields?.[0]?.constraints, ['maxLength: name is too long']);
  });
});

class Job {
  @IsString()
  who!: string;
}

const state = { started: 0, release: (): void => undefined, gate: Promise.resolve() };

@Service({ name: 'slow' })
class Slow {
  @Handler()
  async run(_job: Job, _ctx: CallContext): Promise<string> {
    state.started += 1;
    await state.gate;
    return 'done';
  }
}

function request(callId: number, timeoutMs: number): Buffer {
  const header = Buffer.from(JSON.stringify({ service: 'slow', endpoint: 'Slow.run', contentType: 'application/json', metadata: {}, timeoutMs }));
  return encodeFrame(FRAME_KIND.request, callId, header, Buffer.from(JSON.stringify({ who: 'mallory' })));
}

const idOf = (reply: Reply): string => (reply.kind === 'error' ? String(reply.error.id) : reply.kind);

describe('attack4 A4-7: handlers still running after their 408 keep their slots', () => {
  let app: Bastion;
  let peer: RawPeer;

  before(async () => {
    state.gate = new Promise<void>((resolve) => (state.release = resolve));
    app = await Bastion.create({ services: [Slow], insecure: true, logger: new RecordingLogger(), transport: { maxInFlightPerConnection: 2 } });
    const { port } = await app.start();
    peer = await openTcp(port);
  });

  after(async () => {
    state.release();
    peer.close();
    await app.stop();
  });

  it('A4-7: should shed a third call while two handlers answered 408 still run, with maxInFlightPerConnection 2', async () => {
    const first = await Promise.all([1, 2].map((id) => peer.sendAndWait(id, request(id, 20))));
    assert.deepEqual(first.map(idOf), ['BST_ERR_CLIENT_DEADLINE_EXCEEDED', 'BST_ERR_CLIENT_DEADLINE_EXCEEDED']);
    await sleep(20);
    const third = await peer.sendAndWait(3, request(3, 20));
    assert.equal(idOf(third), 'BST_ERR_SERVER_OVERLOADED', `two handlers still run, yet a third call got ${JSON.stringify(third)}; handlers started: ${state.started}`);
    assert.equal(state.started, 2);
  });
});
