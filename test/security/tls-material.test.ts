import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { createCertificateAuthority, createRevocationList, ensureDevPki } from '../../src/security/dev-pki.js';
import { DEFAULT_CIPHERS } from '../../src/security/security.js';
import { loadTLSMaterial } from '../../src/security/tls-material.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';

const DAY = 86_400_000;

function assertConfigError(pattern: RegExp, secret?: string) {
  return (error: unknown) => {
    assert.ok(BastionError.hasId(error, 'BST_ERR_SECURITY_TLS_CONFIG'), String(error));
    assert.match(error.detail, pattern);
    if (secret !== undefined) assert.ok(!error.detail.includes(secret.slice(40, 80)), 'the error leaks key material');
    return true;
  };
}

describe('loadTLSMaterial', () => {
  let pki: TestPki;
  let dir: string;
  before(async () => {
    pki = await createTestPki();
    dir = await mkdtemp(join(tmpdir(), 'bastion-tls-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when the set-up is complete and valid', () => {
    it('should load it with the identity of the certificate', async () => {
      const material = await loadTLSMaterial(await pki.tlsFor('orders'));
      assert.equal(material.identity.name, 'orders');
      assert.equal(material.trustDomain, TRUST_DOMAIN);
    });
  });

  describe('when a file is missing', () => {
    it('should name the file', async () => {
      const tls = { ...(await pki.tlsFor('orders')), key: { path: join(dir, 'nope.key') } };
      await assert.rejects(loadTLSMaterial(tls), assertConfigError(/private key file '.*nope\.key' cannot be read \(ENOENT\)/));
    });
  });

  describe('when several files are missing', () => {
    it('should name every one, in the order CA, certificate, key', async () => {
      const tls = { ...(await pki.tlsFor('orders')), cert: { path: join(dir, 'gone.crt') }, key: { path: join(dir, 'gone.key') } };
      await assert.rejects(loadTLSMaterial(tls), assertConfigError(/certificate file '.*gone\.crt' cannot be read \(ENOENT\); The private key file '.*gone\.key' cannot be read \(ENOENT\)/));
    });
  });

  describe('when a file is not PEM', () => {
    it('should say so', async () => {
      const path = join(dir, 'garbage.crt');
      await writeFile(path, 'not a certificate');
      const tls = { ...(await pki.tlsFor('orders')), cert: { path } };
      await assert.rejects(loadTLSMaterial(tls), assertConfigError(/certificate file '.*garbage\.crt' is not PEM/));
    });
  });

  describe('when the key belongs to another certificate', () => {
    it('should refuse without printing the key', async () => {
      const orders = await pki.tlsFor('orders');
      const other = await pki.issue('billing');
      await assert.rejects(
        loadTLSMaterial({ ...orders, key: { pem: other.keyPem } }),
        assertConfigError(/private key PEM does not match the certificate PEM/, other.keyPem),
      );
    });
  });

  describe('when the certificate expired or is not yet valid', () => {
    it('should refuse to boot', async () => {
      const expired = await pki.tlsFor('orders', { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
      await assert.rejects(loadTLSMaterial(expired), assertConfigError(/expired/));
      const future = await pki.tlsFor('orders', { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) });
      await assert.rejects(loadTLSMaterial(future), assertConfigError(/not valid before/));
    });
  });

  describe('when the certificate proves no identity in the trust domain', () => {
    it('should refuse a certificate without SPIFFE URI and one from another domain', async () => {
      await assert.rejects(loadTLSMaterial(await pki.tlsFor('orders', { omitSpiffeUri: true })), assertConfigError(/has no URI SAN/));
      const foreign = await pki.tlsFor('orders');
      await assert.rejects(loadTLSMaterial({ ...foreign, trustDomain: 'other.test' }), assertConfigError(/has no URI SAN spiffe:\/\/other\.test/));
    });
  });
});

describe('loadTLSMaterial policy settings', () => {
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });

  describe('when nothing is set', () => {
    it('should require client certificates, use the safe cipher list and enable no identity fallback', async () => {
      const material = await loadTLSMaterial(await pki.tlsFor('orders'));
      assert.equal(material.clientAuth, 'require');
      assert.equal(material.ciphers, DEFAULT_CIPHERS);
      assert.deepEqual(material.identityOptions, {});
      assert.deepEqual(material.crl, []);
    });
  });

  describe('when the cipher list names no supported cipher or clientAuth is unknown', () => {
    it('should refuse both', async () => {
      const tls = await pki.tlsFor('orders');
      await assert.rejects(loadTLSMaterial({ ...tls, ciphers: 'NOT-A-CIPHER' }), assertConfigError(/cipher list 'NOT-A-CIPHER'/));
      await assert.rejects(loadTLSMaterial({ ...tls, clientAuth: 'optional' as never }), assertConfigError(/clientAuth must be 'require' or 'request'/));
    });
  });

  describe('when the certificate proves its identity only by a DNS SAN', () => {
    it('should load it only with identity.dnsSan enabled', async () => {
      const tls = await pki.tlsFor('orders', { omitSpiffeUri: true, dnsNames: ['orders.bastion.test'] });
      await assert.rejects(loadTLSMaterial(tls), assertConfigError(/has no URI SAN/));
      assert.equal((await loadTLSMaterial({ ...tls, identity: { dnsSan: true } })).identity.uri, 'dns:orders.bastion.test');
    });
  });

  describe('when a CRL is given', () => {
    it('B20: should load a CRL signed by the CA and refuse one that is not a CRL, signed by another key or expired', async () => {
      const tls = await pki.tlsFor('orders');
      const crl = await createRevocationList(pki.ca);
      assert.deepEqual((await loadTLSMaterial({ ...tls, crl: { pem: crl } })).crl, [crl]);
      await assert.rejects(loadTLSMaterial({ ...tls, crl: { pem: pki.ca.certPem } }), assertConfigError(/CRL PEM is not a valid certificate revocation list/));
      const impostor = await createCertificateAuthority({ trustDomain: TRUST_DOMAIN });
      await assert.rejects(loadTLSMaterial({ ...tls, crl: { pem: await createRevocationList(impostor) } }), assertConfigError(/CRL PEM is not signed by the CA/));
      const stale = await createRevocationList(pki.ca, { thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - DAY) });
      await assert.rejects(loadTLSMaterial({ ...tls, crl: [{ pem: stale }] }), assertConfigError(/CRL PEM expired/));
    });
  });
});

describe('ensureDevPki', () => {
  describe('when run twice on an empty folder', () => {
    it('should create a CA and service certificates once, keys mode 0600, and load as TLS material', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'bastion-pki-'));
      try {
        const first = await ensureDevPki(dir, 'dev.test', ['greeter']);
        const paths = first['greeter'];
        assert.ok(paths);
        const before = (await stat(paths.cert)).mtimeMs;
        await ensureDevPki(dir, 'dev.test', ['greeter']);
        assert.equal((await stat(paths.cert)).mtimeMs, before);
        assert.equal((await stat(paths.key)).mode & 0o777, 0o600);
        assert.equal((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600);
        const material = await loadTLSMaterial({ ca: { path: paths.ca }, cert: { path: paths.cert }, key: { path: paths.key }, trustDomain: 'dev.test' });
        assert.equal(material.identity.uri, 'spiffe://dev.test/service/greeter');
        await assert.rejects(ensureDevPki(dir, 'dev.test', ['../evil']), /not a valid service name/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
