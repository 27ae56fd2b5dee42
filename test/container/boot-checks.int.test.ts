import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { exploreService } from '../../src/metadata/explorer.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Note {
  @IsString()
  text!: string;
}

@Service({ name: 'notes' })
class Notes {
  @Handler({ name: 'notes.add' })
  add(request: Note) {
    return { saved: request.text };
  }

  @Handler()
  health() {
    return { ok: true };
  }
}

describe('boot checks', () => {
  let pki: TestPki;
  const logger = new RecordingLogger();
  before(async () => (pki = await createTestPki()));

  describe('when a handler was compiled without decorator metadata', () => {
    it('should refuse to explore it instead of serving it unvalidated', () => {
      // Decorators applied by hand, as an esbuild-based runner would leave them: no design:paramtypes.
      class Bare {
        take(request: unknown) {
          return request;
        }
      }
      Handler()(Bare.prototype, 'take', Object.getOwnPropertyDescriptor(Bare.prototype, 'take') as PropertyDescriptor);
      Service({ name: 'bare' })(Bare);
      assert.throws(() => exploreService(Bare, { codec: 'application/json' }), /Bare\.take: no decorator metadata was emitted/);
    });
  });

  describe('when @Handler names the endpoint', () => {
    it('should use that name instead of Class.method', () => {
      assert.deepEqual(
        exploreService(Notes, { codec: 'application/json' }).map((e) => e.endpoint),
        ['notes.add', 'Notes.health'],
      );
    });
  });

  describe('when an app serves a service its certificate does not prove', () => {
    it('should refuse to boot naming both identities', async () => {
      await assert.rejects(Bastion.create({ services: [Notes], tls: await pki.tlsFor('notes-client'), logger }), (e) => {
        assert.ok(BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'));
        assert.match(e.detail, /service 'notes' cannot be served with the certificate of 'notes-client'/);
        return true;
      });
    });
  });

  describe('when a server also trusts other services in the registry', () => {
    let registry: MemoryRegistry;
    let server: Bastion;
    let client: Bastion;
    before(async () => {
      registry = new MemoryRegistry();
      server = await Bastion.create({
        services: [Notes],
        tls: await pki.tlsFor('notes'),
        registry,
        registryPolicy: { allowServices: ['billing'] },
        logger,
      });
      await server.start();
      client = await Bastion.create({ tls: await pki.tlsFor('writer'), registry, registryPolicy: { allowServices: ['notes'] }, logger });
    });
    after(async () => {
      await client?.stop();
      await server?.stop();
    });

    it('should still register its own service', async () => {
      assert.equal((await registry.getService('notes'))[0]?.nodes.length, 1);
    });

    describe('and a handler without a request is called', () => {
      it('should accept an empty body or {}', async () => {
        assert.deepEqual(await client.client.call('notes', 'Notes.health', undefined), { ok: true });
        assert.deepEqual(await client.client.call('notes', 'Notes.health', {}), { ok: true });
      });

      it('should answer 400 to any other body', async () => {
        for (const body of [{ admin: true }, 'hi', [1], 0]) {
          await assert.rejects(client.client.call('notes', 'Notes.health', body), (e) => {
            assert.ok(BastionError.hasId(e, 'BST_ERR_VALIDATION_FAILED'), String(e));
            assert.deepEqual(e.fields?.map((f) => f.path), ['(body)']);
            return true;
          });
        }
      });
    });

    describe('and the named endpoint is called', () => {
      it('should answer under its wire name', async () => {
        assert.deepEqual(await client.client.call('notes', 'notes.add', { text: 'hi' }), { saved: 'hi' });
      });
    });
  });
});

describe('client encoding', () => {
  describe('when the request holds a value the codec cannot carry', () => {
    it('should fail on the client with BST_ERR_CLIENT_ENCODE, before sending', async () => {
      const pki = await createTestPki();
      const registry = new MemoryRegistry();
      const logger = new RecordingLogger();
      const server = await Bastion.create({ services: [Notes], tls: await pki.tlsFor('notes'), registry, logger });
      await server.start();
      const client = await Bastion.create({ tls: await pki.tlsFor('writer'), registry, registryPolicy: { allowServices: ['notes'] }, logger });
      try {
        await assert.rejects(client.client.call('notes', 'notes.add', { text: 10n }), (e) => {
          assert.ok(BastionError.hasId(e, 'BST_ERR_CLIENT_ENCODE'), String(e));
          assert.equal(e.code, 400);
          return true;
        });
      } finally {
        await client.stop();
        await server.stop();
      }
    });
  });
});
