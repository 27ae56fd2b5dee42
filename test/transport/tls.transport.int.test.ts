import 'reflect-metadata';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, afterEach, before, describe, it } from 'node:test';
import { Container } from 'inversify';
import { TOKENS } from '../../src/container/tokens.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { fixedCertificateSource, type TLSMaterial } from '../../src/security/security.js';
import { loadTLSMaterial } from '../../src/security/tls-material.js';
import { encodeFrame } from '../../src/transport/framing.js';
import { resolveTransportOptions } from '../../src/transport/options.js';
import { TLSTransport } from '../../src/transport/tls.transport.js';
import type { CallHandler, ClientConnection, Listener, Reply, TransportOptions } from '../../src/transport/transport.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';
import {
  closedWithin,
  echoHandler,
  framesUntilClose,
  header,
  rawCall,
  rawMaterial,
  rawTcp,
  rawTls,
  rejectsWithId,
  selfSignedServiceCertificate,
  silentLogger,
  sleep,
} from './tls-helpers.js';

const options = resolveTransportOptions({ maxFrameBytes: 64 * 1024, handshakeTimeoutMs: 2_000 });
const HOST = { host: '127.0.0.1', port: 0 };
const body = (text: string) => new TextEncoder().encode(text);
const text = (reply: Reply) => (reply.kind === 'response' ? new TextDecoder().decode(reply.body) : `error ${reply.error.id}`);

describe(TLSTransport.name, () => {
  let pki: TestPki;
  let greeter: TLSMaterial;
  let orders: TLSMaterial;
  const listeners: Listener[] = [];
  const connections: ClientConnection[] = [];

  async function serve(handler: CallHandler, material = greeter, transportOptions: TransportOptions = options): Promise<Listener> {
    const listener = await new TLSTransport(material, transportOptions, silentLogger).listen(HOST, handler);
    listeners.push(listener);
    return listener;
  }

  async function dial(listener: Listener, expectedService = 'greeter', material = orders): Promise<ClientConnection> {
    const connection = await new TLSTransport(material, options, silentLogger).dial({ host: listener.host, port: listener.port, expectedService });
    connections.push(connection);
    return connection;
  }

  before(async () => {
    pki = await createTestPki();
    greeter = await loadTLSMaterial(await pki.tlsFor('greeter'));
    orders = await loadTLSMaterial(await pki.tlsFor('orders'));
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await Promise.all(listeners.splice(0).map((l) => l.close(0)));
  });

  describe('constructor', () => {
    describe('when resolved from an inversify container', () => {
      it('should inject the certificate source, options and logger by token', () => {
        const container = new Container();
        container.bind(TOKENS.CertificateSource).toConstantValue(fixedCertificateSource(greeter));
        container.bind(TOKENS.TransportOptions).toConstantValue(options);
        container.bind(TOKENS.Logger).toConstantValue(silentLogger);
        container.bind(TLSTransport).toSelf();
        assert.equal(container.get(TLSTransport).name, 'tls');
      });
    });
  });

  describe('.listen', () => {
    describe('when asked for port 0', () => {
      it('should report the ephemeral port actually bound', async () => {
        const listener = await serve(echoHandler());
        assert.equal(listener.host, '127.0.0.1');
        assert.ok(listener.port > 0);
      });
    });

    describe('when a verified client calls', () => {
      it('should hand the handler the header, the body and the peer identity from the SAN', async () => {
        const handler = echoHandler();
        const connection = await dial(await serve(handler));
        const reply = await connection.request({ ...header(), metadata: { trace: 't1' }, timeoutMs: 500 }, body('hello'));
        assert.equal(text(reply), 'hello');
        const [call] = handler.calls;
        assert.deepEqual(call?.header, { ...header(), metadata: { trace: 't1' }, timeoutMs: 500 });
        assert.equal(call?.peer.authorized, true);
        assert.deepEqual(call?.peer.identity, { name: 'orders', trustDomain: TRUST_DOMAIN, uri: `spiffe://${TRUST_DOMAIN}/service/orders` });
      });
    });

    describe('when a client has no certificate', () => {
      it('B16: should never reach the handler', async () => {
        const handler = echoHandler();
        const listener = await serve(handler);
        const outcome = await rawTls(listener.port, { ca: greeter.ca }).then(
          (socket) => rawCall(socket, body('anonymous')).then(() => 'answered', () => 'closed'),
          () => 'refused',
        );
        assert.notEqual(outcome, 'answered');
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when the handler throws despite its contract', () => {
      it('should reply with an internal error carrying no stack', async () => {
        const connection = await dial(await serve(async () => { throw new Error('/secret/path.ts exploded'); }));
        const reply = await connection.request(header(), body('x'));
        assert.equal(reply.kind, 'error');
        assert.equal(reply.kind === 'error' && reply.error.id, 'BST_ERR_SERVER_INTERNAL');
        assert.equal(JSON.stringify(reply).includes('secret'), false);
      });
    });

    describe('when a reply would exceed maxFrameBytes', () => {
      it('should send FRAME_TOO_LARGE in its place', async () => {
        const connection = await dial(await serve(async () => ({ kind: 'response', contentType: 'x', body: new Uint8Array(options.maxFrameBytes) })));
        const reply = await connection.request(header(), body('x'));
        assert.equal(reply.kind === 'error' && reply.error.id, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE');
      });
    });

    describe('when a frame declares 0xFFFFFFFF bytes', () => {
      it('B11: should close the connection promptly, possibly after a FRAME_TOO_LARGE error frame', async () => {
        const handler = echoHandler();
        const listener = await serve(handler);
        const socket = await rawTls(listener.port, { ca: orders.ca, cert: orders.cert, key: orders.key });
        const received = framesUntilClose(socket);
        socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
        await closedWithin(socket, 5_000);
        const { frames } = await received;
        for (const frame of frames) assert.equal(frame.kind === 'error' && frame.error.id, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE');
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when peers stall the handshake, a frame or the connection (B14)', () => {
      it('B14: should close each of them while a normal client keeps succeeding', async () => {
        const slow = resolveTransportOptions({ handshakeTimeoutMs: 300, frameReadTimeoutMs: 300, idleTimeoutMs: 600 });
        const listener = await serve(echoHandler(), greeter, slow);
        const client = { ca: orders.ca, cert: orders.cert, key: orders.key };
        const silent = await rawTcp(listener.port);
        const halfHello = await rawTcp(listener.port);
        halfHello.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
        const trickler = await rawTls(listener.port, client);
        trickler.on('error', () => undefined);
        const idle = await rawTls(listener.port, client);
        idle.on('error', () => undefined);
        // One byte every 100 ms keeps the connection busy, so only the frame-read timeout can close it.
        const partial = encodeFrame({ kind: 'ping', callId: 1, body: new Uint8Array(100) });
        let sent = 0;
        const trickle = setInterval(() => trickler.writable && trickler.write(partial.subarray(sent, ++sent)), 100);
        const connection = await dial(listener);
        let calls = 0;
        const closed = Promise.all([silent, halfHello, trickler, idle].map((socket) => closedWithin(socket, 5_000)));
        let done = false;
        void closed.finally(() => (done = true));
        try {
          while (!done) {
            assert.equal(text(await connection.request(header(), body(`call ${calls}`))), `call ${calls}`);
            calls += 1;
            await sleep(50);
          }
          await closed;
        } finally {
          clearInterval(trickle);
        }
        assert.ok(sent < partial.length, 'the trickled frame must not have completed');
        assert.ok(calls > 0);
      });
    });

    describe('when closed with in-flight calls', () => {
      it('should let a call finish within drainMs, then refuse new connections', async () => {
        const listener = await serve(async (call) => {
          await sleep(200);
          return { kind: 'response', contentType: 'x', body: call.body };
        });
        const connection = await dial(listener);
        const pending = connection.request(header(), body('slow'));
        await sleep(50);
        await listener.close(5_000);
        assert.equal(text(await pending), 'slow');
        await rejectsWithId(dial(listener), 'BST_ERR_CLIENT_CONNECTION');
      });

      it('should fail calls still running after drainMs with TRANSPORT_CLOSED', async () => {
        const listener = await serve(() => new Promise<Reply>(() => undefined));
        const connection = await dial(listener);
        const failed = rejectsWithId(connection.request(header(), body('stuck')), 'BST_ERR_TRANSPORT_CLOSED');
        await sleep(50);
        await listener.close(100);
        await failed;
        assert.equal(connection.closed, true);
      });

      it('should answer calls that arrive while draining with SHUTTING_DOWN', async () => {
        const listener = await serve(async (call) => {
          await sleep(150);
          return { kind: 'response', contentType: 'x', body: call.body };
        });
        const connection = await dial(listener);
        const first = connection.request(header(), body('first'));
        await sleep(30);
        const closing = listener.close(5_000);
        const late = await connection.request(header(), body('late'));
        assert.equal(late.kind === 'error' && late.error.id, 'BST_ERR_SERVER_SHUTTING_DOWN');
        assert.equal(text(await first), 'first');
        await closing;
      });
    });

    describe('when close is called twice', () => {
      it('should resolve both calls', async () => {
        const listener = await serve(echoHandler());
        await Promise.all([listener.close(0), listener.close(0)]);
        await listener.close();
      });
    });
  });

  describe('.dial', () => {
    describe('when 100 calls run concurrently on one connection', () => {
      it('should match every reply to its call although replies come out of order', async () => {
        const listener = await serve(async (call) => {
          const index = Number(new TextDecoder().decode(call.body));
          await sleep(((100 - index) % 7) * 5);
          return { kind: 'response', contentType: 'text/plain', body: body(`reply ${index}`) };
        });
        const connection = await dial(listener);
        const order: number[] = [];
        const replies = await Promise.all(
          Array.from({ length: 100 }, (_, index) =>
            connection.request(header(), body(String(index))).then((reply) => {
              order.push(index);
              return reply;
            }),
          ),
        );
        replies.forEach((reply, index) => assert.equal(text(reply), `reply ${index}`));
        assert.notDeepEqual(order, [...order].sort((a, b) => a - b));
      });
    });

    describe('when the request body would exceed maxFrameBytes', () => {
      it('should refuse it unsent and keep the connection usable', async () => {
        const handler = echoHandler();
        const connection = await dial(await serve(handler));
        await rejectsWithId(connection.request(header(), new Uint8Array(options.maxFrameBytes)), 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE');
        assert.equal(handler.calls.length, 0);
        assert.equal(text(await connection.request(header(), body('ok'))), 'ok');
      });
    });

    describe('when nothing listens at the target', () => {
      it('should reject with CLIENT_CONNECTION naming the socket error', async () => {
        const listener = await serve(echoHandler());
        await listener.close(0);
        const error = await rejectsWithId(dial(listener), 'BST_ERR_CLIENT_CONNECTION');
        assert.match(error.detail, /ECONNREFUSED/);
      });
    });

    describe('when the server presents a self-signed certificate outside the CA', () => {
      it('B15: should fail the handshake and never reach the handler', async () => {
        const rogue = await selfSignedServiceCertificate('greeter', TRUST_DOMAIN);
        const handler = echoHandler();
        const listener = await serve(handler, rawMaterial(pki.ca.certPem, rogue, TRUST_DOMAIN));
        const error = await rejectsWithId(dial(listener), 'BST_ERR_CLIENT_CONNECTION');
        assert.match(error.detail, /DEPTH_ZERO_SELF_SIGNED_CERT/);
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when the server presents a valid certificate of another service', () => {
      it('B15: should refuse it with SERVER_IDENTITY (a poisoned registry entry)', async () => {
        const handler = echoHandler();
        const listener = await serve(handler, orders);
        const error = await rejectsWithId(dial(listener, 'greeter', greeter), 'BST_ERR_SECURITY_SERVER_IDENTITY');
        assert.match(error.detail, /'orders'/);
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when the server presents an expired certificate', () => {
      it('B15: should fail with CERT_HAS_EXPIRED and never reach the handler', async () => {
        const day = 24 * 60 * 60 * 1000;
        const expired = await pki.issue('greeter', { notBefore: new Date(Date.now() - 2 * day), notAfter: new Date(Date.now() - day) });
        const handler = echoHandler();
        const listener = await serve(handler, rawMaterial(pki.ca.certPem, expired, TRUST_DOMAIN));
        const error = await rejectsWithId(dial(listener), 'BST_ERR_CLIENT_CONNECTION');
        assert.match(error.detail, /CERT_HAS_EXPIRED/);
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when the process-wide minimum TLS version was lowered', () => {
      const saved = tls.DEFAULT_MIN_VERSION;
      after(() => {
        tls.DEFAULT_MIN_VERSION = saved;
      });

      it('B18: should refuse a client capped at TLSv1.1 and serve TLSv1.2 and TLSv1.3 clients', async () => {
        tls.DEFAULT_MIN_VERSION = 'TLSv1';
        const handler = echoHandler();
        const listener = await serve(handler);
        const client = { ca: orders.ca, cert: orders.cert, key: orders.key };
        await assert.rejects(
          rawTls(listener.port, { ...client, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
          (error: NodeJS.ErrnoException) => /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/.test(error.code ?? ''),
        );
        for (const version of [{ maxVersion: 'TLSv1.2' }, { minVersion: 'TLSv1.3' }] as const) {
          const socket = await rawTls(listener.port, { ...client, ...version });
          const reply = await rawCall(socket, body('modern'));
          socket.destroy();
          assert.equal(reply.kind, 'response');
        }
        assert.equal(handler.calls.length, 2);
      });
    });
  });

  describe('ClientConnection', () => {
    describe('when closed by the client', () => {
      it('should report closed and refuse further requests', async () => {
        const connection = await dial(await serve(echoHandler()));
        await connection.close();
        assert.equal(connection.closed, true);
        await rejectsWithId(connection.request(header(), body('x')), 'BST_ERR_TRANSPORT_CLOSED');
        await connection.close();
      });
    });

    describe('when the server closes an idle connection', () => {
      it('should report closed', async () => {
        const listener = await serve(echoHandler(), greeter, resolveTransportOptions({ idleTimeoutMs: 100 }));
        const connection = await dial(listener);
        for (let waited = 0; !connection.closed && waited < 5_000; waited += 50) await sleep(50);
        assert.equal(connection.closed, true);
        assert.ok(BastionError.is(await connection.request(header(), body('x')).catch((e: unknown) => e)));
      });
    });
  });
});
