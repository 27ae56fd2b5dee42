// Attacks on mutual TLS at the application level: a server and clients made with
// Bastion.create, attackers with raw TLS sockets for the certificates Bastion would refuse
// to boot with. Each attack must fail with the right error and never reach a handler.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Bastion, BastionError, MemoryRegistry, TOKENS, type KeyPairPem } from '../../src/index.js';
import type { Transport } from '../../src/transport/transport.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';
import { closedWithin, rawTls, selfSignedServiceCertificate } from '../transport/tls-helpers.js';
import { clientApp, Orders, rawAccountsCall, serveAccounts, type RawOutcome, type ServedApp } from './mtls-fixtures.js';

const DAY_MS = 24 * 60 * 60 * 1000;

async function rejectsWith(call: Promise<unknown>, ids: readonly string[]): Promise<BastionError> {
  try {
    await call;
  } catch (error) {
    assert.ok(BastionError.is(error), `expected a BastionError, got ${String(error)}`);
    assert.ok(ids.includes(error.id), `expected one of ${ids.join(', ')}, got ${error.id}: ${error.detail}`);
    return error;
  }
  assert.fail(`expected a rejection with one of ${ids.join(', ')}`);
}

/** What a raw caller with `pair` gets from `endpoint`; 'refused' when the handshake itself failed. */
async function rawOutcome(port: number, pair: KeyPairPem | undefined, ca: string, endpoint: 'Accounts.open' | 'Accounts.health' = 'Accounts.open'): Promise<RawOutcome | 'refused'> {
  let socket: tls.TLSSocket;
  try {
    socket = await rawTls(port, { ca, ...(pair === undefined ? {} : { cert: pair.certPem, key: pair.keyPem }) });
  } catch {
    return 'refused';
  }
  return rawAccountsCall(socket, endpoint);
}

const CONNECTION_REFUSED = ['BST_ERR_TRANSPORT_CLOSED', 'BST_ERR_CLIENT_CONNECTION'];

describe('mutual TLS under attack', () => {
  let pki: TestPki;
  let foreign: TestPki;
  let server: ServedApp;
  const apps: Bastion[] = [];
  const app = async (made: Promise<Bastion>): Promise<Bastion> => {
    const created = await made;
    apps.push(created);
    return created;
  };

  before(async () => {
    pki = await createTestPki();
    foreign = await createTestPki();
    server = await serveAccounts({ tls: await pki.tlsFor('accounts') });
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await server?.app.stop();
  });

  describe('Bastion server (clientAuth require, the default)', () => {
    describe('when a client presents no certificate', () => {
      it('B16: should refuse the connection before any request reaches a handler, even an open one', async () => {
        const before = server.accounts.calls;
        for (const endpoint of ['Accounts.open', 'Accounts.health'] as const) {
          const outcome = await rawOutcome(server.port, undefined, pki.ca.certPem, endpoint);
          assert.ok(outcome === 'refused' || outcome.kind === 'closed', `got ${JSON.stringify(outcome)}`);
        }
        assert.equal(server.accounts.calls, before);
      });
    });

    describe('when a client certificate comes from a CA the server does not trust', () => {
      it('B16: should refuse the connection; the call fails with 503 and the handler never runs', async () => {
        const tls = await foreign.tlsFor('frontend');
        const both = { ...tls, ca: { pem: `${pki.ca.certPem}\n${foreign.ca.certPem}` } };
        const intruder = await app(clientApp(both, server.registry));
        const before = server.accounts.calls;
        const error = await rejectsWith(intruder.client.call('accounts', 'Accounts.open', { name: 'eve' }), CONNECTION_REFUSED);
        assert.equal(error.code, 503);
        assert.equal(server.accounts.calls, before);
      });
    });

    describe('when a client certificate is self-signed', () => {
      it('should refuse the connection without reaching the handler', async () => {
        const before = server.accounts.calls;
        const outcome = await rawOutcome(server.port, await selfSignedServiceCertificate('frontend', TRUST_DOMAIN), pki.ca.certPem);
        assert.ok(outcome === 'refused' || outcome.kind === 'closed', `got ${JSON.stringify(outcome)}`);
        assert.equal(server.accounts.calls, before);
      });
    });

    describe('when a client certificate from the trusted CA expired or is not yet valid', () => {
      it('B16: should refuse both connections without reaching the handler', async () => {
        const now = Date.now();
        const expired = await pki.issue('frontend', { notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now - DAY_MS) });
        const early = await pki.issue('frontend', { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 10 * DAY_MS) });
        const before = server.accounts.calls;
        for (const pair of [expired, early]) {
          const outcome = await rawOutcome(server.port, pair, pki.ca.certPem);
          assert.ok(outcome === 'refused' || outcome.kind === 'closed', `got ${JSON.stringify(outcome)}`);
        }
        assert.equal(server.accounts.calls, before);
      });
    });

    describe('when a client certificate proves an identity in another trust domain', () => {
      it('should serve no identity: the guarded endpoint answers 401 and its handler never runs', async () => {
        const before = server.accounts.calls;
        const outcome = await rawOutcome(server.port, await pki.issue('frontend', { trustDomain: 'evil.test' }), pki.ca.certPem);
        assert.ok(outcome !== 'refused' && outcome.kind === 'error', `got ${JSON.stringify(outcome)}`);
        assert.equal(outcome.error.id, 'BST_ERR_SECURITY_NO_CLIENT_CERT');
        assert.equal(outcome.error.code, 401);
        assert.equal(server.accounts.calls, before);
      });
    });

    describe('when a verified client has an identity the allow list does not name', () => {
      it('should answer 403, while an exact and a wildcard match get through', async () => {
        const stranger = await app(clientApp(await pki.tlsFor('stranger'), server.registry));
        const before = server.accounts.calls;
        const error = await rejectsWith(stranger.client.call('accounts', 'Accounts.open', { name: 'eve' }), ['BST_ERR_SECURITY_PEER_NOT_ALLOWED']);
        assert.equal(error.code, 403);
        assert.equal(server.accounts.calls, before);
        for (const name of ['frontend', 'ops-billing']) {
          const caller = await app(clientApp(await pki.tlsFor(name), server.registry));
          assert.deepEqual(await caller.client.call('accounts', 'Accounts.open', { name: 'ada' }), { greeting: 'hello ada', caller: name });
        }
      });
    });

    describe('when the process-wide minimum TLS version was lowered to TLSv1', () => {
      const saved = tls.DEFAULT_MIN_VERSION;
      after(() => {
        tls.DEFAULT_MIN_VERSION = saved;
      });

      it('B18: should refuse a TLSv1.1 client with a protocol-version alert and serve a TLSv1.2 one', async () => {
        tls.DEFAULT_MIN_VERSION = 'TLSv1';
        const pair = await pki.issue('frontend');
        const client = { ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem };
        await assert.rejects(
          rawTls(server.port, { ...client, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
          (error: NodeJS.ErrnoException) => /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/.test(error.code ?? ''),
        );
        const modern = await rawTls(server.port, { ...client, maxVersion: 'TLSv1.2' });
        assert.equal(modern.getProtocol(), 'TLSv1.2');
        assert.equal((await rawAccountsCall(modern, 'Accounts.health')).kind, 'response');
      });
    });

    describe('when a TLSv1.2 client asks for renegotiation', () => {
      it('B19: should close that connection and keep serving others', async () => {
        const pair = await pki.issue('frontend');
        const socket = await rawTls(server.port, { ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem, maxVersion: 'TLSv1.2' });
        socket.on('error', () => undefined);
        const closed = closedWithin(socket, 5_000);
        socket.renegotiate({ rejectUnauthorized: true }, () => undefined);
        await closed;
        const next = await rawTls(server.port, { ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem });
        assert.equal((await rawAccountsCall(next, 'Accounts.health')).kind, 'response');
      });
    });
  });

  describe('Bastion client', () => {
    describe('when a poisoned registry entry points the service at a valid node of another service', () => {
      it('B15: should refuse it with SERVER_IDENTITY before sending the request', async () => {
        const rogue = await Bastion.create({ services: [Orders], tls: await pki.tlsFor('orders'), registry: new MemoryRegistry(), logger: new RecordingLogger() });
        apps.push(rogue);
        const { port } = await rogue.start();
        const frontend = await app(clientApp(await pki.tlsFor('frontend'), server.registry));
        // What the client does with the node a poisoned entry names: dial it, expecting 'accounts'.
        const transport = frontend.container.get<Transport>(TOKENS.Transport);
        const error = await rejectsWith(transport.dial({ host: '127.0.0.1', port, expectedService: 'accounts' }), ['BST_ERR_SECURITY_SERVER_IDENTITY']);
        assert.match(error.detail, /proved the identity 'orders', not 'accounts'/);
        assert.equal(rogue.container.get(Orders).calls, 0);
      });
    });

    describe('when the server certificate comes from a CA the client does not trust', () => {
      it('B15: should fail the handshake with CLIENT_CONNECTION naming the TLS error', async () => {
        const rogue = await serveAccounts({ tls: await foreign.tlsFor('accounts') });
        try {
          const frontend = await app(clientApp(await pki.tlsFor('frontend'), rogue.registry));
          // Dialled directly: the registry may already ignore the rogue's record; the handshake must refuse it regardless.
          const transport = frontend.container.get<Transport>(TOKENS.Transport);
          const error = await rejectsWith(transport.dial({ host: '127.0.0.1', port: rogue.port, expectedService: 'accounts' }), ['BST_ERR_CLIENT_CONNECTION']);
          assert.match(error.detail, /CERT|SIGNATURE|ISSUER/);
          assert.equal(rogue.accounts.calls, 0);
        } finally {
          await rogue.app.stop();
        }
      });
    });
  });

  describe('Bastion server (identity: { dnsSan: true })', () => {
    describe('when a verified client proves its name only by a DNS SAN', () => {
      it('should take the DNS SAN as the identity only where enabled, and refuse it (401) elsewhere', async () => {
        const dnsOnly = await pki.issue('ops-dns', { omitSpiffeUri: true, dnsNames: ['ops-dns'] });
        const fallback = await serveAccounts({ tls: { ...(await pki.tlsFor('accounts')), identity: { dnsSan: true } } });
        try {
          assert.deepEqual(await rawOutcome(fallback.port, dnsOnly, pki.ca.certPem), { kind: 'response', body: { greeting: 'hello mallory', caller: 'ops-dns' } });
        } finally {
          await fallback.app.stop();
        }
        const before = server.accounts.calls;
        const strict = await rawOutcome(server.port, dnsOnly, pki.ca.certPem);
        assert.ok(strict !== 'refused' && strict.kind === 'error' && strict.error.code === 401, `got ${JSON.stringify(strict)}`);
        assert.equal(server.accounts.calls, before);
      });
    });
  });

  describe("Bastion server (clientAuth 'request')", () => {
    let open: ServedApp;
    before(async () => {
      open = await serveAccounts({ tls: { ...(await pki.tlsFor('accounts')), clientAuth: 'request' } });
    });
    after(() => open?.app.stop());

    describe('when a client presents no certificate', () => {
      it('B16: should serve the open endpoint and answer 401 on the guarded one without running it', async () => {
        assert.deepEqual(await rawOutcome(open.port, undefined, pki.ca.certPem, 'Accounts.health'), { kind: 'response', body: { status: 'ok' } });
        const guarded = await rawOutcome(open.port, undefined, pki.ca.certPem, 'Accounts.open');
        assert.ok(guarded !== 'refused' && guarded.kind === 'error', `got ${JSON.stringify(guarded)}`);
        assert.equal(guarded.error.code, 401);
        assert.equal(open.accounts.calls, 0);
      });
    });

    describe('when a client presents a certificate that fails verification', () => {
      it('B16: should destroy the connection unserved, even for the open endpoint, and log why', async () => {
        const now = Date.now();
        const expired = await pki.issue('frontend', { notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now - DAY_MS) });
        const untrusted = await foreign.issue('frontend');
        const selfSigned = await selfSignedServiceCertificate('frontend', TRUST_DOMAIN);
        for (const pair of [expired, untrusted, selfSigned]) {
          const outcome = await rawOutcome(open.port, pair, pki.ca.certPem, 'Accounts.health');
          assert.ok(outcome === 'refused' || outcome.kind === 'closed', `got ${JSON.stringify(outcome)}`);
        }
        const reasons = open.logger.records.filter((r) => r.event === 'transport_peer_refused').map((r) => r.fields['reason']);
        assert.ok(reasons.includes('CERT_HAS_EXPIRED'), `reasons: ${reasons.join(', ')}`);
        assert.equal(reasons.length, 3);
      });
    });

    describe('when a verified, allowed client calls', () => {
      it('B16: should run the handler with the identity from the certificate', async () => {
        const frontend = await app(clientApp(await pki.tlsFor('frontend'), open.registry));
        assert.deepEqual(await frontend.client.call('accounts', 'Accounts.open', { name: 'ada' }), { greeting: 'hello ada', caller: 'frontend' });
        assert.deepEqual(await frontend.client.call('accounts', 'Accounts.whoami', { name: 'ada' }), {
          identity: `spiffe://${TRUST_DOMAIN}/service/frontend`,
          subject: 'CN=frontend',
          subjectAltName: `URI:spiffe://${TRUST_DOMAIN}/service/frontend`,
        });
      });
    });
  });
});
