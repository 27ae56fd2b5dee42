import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityFromSubjectAltName, uriSans } from '../../src/security/identity.js';

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
