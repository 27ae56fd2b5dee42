// Attacks on the TLS transport from the peer's side, with raw sockets: each must fail
// and none may reach the handler.
import assert from 'node:assert/strict';
import tls, { type TLSSocket } from 'node:tls';
import { after, afterEach, before, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { TLSMaterial } from '../../src/security/security.js';
import { loadTLSMaterial } from '../../src/security/tls-material.js';
import { resolveTransportOptions } from '../../src/transport/options.js';
import { TLSTransport } from '../../src/transport/tls.transport.js';
import type { Listener } from '../../src/transport/transport.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';
import { closedWithin, echoHandler, framesUntilClose, rawCall, rawMaterial, rawTls, silentLogger } from './tls-helpers.js';

const LIMIT = 64 * 1024;
const options = resolveTransportOptions({ maxFrameBytes: LIMIT, handshakeTimeoutMs: 2_000, frameReadTimeoutMs: 2_000 });
const DAY_MS = 24 * 60 * 60 * 1000;

function prefix(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length);
  return bytes;
}

/** True when a raw client could neither finish the handshake nor get a request answered. */
async function rejected(socket: Promise<TLSSocket>): Promise<boolean> {
  try {
    const open = await socket;
    const answered = await rawCall(open, new Uint8Array(1)).then(() => true, () => false);
    open.destroy();
    return !answered;
  } catch {
    return true;
  }
}

describe(`${TLSTransport.name} under attack`, () => {
  let pki: TestPki;
  let greeter: TLSMaterial;
  let client: { ca: string; cert: string; key: string };
  let listener: Listener;
  let handler: ReturnType<typeof echoHandler>;

  before(async () => {
    pki = await createTestPki();
    greeter = await loadTLSMaterial(await pki.tlsFor('greeter'));
    const orders = await loadTLSMaterial(await pki.tlsFor('orders'));
    client = { ca: orders.ca, cert: orders.cert, key: orders.key };
  });

  async function serve(material = greeter): Promise<Listener> {
    handler = echoHandler();
    listener = await new TLSTransport(material, options, silentLogger).listen({ host: '127.0.0.1', port: 0 }, handler);
    return listener;
  }

  afterEach(async () => {
    await listener?.close(0);
  });

  describe('.listen', () => {
    for (const [label, declared] of [['maxFrameBytes + 1', LIMIT + 1], ['0xFFFFFFFF', 0xffffffff]] as const) {
      for (const follow of ['nothing', 'one byte per 100 ms', 'the full payload'] as const) {
        if (follow === 'the full payload' && declared > LIMIT + 1) continue;
        describe(`when a frame declares ${label} bytes and the peer then sends ${follow}`, () => {
          it('B11: should answer FRAME_TOO_LARGE and close the connection without reaching the handler', async () => {
            await serve();
            const socket = await rawTls(listener.port, client);
            const received = framesUntilClose(socket);
            socket.write(prefix(declared));
            let trickle: NodeJS.Timeout | undefined;
            if (follow === 'one byte per 100 ms') trickle = setInterval(() => socket.writable && socket.write(Buffer.of(0)), 100);
            if (follow === 'the full payload') socket.write(Buffer.alloc(LIMIT + 1));
            try {
              await closedWithin(socket, 5_000);
            } finally {
              clearInterval(trickle);
            }
            const { frames } = await received;
            assert.equal(frames.length, 1);
            assert.equal(frames[0]?.kind === 'error' && frames[0].callId === 0 && frames[0].error.id, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE');
            assert.equal(handler.calls.length, 0);
          });
        });
      }
    }

    describe('when clients present no, foreign or expired certificates', () => {
      it('B16: should refuse all three and never reach the handler, while a valid client gets through', async () => {
        await serve();
        const otherPki = await createTestPki();
        const foreign = await otherPki.issue('orders');
        const expired = await pki.issue('orders', { notBefore: new Date(Date.now() - 2 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
        const attempts = [
          rawTls(listener.port, { ca: client.ca }),
          rawTls(listener.port, { ca: client.ca, cert: foreign.certPem, key: foreign.keyPem }),
          rawTls(listener.port, { ca: client.ca, cert: expired.certPem, key: expired.keyPem }),
        ];
        assert.deepEqual(await Promise.all(attempts.map(rejected)), [true, true, true]);
        assert.equal(handler.calls.length, 0);
        assert.equal(await rejected(rawTls(listener.port, client)), false);
        assert.equal(handler.calls[0]?.peer.identity?.name, 'orders');
      });
    });

    describe('when the process-wide minimum TLS version was lowered to TLSv1', () => {
      const saved = tls.DEFAULT_MIN_VERSION;
      after(() => {
        tls.DEFAULT_MIN_VERSION = saved;
      });

      it('B18: should refuse TLSv1 and TLSv1.1 clients with a protocol-version alert', async () => {
        tls.DEFAULT_MIN_VERSION = 'TLSv1';
        await serve();
        for (const maxVersion of ['TLSv1', 'TLSv1.1'] as const) {
          await assert.rejects(
            rawTls(listener.port, { ...client, minVersion: 'TLSv1', maxVersion, ciphers: 'DEFAULT@SECLEVEL=0' }),
            (error: NodeJS.ErrnoException) => /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/.test(error.code ?? ''),
          );
        }
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when TLSv1.2 clients ask for renegotiation', () => {
      it('B19: should close every such connection and keep serving others', async () => {
        await serve();
        const attempts = Array.from({ length: 10 }, async () => {
          const socket = await rawTls(listener.port, { ...client, maxVersion: 'TLSv1.2' });
          socket.on('error', () => undefined);
          const closed = closedWithin(socket, 5_000);
          socket.renegotiate({ rejectUnauthorized: true }, () => undefined);
          await closed;
        });
        await Promise.all(attempts);
        assert.equal(await rejected(rawTls(listener.port, client)), false);
      });
    });
  });

  describe('.dial', () => {
    async function dialRogue(material: TLSMaterial): Promise<BastionError> {
      await serve(material);
      const dialer = new TLSTransport(await loadTLSMaterial(await pki.tlsFor('orders')), options, silentLogger);
      const error = await dialer.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' }).then(
        () => assert.fail('the dial should have failed'),
        (e: unknown) => e,
      );
      assert.ok(BastionError.is(error));
      return error;
    }

    describe('when a node presents a certificate for the right name from a foreign CA', () => {
      it('B15: should fail the handshake before any request is sent', async () => {
        const foreign = await (await createTestPki()).issue('greeter');
        const error = await dialRogue(rawMaterial(pki.ca.certPem, foreign, TRUST_DOMAIN));
        assert.equal(error.id, 'BST_ERR_CLIENT_CONNECTION');
        assert.match(error.detail, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
        assert.equal(handler.calls.length, 0);
      });
    });

    describe('when a node proves the right name in another trust domain', () => {
      it('B15: should refuse it with SERVER_IDENTITY', async () => {
        const elsewhere = await pki.issue('greeter', { trustDomain: 'evil.test' });
        const error = await dialRogue(rawMaterial(pki.ca.certPem, elsewhere, TRUST_DOMAIN));
        assert.equal(error.id, 'BST_ERR_SECURITY_SERVER_IDENTITY');
      });
    });

    describe('when a node has only a DNS name for the service', () => {
      it('B15: should refuse it with SERVER_IDENTITY', async () => {
        const dnsOnly = await pki.issue('greeter', { omitSpiffeUri: true, dnsNames: ['greeter', '127.0.0.1'] });
        const error = await dialRogue(rawMaterial(pki.ca.certPem, dnsOnly, TRUST_DOMAIN));
        assert.equal(error.id, 'BST_ERR_SECURITY_SERVER_IDENTITY');
      });
    });

    describe('when a node presents a certificate not yet valid', () => {
      it('B15: should fail with CERT_NOT_YET_VALID', async () => {
        const future = await pki.issue('greeter', { notBefore: new Date(Date.now() + DAY_MS), notAfter: new Date(Date.now() + 2 * DAY_MS) });
        const error = await dialRogue(rawMaterial(pki.ca.certPem, future, TRUST_DOMAIN));
        assert.equal(error.id, 'BST_ERR_CLIENT_CONNECTION');
        assert.match(error.detail, /CERT_NOT_YET_VALID/);
      });
    });
  });
});
