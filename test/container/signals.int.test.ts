// handleSignals in a real child process: SIGTERM during a call deregisters the node, lets the
// call finish, refuses nothing it had accepted, and exits with code 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { FileRegistry } from '../../src/registry/file.registry.js';
import { resolveTransportOptions } from '../../src/transport/options.js';
import { TCPTransport } from '../../src/transport/tcp.transport.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'signal-child.js');

describe('Bastion handleSignals', () => {
  describe('when the process gets SIGTERM with a call in flight', () => {
    it('should deregister, finish the call, and exit with code 0', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'bastion-signals-'));
      const child = spawn(process.execPath, [CHILD, pathToFileURL(directory).href], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
          child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
        });
        const registry = new FileRegistry({ directory });
        assert.equal((await registry.getService('sleeper')).length, 1);

        const transport = new TCPTransport(resolveTransportOptions(), new RecordingLogger());
        const connection = await transport.dial({ host: '127.0.0.1', port, expectedService: 'sleeper' });
        const header = { service: 'sleeper', endpoint: 'Sleeper.nap', contentType: 'application/json', metadata: {}, timeoutMs: 5000 };
        const call = connection.request(header, new TextEncoder().encode('{"ms":400}'));
        await new Promise((resolve) => setTimeout(resolve, 100));
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');

        const reply = await call;
        assert.equal(reply.kind, 'response');
        assert.equal(new TextDecoder().decode(reply.kind === 'response' ? reply.body : new Uint8Array()), '{"slept":400}');
        assert.equal(await exited, 0);
        assert.deepEqual(await registry.getService('sleeper'), []);
        await connection.close();
      } finally {
        child.kill('SIGKILL');
        await rm(directory, { recursive: true, force: true });
      }
    });
  });
});
