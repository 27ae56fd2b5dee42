// The insecure escape hatch and the settings boot refuses: plain TCP must authenticate no
// one, warn at every start, and be impossible in production or in strict mode.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Bastion, BastionError, Handler, MemoryRegistry, RequireMutualTLS, Service } from '../../src/index.js';
import { createTestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { Accounts, serveAccounts, type ServedApp } from './mtls-fixtures.js';

@RequireMutualTLS()
@Service({ name: 'vault' })
class Vault {
  @Handler()
  read(): string {
    return 'secret';
  }
}

function refusedWith(pattern: RegExp): (error: unknown) => boolean {
  return (error) => BastionError.hasId(error, 'BST_ERR_BOOT_INVALID_CONFIG') && pattern.test(error.detail);
}

describe('insecure mode and refused TLS settings', () => {
  describe('Bastion.create({ insecure: true })', () => {
    let server: ServedApp;
    let client: Bastion;
    before(async () => {
      server = await serveAccounts({ insecure: true });
      client = await Bastion.create({ insecure: true, registry: server.registry, registryPolicy: { allowServices: ['accounts'] }, logger: new RecordingLogger() });
    });
    after(async () => {
      await client?.stop();
      await server?.app.stop();
    });

    describe('when a client calls over plain TCP', () => {
      it('should treat every caller as unauthenticated: 401 on @RequireMutualTLS, the open endpoint served', async () => {
        await assert.rejects(
          client.client.call('accounts', 'Accounts.open', { name: 'eve' }),
          (error: unknown) => BastionError.hasId(error, 'BST_ERR_SECURITY_NO_CLIENT_CERT') && error.code === 401,
        );
        assert.equal(server.accounts.calls, 0);
        assert.deepEqual(await client.client.call('accounts', 'Accounts.health', undefined), { status: 'ok' });
        assert.equal(client.identity, undefined);
      });

      it('should log a warning at boot and at every start', () => {
        const warnings = server.logger.records.filter((r) => r.level === 'warn' && r.event.startsWith('insecure')).map((r) => r.event);
        assert.deepEqual(warnings, ['insecure_mode', 'insecure_transport']);
      });
    });
  });

  describe('Bastion.create refusals', () => {
    const savedEnv = process.env['NODE_ENV'];
    afterEach(() => {
      if (savedEnv === undefined) delete process.env['NODE_ENV'];
      else process.env['NODE_ENV'] = savedEnv;
    });

    describe('when insecure: true runs with NODE_ENV=production', () => {
      it('should refuse to boot and say why', async () => {
        process.env['NODE_ENV'] = 'production';
        await assert.rejects(Bastion.create({ services: [Accounts], insecure: true }), refusedWith(/insecure: true is refused when NODE_ENV=production/));
      });
    });

    describe('when strict mode meets insecure: true', () => {
      it('should refuse to boot, naming the setting: a client would dial without a certificate', async () => {
        await assert.rejects(Bastion.create({ services: [Vault], insecure: true, strict: true }), refusedWith(/strict mode: a client would dial without a certificate/));
      });
    });

    describe('when insecure: true comes with a TLS set-up', () => {
      it('should refuse to boot rather than guess which one was meant', async () => {
        const tls = await (await createTestPki()).tlsFor('vault');
        await assert.rejects(Bastion.create({ services: [Vault], insecure: true, tls }), refusedWith(/insecure: true and tls are both set/));
      });
    });

    describe("when strict mode meets clientAuth 'request'", () => {
      it('should refuse to boot and name the setting', async () => {
        const tls = { ...(await (await createTestPki()).tlsFor('vault')), clientAuth: 'request' as const };
        await assert.rejects(Bastion.create({ services: [Vault], tls, strict: true }), refusedWith(/tls\.clientAuth 'request' is refused in strict mode/));
      });
    });

    describe("when clientAuth 'request' is set but every endpoint requires mTLS", () => {
      it('should boot and log that the mode serves no anonymous caller', async () => {
        const logger = new RecordingLogger();
        const tls = { ...(await (await createTestPki()).tlsFor('vault')), clientAuth: 'request' as const };
        const app = await Bastion.create({ services: [Vault], tls, logger, registry: new MemoryRegistry() });
        await app.stop();
        assert.ok(logger.records.some((r) => r.level === 'warn' && r.event === 'tls_request_mode_unused'));
      });
    });
  });
});

