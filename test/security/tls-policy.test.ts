import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointDescriptor } from '../../src/server/server.js';
import type { TLSOptions } from '../../src/security/security.js';
import { requestModeUnused, transportSecurityProblems } from '../../src/security/tls-policy.js';

const tls: TLSOptions = { ca: { pem: 'ca' }, cert: { pem: 'cert' }, key: { pem: 'key' }, trustDomain: 'acme.test' };
const guarded = { mutualTLS: {} } as EndpointDescriptor;
const open = { mutualTLS: undefined } as EndpointDescriptor;

describe('transportSecurityProblems', () => {
  describe('when TLS is set up without insecure or strict', () => {
    it('should find nothing, whatever the client-auth mode', () => {
      assert.deepEqual(transportSecurityProblems({ tls }), []);
      assert.deepEqual(transportSecurityProblems({ tls: { ...tls, clientAuth: 'request' }, nodeEnv: 'production' }), []);
    });
  });

  describe('when insecure: true meets production, strict mode and a TLS set-up at once', () => {
    it('should name each refused combination and why', () => {
      const problems = transportSecurityProblems({ tls, insecure: true, strict: true, nodeEnv: 'production' });
      assert.equal(problems.length, 3);
      assert.match(problems[0] ?? '', /insecure: true and tls are both set/);
      assert.match(problems[1] ?? '', /NODE_ENV=production/);
      assert.match(problems[2] ?? '', /a client would dial without a certificate/);
    });
  });

  describe("when strict mode meets clientAuth 'request'", () => {
    it('should refuse it and say why', () => {
      assert.match(transportSecurityProblems({ tls: { ...tls, clientAuth: 'request' }, strict: true }).join(), /clientAuth 'request' is refused in strict mode/);
    });
  });
});

describe('requestModeUnused', () => {
  describe("when clientAuth is 'request'", () => {
    it('should be true only when every endpoint requires mTLS', () => {
      const request = { ...tls, clientAuth: 'request' as const };
      assert.equal(requestModeUnused(request, [guarded, guarded]), true);
      assert.equal(requestModeUnused(request, [guarded, open]), false);
      assert.equal(requestModeUnused(request, []), false);
    });
  });

  describe("when clientAuth is 'require' or TLS is absent", () => {
    it('should be false', () => {
      assert.equal(requestModeUnused(tls, [guarded]), false);
      assert.equal(requestModeUnused(undefined, [guarded]), false);
    });
  });
});
