// Fake endpoints and call contexts for the rate-limit wrapper tests.
import type { RateLimitPolicy } from '../../src/metadata/models.js';
import type { PeerInfo } from '../../src/security/security.js';
import type { CallContext, EndpointDescriptor } from '../../src/server/server.js';

class Orders {}

/** An endpoint of `orders` with the given policy. */
export function endpoint(rateLimit: RateLimitPolicy | readonly RateLimitPolicy[] | undefined, name = 'Orders.place'): EndpointDescriptor {
  return {
    service: 'orders',
    version: '1.0.0',
    endpoint: name,
    serviceClass: Orders,
    method: 'place',
    request: undefined,
    codec: 'application/json',
    rateLimits: rateLimit === undefined ? [] : Array.isArray(rateLimit) ? rateLimit : [rateLimit as RateLimitPolicy],
    mutualTLS: undefined,
    maxInFlight: { service: undefined, endpoint: undefined },
    wrappers: [],
  };
}

/** A peer proven by a verified certificate for service `name`. */
export function verifiedPeer(name: string, remoteAddress = '10.0.0.5'): PeerInfo {
  return { identity: { name, trustDomain: 'bastion.test', uri: `spiffe://bastion.test/service/${name}` }, authorized: true, remoteAddress };
}

/** A peer without a verified identity. */
export function anonymousPeer(remoteAddress: string): PeerInfo {
  return { authorized: false, remoteAddress };
}

/** A call to `ep` from `peer` carrying `metadata`. */
export function call(ep: EndpointDescriptor, peer: PeerInfo, metadata: Record<string, string> = {}): CallContext {
  return { endpoint: ep, peer, metadata, timeoutMs: 0, signal: new AbortController().signal, remainingMs: () => Infinity };
}
