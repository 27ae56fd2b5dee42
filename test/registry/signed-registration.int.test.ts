// End to end: a server booted with a registration key signs its registrations and passes
// its certificate identity; a registry that demands both lets it in, and clients reach it.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bastion, BastionError, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { REGISTRATION_TOKEN_KEY } from '../../src/registry/registry.js';
import { identityBindingCheck, signedRegistrationCheck } from '../../src/registry/validating/checks.js';
import { createRegistrationKeys } from '../../src/registry/validating/registration-token.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

@Service({ name: 'ledger', version: '1.0.0' })
class Ledger {
  @Handler()
  balance(): { cents: number } {
    return { cents: 4200 };
  }
}

@Service({ name: 'billing', version: '1.0.0' })
class Billing {
  @Handler()
  charge(): { ok: boolean } {
    return { ok: true };
  }
}

describe('signed registration through Bastion', () => {
  const keys = createRegistrationKeys('k1');
  const thief = createRegistrationKeys('k1');
  const logger = new RecordingLogger();
  let pki: TestPki;
  let store: MemoryRegistry;
  const apps: Bastion[] = [];
  const checks = () => [signedRegistrationCheck({ keys: { k1: { publicKey: keys.publicKey, services: ['ledger', 'billing'] } } }), identityBindingCheck()];

  before(async () => {
    pki = await createTestPki();
    store = new MemoryRegistry();
  });
  after(async () => {
    for (const app of apps) await app.stop();
  });

  describe('Bastion.start', () => {
    describe('when the server holds the key and its certificate names the service', () => {
      it('should register signed nodes that a checking client can call', async () => {
        const server = await Bastion.create({ services: [Ledger], tls: await pki.tlsFor('ledger'), registry: store, registryPolicy: { checks: checks() }, registrationKey: { kid: keys.kid, privateKey: keys.privateKey }, logger });
        apps.push(server);
        await server.start();
        const [stored] = await store.getService('ledger');
        assert.match(stored?.nodes[0]?.metadata[REGISTRATION_TOKEN_KEY] ?? '', /^v1\.EdDSA\.k1\./);
        const client = await Bastion.create({ tls: await pki.tlsFor('frontend'), registry: store, registryPolicy: { allowServices: ['ledger'], checks: checks() }, logger });
        apps.push(client);
        assert.deepEqual(await client.client.call('ledger', 'Ledger.balance', {}), { cents: 4200 });
      });
    });

    describe('when the server signs with a key outside the key set', () => {
      it('should refuse to start, with the reason', async () => {
        const rogue = await Bastion.create({ services: [Billing], tls: await pki.tlsFor('billing'), registry: store, registryPolicy: { checks: checks() }, registrationKey: { kid: thief.kid, privateKey: thief.privateKey }, logger });
        apps.push(rogue);
        await assert.rejects(rogue.start(), (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED') && /TokenSignature/.test(e.detail));
        assert.deepEqual(await store.getService('billing'), []);
      });
    });

    describe('when the server certificate names another service (B25)', () => {
      it('should refuse it at boot, before any registration', async () => {
        const impostor = Bastion.create({ services: [Billing], tls: await pki.tlsFor('ledger'), registry: store, registryPolicy: { checks: checks() }, registrationKey: { kid: keys.kid, privateKey: keys.privateKey }, logger });
        await assert.rejects(impostor, (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'));
        assert.deepEqual(await store.getService('billing'), []);
      });
    });
  });

  describe('Bastion.create', () => {
    describe('when registrationKey names the services it is bound to and the app serves another', () => {
      it('F1: should refuse to boot, naming registrationKey', async () => {
        const wrong = Bastion.create({ services: [Billing], tls: await pki.tlsFor('billing'), registry: store, registryPolicy: { checks: checks() }, registrationKey: { kid: keys.kid, privateKey: keys.privateKey, services: ['ledger'] }, logger });
        await assert.rejects(wrong, (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG') && /registrationKey: registration key 'k1' is not bound to service 'billing'/.test(e.detail));
      });
    });
  });

  describe('Bastion.stop', () => {
    describe('when a signed server stops cleanly', () => {
      it('should deregister its node at once', async () => {
        const server = await Bastion.create({ services: [Billing], tls: await pki.tlsFor('billing'), registry: store, registryPolicy: { checks: checks() }, registrationKey: { kid: keys.kid, privateKey: keys.privateKey }, logger });
        await server.start();
        assert.equal((await store.getService('billing')).length, 1);
        await server.stop();
        assert.deepEqual(await store.getService('billing'), []);
      });
    });
  });
});
