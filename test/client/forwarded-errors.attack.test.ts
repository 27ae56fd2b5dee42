import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bastion, BastionError, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

let charged = 0;
let downstream: Bastion;

@Service({ name: 'payments' })
class Payments {
  @Handler()
  async charge() {
    charged++;
    // Every node of ledger is dead: the client-side error is rethrown to our caller.
    await downstream.client.call('ledger', 'Ledger.note', {});
    return { ok: true };
  }
}

describe('errors forwarded from a handler', () => {
  let pki: TestPki;
  let registry: MemoryRegistry;
  let server: Bastion;
  let caller: Bastion;
  const logger = new RecordingLogger();

  before(async () => {
    pki = await createTestPki();
    registry = new MemoryRegistry();
    const dead = [9, 11, 13].map((port) => ({ id: `ledger-${port}`, host: '127.0.0.1', port, metadata: {} }));
    await registry.register({ name: 'ledger', version: '1', metadata: {}, endpoints: [{ name: 'Ledger.note', request: '', codec: 'application/json' }], nodes: dead }, { ttlMs: 60_000 });
    server = await Bastion.create({ services: [Payments], tls: await pki.tlsFor('payments'), registry, registryPolicy: { allowServices: ['ledger'] }, logger });
    downstream = server;
    await server.start();
    caller = await Bastion.create({ tls: await pki.tlsFor('shop'), registry, registryPolicy: { allowServices: ['payments'] }, logger });
  });
  after(async () => {
    await caller?.stop();
    await server?.stop();
  });

  describe('when a non-idempotent handler rethrows a downstream connection failure', () => {
    it('should run once and answer 500, not an error that makes the caller retry (attack round 2, F2)', async () => {
      await assert.rejects(caller.client.call('payments', 'Payments.charge', {}), (e) => {
        assert.ok(BastionError.hasId(e, 'BST_ERR_SERVER_INTERNAL'), String(e));
        return true;
      });
      assert.equal(charged, 1);
    });
  });

  describe('BastionError.fromWire', () => {
    describe('when a peer sends an id only a calling side produces', () => {
      it('should read it as an internal error', () => {
        for (const id of ['BST_ERR_CLIENT_CONNECTION', 'BST_ERR_CLIENT_NO_NODES', 'BST_ERR_SECURITY_SERVER_IDENTITY', 'BST_ERR_CLIENT_CIRCUIT_OPEN', 'BST_ERR_TRANSPORT_CLOSED']) {
          assert.equal(BastionError.fromWire({ id, code: 503, status: 'x', detail: 'never ran, retry me' }).id, 'BST_ERR_SERVER_INTERNAL', id);
        }
      });
    });

    describe('when a peer sends a huge field list', () => {
      it('should keep at most 100 fields with bounded texts', () => {
        const fields = Array.from({ length: 10_000 }, (_, i) => ({ path: `p${i}`.repeat(100), constraints: ['c'.repeat(10_000)] }));
        const rebuilt = BastionError.fromWire({ id: 'BST_ERR_VALIDATION_FAILED', code: 400, status: 'x', detail: 'd', fields });
        assert.equal(rebuilt.fields?.length, 100);
        assert.ok(rebuilt.fields!.every((f) => f.path.length <= 512 && f.constraints.every((c) => c.length <= 512)));
      });
    });
  });
});
