import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

describe(ValidatingRegistry.name, () => {
  describe('.getService', () => {
    describe('when the name is outside the application policy', () => {
      it('should return nothing and say why once per name, with a bounded memory of names', async () => {
        const logger = new RecordingLogger();
        const inner = new MemoryRegistry();
        await inner.register({ name: 'orders', version: '1', metadata: {}, endpoints: [], nodes: [{ id: 'n1', host: '127.0.0.1', port: 4000, metadata: {} }] }, { ttlMs: 60_000 });
        const registry = new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['billing'] }), logger);
        assert.deepEqual(await registry.getService('orders'), []);
        assert.deepEqual(await registry.getService('orders'), []);
        const notes = logger.records.filter((r) => r.event === 'registry_service_not_allowed');
        assert.equal(notes.length, 1);
        assert.equal(notes[0]?.fields['service'], 'orders');
        for (let i = 0; i < 5000; i++) await registry.getService(`svc-${i}`);
        assert.ok(logger.records.filter((r) => r.event === 'registry_service_not_allowed').length <= 1000);
      });
    });
  });
});
