import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import { DEFAULT_REGISTRY_POLICY } from '../../src/registry/validating/policy.js';
import { loadRegistryPolicyFile, registryPolicyFromJSON } from '../../src/registry/validating/policy-file.js';
import { createRegistrationKeys, RegistrationTokenSigner } from '../../src/registry/validating/registration-token.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { node, record, RecordingLogger } from './registry-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const keys = createRegistrationKeys('k1');

describe('registryPolicyFromJSON', () => {
  describe('when the file switches every check on', () => {
    it('should build a policy whose registry enforces each of them', async () => {
      const path = join(dir, 'policy.json');
      writeFileSync(path, JSON.stringify({
        allowServices: ['orders'],
        maxTtlMs: 60_000,
        sourceAddresses: ['10.0.0.0/24'],
        identityBinding: true,
        requiredMetadata: { tier: ['gold'] },
        signedRegistration: { keys: { k1: { publicKey: keys.publicKey, services: ['orders'] } }, clockSkewMs: 2000 },
      }));
      const policy = await loadRegistryPolicyFile(path);
      assert.deepEqual(policy.checks.map((c) => c.name), ['signed-registration', 'identity-binding', 'source-address', 'required-metadata']);
      assert.equal(policy.maxTtlMs, 60_000);
      assert.equal(policy.maxMetadataKeys, DEFAULT_REGISTRY_POLICY.maxMetadataKeys);
      const registry = new ValidatingRegistry(new MemoryRegistry(), policy, new RecordingLogger());
      const orders = record('orders', { metadata: { tier: 'gold' }, nodes: [node('o1', { host: '10.0.0.7' })] });
      const signer = new RegistrationTokenSigner({ kid: 'k1', privateKey: keys.privateKey });
      await registry.register(signer.sign(orders), { ttlMs: 30_000, identity: 'orders', sourceAddress: '10.0.0.7' });
      await assert.rejects(registry.register(signer.sign(orders), { ttlMs: 30_000, identity: 'orders', sourceAddress: '10.9.0.7' }), (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED'));
      await assert.rejects(registry.register(orders, { ttlMs: 30_000, identity: 'orders', sourceAddress: '10.0.0.7' }), /TokenMissing/);
    });
  });

  describe('when the file is wrong', () => {
    const cases: [string, unknown, RegExp][] = [
      ['no allowServices', {}, /allowServices: allowServices must be an array/],
      ['an unknown field (a typo must not switch a check off)', { allowServices: [], identityBindng: true }, /property identityBindng should not exist/],
      ['a string where a number goes', { allowServices: [], maxTtlMs: '60000' }, /maxTtlMs: maxTtlMs must be an integer/],
      ['a clock skew over 30 s', { allowServices: [], signedRegistration: { keys: {}, clockSkewMs: 60_000 } }, /signedRegistration.clockSkewMs: clockSkewMs must not be greater than 30000/],
      ['a bad CIDR', { allowServices: [], sourceAddresses: ['10.0.0.0/33'] }, /not a CIDR block/],
      ['required values that are not a list', { allowServices: [], requiredMetadata: { tier: 'gold' } }, /requiredMetadata.tier must be an array/],
      ['a key that is not Ed25519 PEM', { allowServices: [], signedRegistration: { keys: { k1: { publicKey: 'not a key', services: ['orders'] } } } }, /registration key 'k1' is not a PEM public key/],
      ['an RSA key where Ed25519 goes', { allowServices: [], signedRegistration: { keys: { k1: { publicKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), services: ['orders'] } } } }, /must be an Ed25519 public key/],
      ['F1: a bare key, not bound to services (the old shape)', { allowServices: [], signedRegistration: { keys: { k1: keys.publicKey } } }, /signedRegistration.keys.k1 must be \{ publicKey, services/],
      ['F1: a key without services', { allowServices: [], signedRegistration: { keys: { k1: { publicKey: keys.publicKey } } } }, /signedRegistration.keys.k1.services: services must be an array/],
      ['F1: a key with an unknown field', { allowServices: [], signedRegistration: { keys: { k1: { publicKey: keys.publicKey, services: ['orders'], service: 'x' } } } }, /property service should not exist/],
      ['F1: a key bound to a name that can never match', { allowServices: [], signedRegistration: { keys: { k1: { publicKey: keys.publicKey, services: ['Orders'] } } } }, /services entry 'Orders' must be a service name/],
      ['an array instead of an object', [], /must hold a JSON object/],
    ];
    for (const [title, json, message] of cases) {
      it(`should refuse ${title} with a clear error`, () => {
        assert.throws(() => registryPolicyFromJSON(json), message);
      });
    }

    it('should refuse a file that is not JSON, naming the file', async () => {
      const path = join(dir, 'broken.json');
      writeFileSync(path, '{ allowServices: ');
      await assert.rejects(loadRegistryPolicyFile(path), /broken.json cannot be read as JSON/);
    });
  });
});
