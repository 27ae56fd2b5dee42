import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { mutualTLSWrapper } from '../../src/security/mutual-tls.wrapper.js';
import type { PeerInfo } from '../../src/security/security.js';
import type { CallContext, EndpointDescriptor } from '../../src/server/server.js';

function endpoint(mutualTLS: EndpointDescriptor['mutualTLS']): EndpointDescriptor {
  return {
    service: 'orders',
    version: '1',
    endpoint: 'Orders.place',
    serviceClass: class {},
    method: 'place',
    request: undefined,
    codec: 'application/json',
    rateLimits: [],
    mutualTLS,
    maxInFlight: { service: undefined, endpoint: undefined },
    wrappers: [],
  };
}

function peer(name: string | undefined, authorized = true): PeerInfo {
  const identity = name === undefined ? undefined : { name, trustDomain: 't', uri: `spiffe://t/service/${name}` };
  return identity === undefined ? { authorized, remoteAddress: '127.0.0.1' } : { authorized, remoteAddress: '127.0.0.1', identity };
}

async function call(policy: EndpointDescriptor['mutualTLS'], caller: PeerInfo): Promise<{ ran: boolean; error?: BastionError }> {
  const wrapper = mutualTLSWrapper()(endpoint(policy));
  assert.ok(wrapper);
  let ran = false;
  const ctx = { endpoint: endpoint(policy), peer: caller, metadata: { 'x-identity': 'admin' }, timeoutMs: 0, signal: new AbortController().signal, remainingMs: () => Infinity } as CallContext;
  try {
    await wrapper(ctx, async () => (ran = true));
    return { ran };
  } catch (error) {
    assert.ok(BastionError.is(error));
    return { ran, error };
  }
}

describe('mutualTLSWrapper', () => {
  describe('when the endpoint has no @RequireMutualTLS', () => {
    it('should not wrap it', () => {
      assert.equal(mutualTLSWrapper()(endpoint(undefined)), undefined);
    });
  });

  describe('when the caller has no verified identity', () => {
    it('B16: should refuse an anonymous, an unauthorized and an identity-less peer with 401', async () => {
      for (const caller of [peer(undefined, false), peer('orders', false), peer(undefined, true)]) {
        const { ran, error } = await call({}, caller);
        assert.equal(ran, false);
        assert.equal(error?.code, 401);
      }
    });
  });

  describe('when an allow list is set', () => {
    it('should let exact names and prefix matches through', async () => {
      assert.equal((await call({ allow: ['billing', 'shop-*'] }, peer('billing'))).ran, true);
      assert.equal((await call({ allow: ['billing', 'shop-*'] }, peer('shop-eu'))).ran, true);
    });

    it('should refuse other identities with 403, whatever the metadata claims', async () => {
      for (const name of ['billing2', 'Billing', 'shop', 'intruder']) {
        const { ran, error } = await call({ allow: ['billing', 'shop-*'] }, peer(name));
        assert.equal(ran, false);
        assert.equal(error?.code, 403, name);
      }
    });
  });
});
