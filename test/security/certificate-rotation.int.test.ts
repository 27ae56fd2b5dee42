// Hot rotation over real TLS: certificate files replaced while calls are in flight. New
// connections must get the new material, open connections and in-flight calls must not
// fail, and a broken file must leave the old material in use.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { MemoryRegistry, TOKENS, type Bastion, type KeyPairPem, type TLSOptions } from '../../src/index.js';
import type { Transport } from '../../src/transport/transport.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';
import type { RecordingLogger } from '../fixtures/quiet-logger.js';
import { rawTls } from '../transport/tls-helpers.js';
import { clientApp, logged, replaceFile, serveAccounts, type ServedApp } from './mtls-fixtures.js';

const serialOf = (pem: string): string => new X509Certificate(pem).serialNumber.toUpperCase();

describe('certificate rotation', () => {
  let pki: TestPki;
  let dir: string;
  let frontendPair: KeyPairPem;
  const apps: Bastion[] = [];

  async function writePair(name: string, pair: KeyPairPem): Promise<void> {
    await replaceFile(join(dir, `${name}.key`), pair.keyPem);
    await replaceFile(join(dir, `${name}.crt`), pair.certPem);
  }

  function filesOf(name: string): TLSOptions {
    return { ca: { path: join(dir, 'ca.crt') }, cert: { path: join(dir, `${name}.crt`) }, key: { path: join(dir, `${name}.key`) }, trustDomain: TRUST_DOMAIN };
  }

  async function serverSerial(server: ServedApp): Promise<string> {
    const socket = await rawTls(server.port, { ca: pki.ca.certPem, cert: frontendPair.certPem, key: frontendPair.keyPem });
    const serial = socket.getPeerCertificate().serialNumber.toUpperCase();
    socket.destroy();
    return serial;
  }

  before(async () => {
    pki = await createTestPki();
    dir = await mkdtemp(join(tmpdir(), 'bastion-rotation-'));
    await writeFile(join(dir, 'ca.crt'), pki.ca.certPem);
    frontendPair = await pki.issue('frontend');
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  describe('Bastion server', () => {
    let server: ServedApp;
    let rotated: KeyPairPem;
    before(async () => {
      await writePair('accounts', await pki.issue('accounts'));
      server = await serveAccounts({ tls: filesOf('accounts') });
      apps.push(server.app);
    });

    describe('when its certificate and key are replaced while 100 calls are in flight', () => {
      it('should finish all 100 calls and present the new certificate to new connections', async () => {
        const frontend = await clientApp(await pki.tlsFor('frontend'), server.registry);
        apps.push(frontend);
        let release!: () => void;
        server.accounts.gate = new Promise<void>((resolve) => (release = resolve));
        const calls = Array.from({ length: 100 }, (_, i) =>
          frontend.client.call<{ greeting: string }>('accounts', 'Accounts.open', { name: `n${i}` }, { timeoutMs: 30_000 }),
        );
        while (server.accounts.calls < 100) await new Promise((resolve) => setTimeout(resolve, 20));

        const mark = server.logger.records.length;
        rotated = await pki.issue('accounts');
        await writePair('accounts', rotated);
        await logged(server.logger, 'transport_tls_context_updated', mark);
        assert.equal(await serverSerial(server), serialOf(rotated.certPem));

        release();
        const results = await Promise.allSettled(calls);
        assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
        assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value.greeting : '')), calls.map((_, i) => `hello n${i}`));
        server.accounts.gate = undefined;
        const fresh = await clientApp(await pki.tlsFor('frontend'), server.registry);
        apps.push(fresh);
        assert.equal((await fresh.client.call<{ caller: string }>('accounts', 'Accounts.open', { name: 'ada' })).caller, 'frontend');
      });
    });

    describe('when the new certificate file is broken', () => {
      it('should keep the old material, log an error naming the file and no key material, and keep serving', async () => {
        const mark = server.logger.records.length;
        await replaceFile(join(dir, 'accounts.crt'), 'not a certificate\n');
        await logged(server.logger, 'tls_reload_failed', mark);
        const failure = server.logger.records.slice(mark).find((r) => r.event === 'tls_reload_failed');
        const reason = String(failure?.fields['reason']);
        assert.match(reason, /accounts\.crt/);
        assert.doesNotMatch(JSON.stringify(failure), /PRIVATE KEY|BEGIN/);
        assert.equal(await serverSerial(server), serialOf(rotated.certPem));
      });
    });
  });

  describe('Bastion client', () => {
    describe('when its certificate is replaced', () => {
      it('should dial new connections with the new certificate', async () => {
        await writePair('frontend', frontendPair);
        const client = await clientApp(filesOf('frontend'), new MemoryRegistry());
        apps.push(client);
        const accounts = await pki.issue('accounts');
        const seen: string[] = [];
        const probe = createServer({ ca: pki.ca.certPem, cert: accounts.certPem, key: accounts.keyPem, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
          seen.push(socket.getPeerCertificate().serialNumber.toUpperCase());
          socket.destroy();
        });
        await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
        try {
          const port = (probe.address() as { port: number }).port;
          const transport = client.container.get<Transport>(TOKENS.Transport);
          const dial = async (): Promise<void> => (await transport.dial({ host: '127.0.0.1', port, expectedService: 'accounts' })).close();
          await dial();
          const logger = client.container.get<RecordingLogger>(TOKENS.Logger);
          const mark = logger.records.length;
          const next = await pki.issue('frontend');
          await writePair('frontend', next);
          await logged(logger, 'tls_reloaded', mark);
          await dial();
          while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
          assert.deepEqual(seen, [serialOf(frontendPair.certPem), serialOf(next.certPem)]);
        } finally {
          await new Promise((resolve) => probe.close(resolve));
        }
      });
    });
  });
});
