// Attacks on the listener's resource limits (attack report F3, F4): one peer flooding calls,
// connections or big frames must be refused at the cap while a legitimate client gets through.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { after, afterEach, before, describe, it } from 'node:test';
import { deadlineExceeded } from '../../src/errors/factories.js';
import type { TLSMaterial } from '../../src/security/security.js';
import { loadTLSMaterial } from '../../src/security/tls-material.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/transport/framing.js';
import { DEFAULT_TRANSPORT_OPTIONS, resolveTransportOptions } from '../../src/transport/options.js';
import { TCPTransport } from '../../src/transport/tcp.transport.js';
import { TLSTransport } from '../../src/transport/tls.transport.js';
import type { CallHandler, InboundCall, Listener, Reply, TransportOptions } from '../../src/transport/transport.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { serveAccounts } from '../security/mtls-fixtures.js';
import { closedWithin, echoHandler, framesUntilClose, header, rawCall, rawTcp, rawTls, sleep } from './tls-helpers.js';

type ClientKeys = { ca: string; cert: string; key: string };

/** A handler that answers 408 at once, as the deadline does, while its work runs on until `release()`. */
function lingeringHandler(): { readonly handler: CallHandler; readonly started: number; release(): void } {
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const state = {
    started: 0,
    handler: async (call: InboundCall): Promise<Reply> => {
      state.started += 1;
      call.holdUntil?.(released);
      return { kind: 'error', error: deadlineExceeded().toWire() };
    },
    release: () => release(),
  };
  return state;
}

/** Writes one request per id and resolves with the first `count` frames that come back. */
function requests(socket: TLSSocket, ids: readonly number[], count = ids.length, call = { header: { ...header(), timeoutMs: 50 }, body: new Uint8Array(1) }): Promise<Frame[]> {
  const decoder = new FrameDecoder(1 << 20);
  const frames: Frame[] = [];
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void =>
      decoder.push(chunk, (frame) => {
        frames.push(frame);
        if (frames.length === count) {
          socket.off('data', onData);
          resolve(frames);
        }
      });
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${frames.length} of ${count} frames: ${JSON.stringify(frames)}`)));
    socket.write(Buffer.concat(ids.map((callId) => encodeFrame({ kind: 'request', callId, ...call }))));
  });
}

/** How many replies carry each error id. */
function tally(frames: readonly Frame[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const frame of frames) {
    const id = frame.kind === 'error' ? frame.error.id : frame.kind;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

const ids = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function prefix(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length);
  return bytes;
}

/** Connects and completes one call, retrying while the server has not yet seen earlier sockets close. */
async function eventuallyServed(port: number, keys: ClientKeys): Promise<Frame> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const socket = await rawTls(port, keys);
      try {
        return await rawCall(socket, new Uint8Array([7]));
      } finally {
        socket.destroy();
      }
    } catch (error) {
      if (attempt >= 40) throw error;
      await sleep(50);
    }
  }
}

describe('TLSListener limits under attack', () => {
  let pki: TestPki;
  let greeter: TLSMaterial;
  let client: ClientKeys;
  let anonymous: ClientKeys;
  let listener: Listener | undefined;
  const sockets: Socket[] = [];

  before(async () => {
    pki = await createTestPki();
    greeter = await loadTLSMaterial(await pki.tlsFor('greeter'));
    const orders = await loadTLSMaterial(await pki.tlsFor('orders'));
    client = { ca: orders.ca, cert: orders.cert, key: orders.key };
    const noIdentity = await pki.issue('nobody', { omitSpiffeUri: true });
    anonymous = { ca: pki.ca.certPem, cert: noIdentity.certPem, key: noIdentity.keyPem };
  });

  async function serve(limits: Partial<TransportOptions>, handler: CallHandler, logger = new RecordingLogger()): Promise<Listener> {
    const options = resolveTransportOptions({ handshakeTimeoutMs: 2_000, frameReadTimeoutMs: 2_000, ...limits });
    listener = await new TLSTransport(greeter, options, logger).listen({ host: '127.0.0.1', port: 0 }, handler);
    return listener;
  }

  /** Opens a raw TLS socket that the test closes afterwards. */
  async function open(keys: ClientKeys, localAddress?: string): Promise<TLSSocket> {
    const socket = await rawTls(listener?.port ?? 0, localAddress === undefined ? keys : ({ ...keys, localAddress } as ConnectionOptions));
    sockets.push(socket);
    return socket;
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await listener?.close(0);
    listener = undefined;
  });

  after(() => {
    for (const socket of sockets) socket.destroy();
  });

  describe('.listen', () => {
    describe('when one connection floods a Bastion handler that ignores its deadline, reusing the ids (F3)', () => {
      it('should keep the handlers running at once at maxInFlightPerConnection although every call was answered 408', async () => {
        const server = await serveAccounts({ tls: await pki.tlsFor('accounts'), transport: { maxInFlightPerConnection: 4 } });
        let release = (): void => undefined;
        server.accounts.gate = new Promise<void>((resolve) => (release = resolve));
        try {
          const frontend = await pki.issue('frontend');
          const socket = await rawTls(server.port, { ca: pki.ca.certPem, cert: frontend.certPem, key: frontend.keyPem });
          sockets.push(socket);
          const call = {
            header: { service: 'accounts', endpoint: 'Accounts.open', contentType: 'application/json', metadata: {}, timeoutMs: 50 },
            body: Buffer.from(JSON.stringify({ name: 'mallory' })),
          };
          assert.deepEqual(tally(await requests(socket, ids(5, 14), 10, call)), { BST_ERR_CLIENT_DEADLINE_EXCEEDED: 4, BST_ERR_SERVER_OVERLOADED: 6 });
          for (let batch = 0; batch < 3; batch += 1) {
            assert.deepEqual(tally(await requests(socket, ids(9, 14), 6, call)), { BST_ERR_SERVER_OVERLOADED: 6 });
          }
          // The ids answered 408 belong to handlers still running: relaunching one is a protocol error.
          await assert.rejects(requests(socket, [5], 2, call), /the call id is already in use/);
          assert.equal(server.accounts.calls, 4);
        } finally {
          release();
          await server.app.stop();
        }
      });
    });

    describe('when one connection floods a slow handler with calls whose deadline passes, reusing the ids (F3)', () => {
      it('should run no more handlers than maxInFlightPerConnection, answer the rest 503 at once, and keep ids in use until the handler ends', async () => {
        const handler = lingeringHandler();
        const logger = new RecordingLogger();
        await serve({ maxInFlightPerConnection: 8, maxInFlight: 1_000 }, handler.handler, logger);
        const socket = await open(client);

        const first = await requests(socket, ids(1, 20));
        assert.deepEqual(tally(first), { BST_ERR_CLIENT_DEADLINE_EXCEEDED: 8, BST_ERR_SERVER_OVERLOADED: 12 });
        const overloaded = first.find((frame) => frame.kind === 'error' && frame.error.id === 'BST_ERR_SERVER_OVERLOADED');
        assert.equal(overloaded?.kind === 'error' ? overloaded.error.code : 0, 503);

        // The refused ids are free: a second batch on them is refused again, no handler starts.
        const second = await requests(socket, ids(9, 20));
        assert.deepEqual(tally(second), { BST_ERR_SERVER_OVERLOADED: 12 });
        assert.equal(handler.started, 8);
        const shed = logger.records.filter((r) => r.event === 'shed');
        assert.equal(shed.length, 24);
        assert.equal(shed[0]?.fields.limit, 'maxInFlightPerConnection');

        // Ids answered 408 are still in use while their handler runs: reusing one is a protocol error.
        const received = framesUntilClose(socket);
        socket.write(encodeFrame({ kind: 'request', callId: 1, header: header(), body: new Uint8Array(1) }));
        const { frames } = await received;
        assert.equal(frames.length, 1);
        assert.equal(frames[0]?.callId, 0);
        assert.equal(frames[0]?.kind === 'error' ? frames[0].error.id : undefined, 'BST_ERR_TRANSPORT_MALFORMED_FRAME');
        assert.equal(handler.started, 8);

        handler.release();
        const again = await open(client);
        assert.deepEqual(tally(await requests(again, ids(1, 3))), { BST_ERR_CLIENT_DEADLINE_EXCEEDED: 3 });
        assert.equal(handler.started, 11);
      });
    });

    describe('when several connections together exceed maxInFlight', () => {
      it('should answer 503 on any connection once the listener-wide cap is reached, and serve again after handlers end', async () => {
        const handler = lingeringHandler();
        const logger = new RecordingLogger();
        await serve({ maxInFlightPerConnection: 8, maxInFlight: 10 }, handler.handler, logger);
        const a = await open(client);
        const b = await open(client);

        assert.deepEqual(tally(await requests(a, ids(1, 8))), { BST_ERR_CLIENT_DEADLINE_EXCEEDED: 8 });
        assert.deepEqual(tally(await requests(b, ids(1, 5))), { BST_ERR_CLIENT_DEADLINE_EXCEEDED: 2, BST_ERR_SERVER_OVERLOADED: 3 });
        assert.equal(handler.started, 10);
        assert.deepEqual(logger.records.filter((r) => r.event === 'shed').map((r) => r.fields.limit), ['maxInFlight', 'maxInFlight', 'maxInFlight']);

        handler.release();
        await sleep(0);
        assert.deepEqual(tally(await requests(b, ids(6, 8))), { BST_ERR_CLIENT_DEADLINE_EXCEEDED: 3 });
        assert.equal(handler.started, 13);
      });
    });

    describe('when a request uses call id 0, which is reserved for connection errors', () => {
      it('should refuse it as a malformed frame on id 0 and close, without reaching the handler', async () => {
        const handler = echoHandler();
        await serve({}, handler);
        const socket = await open(client);
        const received = framesUntilClose(socket);
        socket.write(encodeFrame({ kind: 'request', callId: 0, header: header(), body: new Uint8Array(1) }));
        const { frames } = await received;
        assert.equal(frames.length, 1);
        const [frame] = frames;
        assert.ok(frame?.kind === 'error' && frame.callId === 0, `got ${JSON.stringify(frame)}`);
        assert.equal(frame.error.id, 'BST_ERR_TRANSPORT_MALFORMED_FRAME');
        assert.equal(frame.error.code, 400);
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when one address opens more connections than maxConnectionsPerAddress (F4)', () => {
      it('B14: should destroy the extra socket at once and log why, while a client from another address and later ones get through', async () => {
        const logger = new RecordingLogger();
        await serve({ maxConnectionsPerAddress: 3 }, echoHandler(), logger);
        for (let i = 0; i < 3; i += 1) await open(client);

        const extra = await rawTcp(listener?.port ?? 0);
        sockets.push(extra);
        let bytes = 0;
        extra.on('data', (chunk: Buffer) => (bytes += chunk.length));
        extra.on('error', () => undefined);
        await closedWithin(extra, 2_000);
        assert.equal(bytes, 0, 'no TLS handshake byte reaches a refused socket');
        await assert.rejects(rawTls(listener?.port ?? 0, client));
        const refused = logger.records.filter((r) => r.event === 'connection_refused');
        assert.ok(refused.length >= 2, `got ${JSON.stringify(logger.records)}`);
        assert.deepEqual(refused[0]?.fields.reason, 'max_connections_per_address');

        const other = await open(client, '127.0.0.2');
        const reply = await rawCall(other, new Uint8Array([1]));
        assert.equal(reply.kind, 'response');

        sockets.splice(0, 1)[0]?.destroy();
        assert.equal((await eventuallyServed(listener?.port ?? 0, client)).kind, 'response');
      });
    });

    describe('when one address opens more plain TCP connections than maxConnectionsPerAddress (insecure mode)', () => {
      it('B14: should destroy the extra socket unserved, and keep the full frame limit since no peer has an identity there', async () => {
        const handler = echoHandler();
        const options = resolveTransportOptions({ maxConnectionsPerAddress: 2, maxUnauthenticatedFrameBytes: 1024 });
        listener = await new TCPTransport(options, new RecordingLogger()).listen({ host: '127.0.0.1', port: 0 }, handler);
        const first = await rawTcp(listener.port);
        const second = await rawTcp(listener.port);
        sockets.push(first, second);
        const extra = await rawTcp(listener.port);
        sockets.push(extra);
        extra.on('error', () => undefined);
        extra.write(encodeFrame({ kind: 'request', callId: 1, header: header(), body: new Uint8Array(1) }));
        await closedWithin(extra, 2_000);

        const reply = new Promise<Frame>((resolve) => {
          const decoder = new FrameDecoder(1 << 20);
          first.on('data', (chunk: Buffer) => decoder.push(chunk, resolve));
        });
        first.write(encodeFrame({ kind: 'request', callId: 1, header: header(), body: new Uint8Array(8 * 1024) }));
        const frame = await reply;
        assert.ok(frame.kind === 'response' && frame.body.byteLength === 8 * 1024, `got ${frame.kind}`);
        assert.equal(handler.calls.length, 1);
      });
    });

    describe('when more sockets arrive than maxConnections', () => {
      it('should drop the extra socket before any handshake and log connection_refused', async () => {
        const logger = new RecordingLogger();
        await serve({ maxConnections: 2 }, echoHandler(), logger);
        await open(client);
        await open(client, '127.0.0.2');
        const extra = await rawTcp(listener?.port ?? 0);
        sockets.push(extra);
        extra.on('error', () => undefined);
        await closedWithin(extra, 2_000);
        const refused = logger.records.find((r) => r.event === 'connection_refused');
        assert.equal(refused?.fields.reason, 'max_connections');
      });
    });

    describe('when a peer without a service identity stages a 4 MiB frame (F4)', () => {
      it('should answer FRAME_TOO_LARGE right after the prefix and close, while it may still send small frames', async () => {
        const handler = echoHandler();
        await serve({ maxFrameBytes: DEFAULT_TRANSPORT_OPTIONS.maxFrameBytes, maxUnauthenticatedFrameBytes: 64 * 1024 }, handler);

        const small = await open(anonymous);
        assert.equal((await rawCall(small, new Uint8Array([1]))).kind, 'response');

        const socket = await open(anonymous);
        const received = framesUntilClose(socket);
        socket.write(prefix(4 * 1024 * 1024 - 1));
        socket.write(Buffer.alloc(1024));
        const { frames } = await received;
        assert.equal(frames.length, 1);
        const [frame] = frames;
        assert.ok(frame?.kind === 'error' && frame.callId === 0, `got ${JSON.stringify(frame)}`);
        assert.equal(frame.error.id, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE');
        assert.equal(frame.error.code, 413);
        assert.equal(handler.calls.length, 1);
      });

      it('should still accept a frame above that budget from a peer with an identity', async () => {
        const handler = echoHandler();
        await serve({ maxUnauthenticatedFrameBytes: 64 * 1024 }, handler);
        const socket = await open(client);
        const reply = await rawCall(socket, new Uint8Array(200 * 1024));
        assert.ok(reply.kind === 'response' && reply.body.byteLength === 200 * 1024);
      });
    });
  });
});
