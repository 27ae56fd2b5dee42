// The NATS transport over a TLS connection to a nats-server started here with test
// certificates (mutual TLS to NATS): calls work with the right CA and client certificate,
// and fail without a client certificate or against an untrusted CA.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IsString, Length } from 'class-validator';
import { Bastion, BastionError, Handler, MemoryRegistry, natsTransportModule, Service } from '../../src/index.js';
import { createTestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { isReachable } from '../fixtures/services.js';

const hasServer = spawnSync('nats-server', ['--version']).status === 0;
const skip = hasServer ? false : 'nats-server is not installed; install it to run the NATS-over-TLS test';

let greeted = 0;

class Hello {
  @IsString()
  @Length(1, 32)
  name!: string;
}

@Service({ name: 'greeter' })
class Greeter {
  @Handler()
  hello(hello: Hello): string {
    greeted++;
    return `Hello ${hello.name}`;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('NatsTransport over TLS', { skip }, () => {
  let directory: string;
  let nats: ChildProcess;
  let port: number;
  const apps: Bastion[] = [];
  const files: Record<string, string> = {};

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'bastion-nats-tls-'));
    const pki = await createTestPki();
    const other = await createTestPki();
    const server = await pki.issue('nats', { dnsNames: ['localhost'] });
    const client = await pki.issue('greeter');
    const pems = { ca: pki.ca.certPem, serverCert: server.certPem, serverKey: server.keyPem, clientCert: client.certPem, clientKey: client.keyPem, otherCa: other.ca.certPem };
    for (const [name, pem] of Object.entries(pems)) {
      files[name] = join(directory, `${name}.pem`);
      await writeFile(files[name] as string, pem, { mode: 0o600 });
    }
    port = await freePort();
    nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '--tls', '--tlscert', files['serverCert'] as string, '--tlskey', files['serverKey'] as string, '--tlscacert', files['ca'] as string, '--tlsverify'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await isReachable('127.0.0.1', port, 100)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  after(async () => {
    for (const app of apps.reverse()) await app.stop();
    nats.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  });

  const app = async (services: (typeof Greeter)[], tls: Record<string, string>) => {
    const created = await Bastion.create({
      services,
      insecure: true,
      registry,
      registryPolicy: { allowServices: ['greeter'] },
      logger: new RecordingLogger(),
      client: { retry: { retries: 0 }, timeoutMs: 3000 },
      modules: [natsTransportModule({ servers: `tls://localhost:${port}`, tls })],
    });
    apps.push(created);
    return created;
  };
  const registry = new MemoryRegistry();

  describe('when both sides have the CA and a client certificate', () => {
    it('should carry calls over TLS to NATS', async () => {
      const tls = { caFile: files['ca'] as string, certFile: files['clientCert'] as string, keyFile: files['clientKey'] as string };
      const server = await app([Greeter], tls);
      await server.start();
      const client = await app([], tls);
      assert.equal(await client.client.call('greeter', 'Greeter.hello', { name: 'Ada' }), 'Hello Ada');
    });
  });

  describe('when a client has no client certificate, or does not trust the server CA', () => {
    it('should fail the call without it ever reaching the service', async () => {
      const variants: Record<string, string>[] = [
        { caFile: files['ca'] as string },
        { caFile: files['otherCa'] as string, certFile: files['clientCert'] as string, keyFile: files['clientKey'] as string },
      ];
      const before = greeted;
      for (const tls of variants) {
        const client = await app([], tls);
        // The NATS client may keep trying the refused handshake until the call's deadline.
        const failures = ['BST_ERR_CLIENT_CONNECTION', 'BST_ERR_TRANSPORT_CLOSED', 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'];
        await assert.rejects(client.client.call('greeter', 'Greeter.hello', { name: 'Eve' }, { timeoutMs: 1500 }), (e: unknown) => BastionError.is(e) && failures.includes(e.id));
      }
      assert.equal(greeted, before);
    });
  });
});
