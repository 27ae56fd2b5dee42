// Attack round 7 on a1a5aa7 (ClientConnection.requestTo): the client's first attempt hears its
// outcome through a sink instead of a promise. A promise settles once whatever its resolvers
// are called with; a sink is plain code, and each call of it acts (a breaker count, a retry, a
// second request on the wire). A rogue or failing server therefore must never make a call's
// sink act twice or never: duplicate replies, a reply after the deadline, an error then a
// response for one id, a connection dropped mid-call, a go-away while calls are pending, an
// undecodable body. Each call must settle exactly once, with the first outcome, and send
// exactly as many requests as its retry policy allows.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Bastion, BastionError, MemoryRegistry } from '../../src/index.js';
import { encodeFrame, FRAME_KIND, FrameReader } from '../attack-suite/frames.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

type Script = (socket: Socket, callId: number) => void;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const respond = (socket: Socket, callId: number, body: unknown): boolean => socket.write(encodeFrame(FRAME_KIND.response, callId, json({ contentType: 'application/json' }), json(body)));
const fail = (socket: Socket, callId: number, id: string, code: number): boolean => socket.write(encodeFrame(FRAME_KIND.error, callId, json({ id, code, status: 'x', detail: 'rogue' }), Buffer.alloc(0)));

/** What the rogue node does with each endpoint's request. */
const SCRIPTS: Record<string, Script> = {
  ok: (s, id) => respond(s, id, 'ok'),
  duplicate: (s, id) => {
    respond(s, id, 'first');
    respond(s, id, 'second');
    fail(s, id, 'BST_ERR_SERVER_OVERLOADED', 503);
    respond(s, id + 1000, 'for nobody');
  },
  errorThenResponse: (s, id) => {
    fail(s, id, 'BST_ERR_SERVER_OVERLOADED', 503);
    respond(s, id, 'too late');
  },
  late: (s, id) => void setTimeout(() => !s.destroyed && respond(s, id, 'after the deadline'), 120),
  drop: (s) => s.destroy(),
  dropAfterReply: (s, id) => {
    respond(s, id, 'answered');
    s.destroy();
  },
  goAway: (s, id) => {
    fail(s, 0, 'BST_ERR_SERVER_SHUTTING_DOWN', 503);
    setTimeout(() => respond(s, id, 'answered while going away'), 10);
  },
  undecodable: (s, id) => s.write(encodeFrame(FRAME_KIND.response, id, json({ contentType: 'application/json' }), Buffer.from('{"not json'))),
  connectionError: (s) => fail(s, 0, 'BST_ERR_TRANSPORT_MALFORMED_FRAME', 400),
};

describe('attack7: the client sink against a rogue node', () => {
  let rogue: Server;
  let port: number;
  const sockets = new Set<Socket>();
  /** Requests the node received, by endpoint. */
  const received = new Map<string, number>();
  let app: Bastion;

  before(async () => {
    rogue = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      const reader = new FrameReader();
      socket.on('data', (chunk: Buffer) => {
        for (const frame of reader.push(chunk)) {
          if (frame.kind !== FRAME_KIND.request) continue;
          const endpoint = String((JSON.parse(frame.header.toString('utf8')) as { endpoint: string }).endpoint).replace('Rogue.', '');
          received.set(endpoint, (received.get(endpoint) ?? 0) + 1);
          SCRIPTS[endpoint]?.(socket, frame.callId);
        }
      });
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    port = (rogue.address() as { port: number }).port;
    const registry = new MemoryRegistry();
    const endpoints = Object.keys(SCRIPTS).map((name) => ({ name: `Rogue.${name}`, request: '', codec: 'application/json', idempotent: true }));
    await registry.register({ name: 'rogue', version: '1.0.0', metadata: {}, endpoints, nodes: [{ id: 'rogue-1', host: '127.0.0.1', port, metadata: {} }] }, { ttlMs: 600_000 });
    app = await Bastion.create({
      insecure: true,
      registry,
      registryPolicy: { allowServices: ['rogue'] },
      logger: new RecordingLogger(),
      client: { breaker: { failureThreshold: 1_000_000, coolDownMs: 0 }, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    });
  });

  after(async () => {
    await app.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => rogue.close(() => resolve()));
  });

  beforeEach(() => received.clear());

  /** Every way the call settles, in order: a promise hides a second settlement, so count through then-callbacks of a fresh call each time. */
  async function outcome(endpoint: string, timeoutMs = 1_000, retries?: number): Promise<string> {
    return app.client.call<string>('rogue', `Rogue.${endpoint}`, {}, { timeoutMs, ...(retries === undefined ? {} : { retry: { retries } }) }).then(
      (value) => `value ${value}`,
      (error: unknown) => (BastionError.is(error) ? error.id : `untyped ${String(error)}`),
    );
  }

  it('A7-C1: should take the first of duplicate replies for one id, and ignore replies for ids never sent', async () => {
    assert.equal(await outcome('duplicate'), 'value first');
    assert.equal(await outcome('ok'), 'value ok', 'the connection survived the stray replies');
    assert.equal(received.get('duplicate'), 1);
  });

  it('A7-C2: should take an error as the answer when a response for the same id follows it, retrying an idempotent 503 only as the policy allows', async () => {
    assert.equal(await outcome('errorThenResponse'), 'BST_ERR_SERVER_OVERLOADED');
    // One request and two retries, not more: the late response must not start or answer anything.
    assert.equal(received.get('errorThenResponse'), 3);
    assert.equal(await outcome('ok'), 'value ok');
  });

  it('A7-C3: should answer 408 once at the deadline and ignore the reply that comes after it', async () => {
    assert.equal(await outcome('late', 40), 'BST_ERR_CLIENT_DEADLINE_EXCEEDED');
    await sleep(150);
    assert.equal(received.get('late'), 1, 'a call answered 408 by its own deadline is not retried');
    assert.equal(await outcome('ok'), 'value ok');
  });

  it('A7-C4: should fail a call whose connection drops mid-call once, retrying it (idempotent) as the policy allows', async () => {
    assert.equal(await outcome('drop'), 'BST_ERR_TRANSPORT_CLOSED');
    assert.equal(received.get('drop'), 3);
    assert.equal(await outcome('ok'), 'value ok');
  });

  it('A7-C5: should keep the reply of a call answered just before its connection dropped', async () => {
    assert.equal(await outcome('dropAfterReply'), 'value answered');
    assert.equal(received.get('dropAfterReply'), 1);
    assert.equal(await outcome('ok'), 'value ok');
  });

  it('A7-C6: should still settle a call pending when the node goes away, and send later calls on a new connection', async () => {
    const pending = outcome('goAway');
    assert.equal(await pending, 'value answered while going away');
    assert.equal(received.get('goAway'), 1);
    assert.equal(await outcome('ok'), 'value ok');
  });

  it('A7-C7: should fail an undecodable reply once and not retry it', async () => {
    assert.equal(await outcome('undecodable'), 'BST_ERR_CODEC_DECODE');
    assert.equal(received.get('undecodable'), 1);
  });

  it('A7-C8: should fail every call pending on a connection the node closes with a connection error', async () => {
    // Without retries: a retry goes out on a new connection, where a late reply may legitimately
    // arrive once the connectionError call has run out of retries (how far apart the retries'
    // jittered delays fall decided it, so under load this test failed now and then).
    const results = await Promise.all([outcome('connectionError', 1_000, 0), outcome('late', 500, 0), outcome('late', 500, 0)]);
    assert.deepEqual(results, ['BST_ERR_TRANSPORT_CLOSED', 'BST_ERR_TRANSPORT_CLOSED', 'BST_ERR_TRANSPORT_CLOSED']);
    assert.equal(await outcome('ok'), 'value ok');
  });
});
