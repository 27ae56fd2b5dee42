// Two replicas of a ValidatingRegistry over one Redis: signed registrations only, nonces
// kept in Redis, and a record forged straight into Redis never selected.
import { ConsoleLogger } from '../../src/logging/logger.js';
import { RedisRegistry } from '../../src/registry/redis.registry.js';
import { identityBindingCheck, signedRegistrationCheck, sourceAddressCheck } from '../../src/registry/validating/checks.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { createRegistrationKeys, RegistrationTokenSigner, trustedKeyEntry } from '../../src/registry/validating/registration-token.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { RoundRobinSelector } from '../../src/selector/round-robin.selector.js';

/** Registers `orders` with a signed token and selects it back through the validating registry. */
export async function runTrustedRegistry(url = 'redis://127.0.0.1:6379'): Promise<string> {
  const keys = createRegistrationKeys('2026-12', ['orders']);
  const store = new RedisRegistry({ url, prefix: `example-${process.pid}` });
  const registry = new ValidatingRegistry(
    store,
    resolveRegistryPolicy({
      allowServices: ['orders'],
      checks: [
        signedRegistrationCheck({ keys: trustedKeyEntry(keys), replayCache: store, clockSkewMs: 5_000 }),
        identityBindingCheck(),
        sourceAddressCheck(['127.0.0.0/8', '::1/128']),
      ],
    }),
    new ConsoleLogger('warn'),
  );
  const signer = new RegistrationTokenSigner({ kid: keys.kid, privateKey: keys.privateKey });
  const record = {
    name: 'orders',
    version: '1.0.0',
    metadata: {},
    endpoints: [{ name: 'Orders.place', request: 'PlaceOrder', codec: 'application/json' }],
    nodes: [{ id: 'orders-1', host: '127.0.0.1', port: 7001, metadata: {} }],
  };
  try {
    await registry.register(signer.sign(record), { ttlMs: 30_000, identity: 'orders', sourceAddress: '127.0.0.1' });
    const selector = new RoundRobinSelector(registry);
    const node = await selector.select('orders');
    selector.close();
    await registry.deregister(signer.sign(record), { identity: 'orders', sourceAddress: '127.0.0.1' });
    return `${node.id} at ${node.host}:${node.port}`;
  } finally {
    await store.close();
  }
}
