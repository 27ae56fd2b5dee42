// Revocation attacks (shared case B20): two trusted CAs, CRLs given as files and reloaded
// while the server runs. A revoked or expired client must be refused with the right
// reason, valid clients of both CAs served, and a CA without a CRL refused at boot.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Bastion, BastionError, MemoryRegistry, createCertificateAuthority, issueServiceCertificate, type KeyPairPem, type TLSOptions } from '../../src/index.js';
import { createRevocationList } from '../../src/security/dev-pki.js';
import { TRUST_DOMAIN } from '../fixtures/pki.js';
import { rawTls } from '../transport/tls-helpers.js';
import { clientApp, logged, rawAccountsCall, replaceFile, serveAccounts, type RawOutcome, type ServedApp } from './mtls-fixtures.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('certificate revocation under attack', () => {
  let dir: string;
  let ca1: KeyPairPem;
  let ca2: KeyPairPem;
  let bundle: string;
  const pairs: Record<'R' | 'V1' | 'V2' | 'E', KeyPairPem> = {} as never;
  const servers: ServedApp[] = [];
  const apps: Bastion[] = [];

  /** TLS options of the accounts server: both CAs trusted, CRLs from `crls` (file names in `dir`). */
  async function serverTls(crls: readonly string[], clientAuth: 'require' | 'request'): Promise<TLSOptions> {
    const own = await issueServiceCertificate(ca1, { service: 'accounts', trustDomain: TRUST_DOMAIN });
    const name = `accounts-${servers.length}`;
    await writeFile(join(dir, `${name}.crt`), own.certPem);
    await writeFile(join(dir, `${name}.key`), own.keyPem, { mode: 0o600 });
    return {
      ca: { path: join(dir, 'ca.crt') },
      cert: { path: join(dir, `${name}.crt`) },
      key: { path: join(dir, `${name}.key`) },
      trustDomain: TRUST_DOMAIN,
      clientAuth,
      crl: crls.map((file) => ({ path: join(dir, file) })),
    };
  }

  async function outcome(server: ServedApp, pair: KeyPairPem): Promise<RawOutcome | 'refused'> {
    try {
      return await rawAccountsCall(await rawTls(server.port, { ca: bundle, cert: pair.certPem, key: pair.keyPem }), 'Accounts.open');
    } catch {
      return 'refused';
    }
  }

  const refusals = (server: ServedApp): unknown[] =>
    server.logger.records.filter((r) => r.event === 'transport_peer_refused').map((r) => r.fields['reason']);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-crl-'));
    ca1 = await createCertificateAuthority({ trustDomain: TRUST_DOMAIN, commonName: 'Bastion test CA1' });
    ca2 = await createCertificateAuthority({ trustDomain: TRUST_DOMAIN, commonName: 'Bastion test CA2' });
    bundle = `${ca1.certPem}\n${ca2.certPem}`;
    await writeFile(join(dir, 'ca.crt'), bundle);
    const now = Date.now();
    pairs.R = await issueServiceCertificate(ca1, { service: 'frontend', trustDomain: TRUST_DOMAIN });
    pairs.V1 = await issueServiceCertificate(ca1, { service: 'frontend', trustDomain: TRUST_DOMAIN });
    pairs.V2 = await issueServiceCertificate(ca2, { service: 'ops-two', trustDomain: TRUST_DOMAIN });
    pairs.E = await issueServiceCertificate(ca1, {
      service: 'frontend',
      trustDomain: TRUST_DOMAIN,
      notBefore: new Date(now - 10 * DAY_MS),
      notAfter: new Date(now - DAY_MS),
    });
    await writeFile(join(dir, 'crl1.pem'), await createRevocationList(ca1, { revoked: [pairs.R.certPem] }));
    await writeFile(join(dir, 'crl2.pem'), await createRevocationList(ca2));
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await Promise.all(servers.map((s) => s.app.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  describe('Bastion.create', () => {
    describe('when a CRL is configured for CA1 but not for CA2', () => {
      it('B20: should refuse to start, naming CA2, instead of failing its clients at run time', async () => {
        const tls = await serverTls(['crl1.pem'], 'require');
        await assert.rejects(
          Bastion.create({ tls, registry: new MemoryRegistry() }),
          (error: unknown) =>
            BastionError.hasId(error, 'BST_ERR_SECURITY_TLS_CONFIG') && /missing for the CA 'CN=Bastion test CA2'/.test(error.detail),
        );
      });
    });
  });

  describe("Bastion server (clientAuth 'request', so refusals are logged with their reason)", () => {
    let server: ServedApp;
    before(async () => {
      server = await serveAccounts({ tls: await serverTls(['crl1.pem', 'crl2.pem'], 'request') });
      servers.push(server);
    });

    describe('when CRLs cover both CAs', () => {
      it('B20: should refuse R with CERT_REVOKED and E with CERT_HAS_EXPIRED, and serve V1 and V2', async () => {
        for (const name of ['R', 'E'] as const) {
          const result = await outcome(server, pairs[name]);
          assert.ok(result === 'refused' || result.kind === 'closed', `${name} got ${JSON.stringify(result)}`);
        }
        assert.deepEqual(refusals(server), ['CERT_REVOKED', 'CERT_HAS_EXPIRED']);
        assert.deepEqual(await outcome(server, pairs.V1), { kind: 'response', body: { greeting: 'hello mallory', caller: 'frontend' } });
        assert.deepEqual(await outcome(server, pairs.V2), { kind: 'response', body: { greeting: 'hello mallory', caller: 'ops-two' } });
        assert.equal(server.accounts.calls, 2);
      });
    });

    describe('when CRL1 is replaced by one that also revokes V1, without a restart', () => {
      it('B20: should refuse V1 on its next connection with CERT_REVOKED and keep serving V2', async () => {
        const mark = server.logger.records.length;
        await replaceFile(join(dir, 'crl1.pem'), await createRevocationList(ca1, { revoked: [pairs.R.certPem, pairs.V1.certPem] }));
        await logged(server.logger, 'transport_tls_context_updated', mark);
        const calls = server.accounts.calls;
        const result = await outcome(server, pairs.V1);
        assert.ok(result === 'refused' || result.kind === 'closed', `V1 got ${JSON.stringify(result)}`);
        assert.equal(refusals(server).at(-1), 'CERT_REVOKED');
        assert.equal(server.accounts.calls, calls);
        assert.deepEqual(await outcome(server, pairs.V2), { kind: 'response', body: { greeting: 'hello mallory', caller: 'ops-two' } });
        assert.equal(server.accounts.calls, calls + 1);
      });
    });
  });

  describe('Bastion server (clientAuth require, the default)', () => {
    describe('when a client is revoked while the server runs', () => {
      it('B20: should refuse its next connection (503 to the caller) without reaching the handler', async () => {
        await writeFile(join(dir, 'crl1-require.pem'), await createRevocationList(ca1));
        const server = await serveAccounts({ tls: await serverTls(['crl1-require.pem', 'crl2.pem'], 'require') });
        servers.push(server);
        const tls = { ca: { pem: bundle }, cert: { pem: pairs.V1.certPem }, key: { pem: pairs.V1.keyPem }, trustDomain: TRUST_DOMAIN };
        const before = await clientApp(tls, server.registry);
        apps.push(before);
        assert.equal((await before.client.call<{ caller: string }>('accounts', 'Accounts.open', { name: 'ada' })).caller, 'frontend');
        const mark = server.logger.records.length;
        await replaceFile(join(dir, 'crl1-require.pem'), await createRevocationList(ca1, { revoked: [pairs.V1.certPem] }));
        await logged(server.logger, 'transport_tls_context_updated', mark);
        const calls = server.accounts.calls;
        const afterwards = await clientApp(tls, server.registry);
        apps.push(afterwards);
        await assert.rejects(afterwards.client.call('accounts', 'Accounts.open', { name: 'ada' }), (error: unknown) => BastionError.is(error) && error.code === 503);
        assert.equal(server.accounts.calls, calls);
      });
    });
  });
});
