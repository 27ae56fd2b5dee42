import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { lazyPackage } from '../../src/lazy/lazy.js';

// The packages `import 'bastion'` must not load before they are used (issue 8, memory).
const DEFERRED = ['ioredis', 'msgpackr', '@peculiar/x509', 'nats', 'protobufjs'];

function packagesLoadedBy(script: string): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

const LIST_CACHE = `
const { createRequire } = await import('node:module');
const names = new Set(Object.keys(createRequire(import.meta.url).cache)
  .map((file) => file.split('/node_modules/').pop().split('/'))
  .map((parts) => (parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0])));
process.stdout.write(JSON.stringify([...names]));`;

describe('lazyPackage', () => {
  describe('when the loader is called', () => {
    it('should load the package once and run setup once', () => {
      let setups = 0;
      const load = lazyPackage<typeof import('limiter')>('limiter', () => setups++);
      assert.equal(setups, 0);
      assert.equal(typeof load().TokenBucket, 'function');
      assert.equal(load(), load());
      assert.equal(setups, 1);
    });
  });

  describe('when the package is missing', () => {
    it('should throw an error naming it, on every call', () => {
      const load = lazyPackage('bastion-test-no-such-package');
      for (let i = 0; i < 2; i++) {
        assert.throws(load, (error: Error) => {
          assert.match(error.message, /'bastion-test-no-such-package'.*not installed/);
          assert.equal((error.cause as { code?: string }).code, 'MODULE_NOT_FOUND');
          return true;
        });
      }
    });
  });

  describe('when setup throws', () => {
    it('should say the package failed to load and load it again on the next call', () => {
      let calls = 0;
      const load = lazyPackage<typeof import('limiter')>('limiter', () => {
        calls += 1;
        if (calls === 1) throw new Error('no provider');
      });
      assert.throws(load, /'limiter'.*failed to load: no provider/);
      assert.equal(typeof load().TokenBucket, 'function');
    });
  });

  describe('when bastion is imported and nothing is used', () => {
    it('should not load Redis, NATS, MessagePack, protobuf or the X.509 tooling', () => {
      const index = new URL('../../src/index.js', import.meta.url).href;
      const loaded = packagesLoadedBy(`await import(${JSON.stringify(index)});${LIST_CACHE}`);
      for (const name of DEFERRED) assert.equal(loaded.includes(name), false, `${name} was loaded at import`);
    });
  });

  describe('when a server with default options boots and serves a call', () => {
    it('should still not load any optional backend', () => {
      const child = fileURLToPath(new URL('../fixtures/loaded-packages-child.js', import.meta.url));
      const loaded = JSON.parse(execFileSync(process.execPath, [child], { encoding: 'utf8' })) as string[];
      assert.ok(loaded.includes('class-validator'), 'the fixture did not validate a call');
      for (const name of DEFERRED) assert.equal(loaded.includes(name), false, `${name} was loaded by a default server`);
    });
  });

  describe('when a deferred backend is used', () => {
    it('should load protobufjs when a ProtobufCodec is built', () => {
      const fixture = new URL('../codec/proto-fixture.js', import.meta.url).href;
      const codec = new URL('../../src/codec/protobuf.codec.js', import.meta.url).href;
      const script = `const { writeProtoFiles } = await import(${JSON.stringify(fixture)});
        const { ProtobufCodec } = await import(${JSON.stringify(codec)});
        const files = writeProtoFiles();
        try { new ProtobufCodec({ files: [files.greeter], endpoints: { 'Greeter.hello': { request: 'greeter.HelloRequest' } } }); } finally { files.cleanup(); }
        ${LIST_CACHE}`;
      assert.ok(packagesLoadedBy(script).includes('protobufjs'));
    });

    it('should load nats when the NATS transport connects', () => {
      const transport = new URL('../../src/transport/nats.transport.js', import.meta.url).href;
      // Nothing listens on port 1: the connection fails, after the client package was loaded.
      const script = `const { NatsTransport } = await import(${JSON.stringify(transport)});
        const nats = new NatsTransport({ servers: 'nats://127.0.0.1:1' }, { maxFrameBytes: 4096 });
        await nats.dial({ host: '127.0.0.1', port: 1 }).catch(() => undefined);
        ${LIST_CACHE}`;
      assert.ok(packagesLoadedBy(script).includes('nats'));
    });

    it('should load msgpackr when the MessagePack codec is used', () => {
      const codec = new URL('../../src/codec/msgpack.codec.js', import.meta.url).href;
      const script = `const { MsgpackCodec } = await import(${JSON.stringify(codec)});
        new MsgpackCodec().serialize({ a: 1 });${LIST_CACHE}`;
      assert.ok(packagesLoadedBy(script).includes('msgpackr'));
    });
  });
});
