import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, Handler, Idempotent, MemoryRegistry, Service } from '../../src/index.js';
import { exploreService } from '../../src/metadata/explorer.js';
import { SERVICE } from '../../src/metadata/keys.js';
import { getOwnMetadata } from '../../src/metadata/reflect.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { RecordValidator } from '../../src/registry/validating/record-validator.js';
import { createRegistrationKeys, newNonce, parseRegistrationToken, signRegistrationToken, verifySignature } from '../../src/registry/validating/registration-token.js';
import { createPublicKey } from 'node:crypto';
import type { ServiceRecord } from '../../src/registry/registry.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Query {
  @IsString()
  id!: string;
}

@Service({ name: 'catalog' })
class Catalog {
  @Idempotent()
  @Handler()
  find(_query: Query): string {
    return 'found';
  }

  @Handler()
  buy(_query: Query): string {
    return 'bought';
  }
}

const record = (idempotent: unknown): unknown => ({
  name: 'catalog',
  version: 'latest',
  metadata: {},
  endpoints: [{ name: 'Catalog.find', request: 'Query', codec: 'application/json', idempotent }],
  nodes: [{ id: 'catalog-1', host: '127.0.0.1', port: 4000, metadata: {} }],
});

describe(Idempotent.name, () => {
  describe('when applied to a handler', () => {
    it('should record it on that handler only, and the explorer should carry it', () => {
      const handlers = getOwnMetadata(SERVICE, Catalog)?.handlers;
      assert.deepEqual(handlers?.['find'], { method: 'find', isHandler: true, idempotent: true });
      assert.equal(handlers?.['buy']?.idempotent, undefined);
      const byMethod = Object.fromEntries(exploreService(Catalog, { codec: 'application/json' }).map((e) => [e.method, e.idempotent]));
      assert.deepEqual(byMethod, { find: true, buy: false });
    });
  });

  describe('when the service starts', () => {
    it('should register the flag with the endpoint', async () => {
      const registry = new MemoryRegistry();
      const app = await Bastion.create({ services: [Catalog], insecure: true, registry, logger: new RecordingLogger() });
      await app.start();
      try {
        const endpoints = (await registry.getService('catalog')).flatMap((r) => r.endpoints);
        assert.deepEqual(
          endpoints.map((e) => [e.name, e.idempotent === true]),
          [
            ['Catalog.find', true],
            ['Catalog.buy', false],
          ],
        );
      } finally {
        await app.stop();
      }
    });
  });

  describe('in a registry record', () => {
    it('should be refused by the validating registry unless it is a boolean', () => {
      const validator = new RecordValidator(resolveRegistryPolicy({ allowServices: ['catalog'] }));
      assert.equal(validator.checkRecord(record(true)).value?.endpoints[0]?.idempotent, true);
      assert.equal(validator.checkRecord(record(undefined)).value?.endpoints[0]?.idempotent, undefined);
      for (const bad of ['true', 1, {}, null]) assert.match(String(validator.checkRecord(record(bad)).reason), /idempotent must be a boolean/);
    });

    it('should be covered by the registration signature, so it cannot be switched on afterwards', () => {
      const keys = createRegistrationKeys();
      const plain = record(undefined) as ServiceRecord;
      const node = plain.nodes[0] as ServiceRecord['nodes'][number];
      const claims = { alg: 'EdDSA', kid: keys.kid, iat: 1, exp: 2, nonce: newNonce() };
      const token = parseRegistrationToken(signRegistrationToken(plain, node, keys.privateKey, claims));
      assert.notEqual(typeof token, 'string');
      const key = createPublicKey(keys.publicKey);
      assert.equal(verifySignature(plain, node, key, token as Exclude<typeof token, string>), true);
      assert.equal(verifySignature(record(true) as ServiceRecord, node, key, token as Exclude<typeof token, string>), false);
    });
  });
});
