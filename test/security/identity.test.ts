import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityFromCertificate, identityFromSubjectAltName, uriSans } from '../../src/security/identity.js';

describe('identityFromSubjectAltName', () => {
  describe('when the certificate has one SPIFFE URI in the trust domain', () => {
    it('should return the service name', () => {
      assert.deepEqual(identityFromSubjectAltName('URI:spiffe://acme.test/service/orders, DNS:orders.local', 'acme.test'), {
        name: 'orders',
        trustDomain: 'acme.test',
        uri: 'spiffe://acme.test/service/orders',
      });
    });
  });

  describe('when the identity is missing, foreign, ambiguous or malformed', () => {
    it('should prove nothing', () => {
      const cases = [
        undefined,
        '',
        'DNS:orders.local',
        'URI:spiffe://other.test/service/orders',
        'URI:spiffe://acme.test/service/orders, URI:spiffe://acme.test/service/admin',
        'URI:spiffe://acme.test/service/Orders',
        'URI:spiffe://acme.test/service/../admin',
        'URI:spiffe://acme.test/user/orders',
        'URI:https://acme.test/service/orders',
        'URI:"spiffe://acme.test/service/orders, URI:spiffe://acme.test/service/x"',
      ];
      for (const san of cases) assert.equal(identityFromSubjectAltName(san, 'acme.test'), undefined, String(san));
    });
  });
});

describe('uriSans', () => {
  describe('when Node quotes a value holding a comma', () => {
    it('should read it as one JSON string, not two entries', () => {
      assert.deepEqual(uriSans('URI:"spiffe://a/service/x, URI:spiffe://a/service/y", DNS:z'), ['spiffe://a/service/x, URI:spiffe://a/service/y']);
    });
  });
});

describe('identityFromCertificate', () => {
  const both = { dnsSan: true, commonName: true };

  describe('when the certificate has a SPIFFE URI SAN', () => {
    it('should use it before any DNS SAN or common name', () => {
      const cert = { subjectaltname: 'DNS:billing.acme.test, URI:spiffe://acme.test/service/orders', subject: { CN: 'admin' } };
      assert.equal(identityFromCertificate(cert, 'acme.test', both)?.name, 'orders');
    });
  });

  describe('when the SPIFFE URI SAN names another trust domain', () => {
    it('should refuse the certificate without falling back to the DNS SAN or common name', () => {
      const cert = { subjectaltname: 'URI:spiffe://evil.test/service/orders, DNS:orders', subject: { CN: 'orders' } };
      assert.equal(identityFromCertificate(cert, 'acme.test', both), undefined);
    });
  });

  describe('when there is no URI SAN', () => {
    const cert = { subjectaltname: 'DNS:orders.acme.test, DNS:orders', subject: { CN: 'orders-cn' } };

    it('should prove nothing unless a fallback is enabled', () => {
      assert.equal(identityFromCertificate(cert, 'acme.test'), undefined);
    });

    it('should use the first DNS SAN when dnsSan is enabled', () => {
      assert.deepEqual(identityFromCertificate(cert, 'acme.test', { dnsSan: true }), { name: 'orders.acme.test', trustDomain: 'acme.test', uri: 'dns:orders.acme.test' });
    });

    it('should use the common name only when commonName is enabled and no DNS SAN served', () => {
      assert.equal(identityFromCertificate(cert, 'acme.test', { commonName: true })?.uri, 'cn:orders-cn');
      assert.equal(identityFromCertificate({ subject: { CN: 'orders-cn' } }, 'acme.test', both)?.name, 'orders-cn');
    });

    it('should refuse wildcard, upper-case and several common names', () => {
      assert.equal(identityFromCertificate({ subjectaltname: 'DNS:*.acme.test' }, 'acme.test', { dnsSan: true }), undefined);
      assert.equal(identityFromCertificate({ subject: { CN: 'Admin' } }, 'acme.test', { commonName: true }), undefined);
      assert.equal(identityFromCertificate({ subject: { CN: ['a', 'b'] } }, 'acme.test', { commonName: true }), undefined);
    });
  });
});
