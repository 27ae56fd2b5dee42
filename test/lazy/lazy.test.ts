import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { lazyPackage } from '../../src/lazy/lazy.js';

// The packages `import 'bastion'` must not load before they are used (issue 8, memory).
const DEFERRED = ['ioredis', 'msgpackr', '@peculiar/x509'];

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

  describe('when bastion is imported and nothing is used', () => {
    it('should not load the Redis client, MessagePack or the X.509 tooling', () => {
      const index = new URL('../../src/index.js', import.meta.url).href;
      const loaded = packagesLoadedBy(`await import(${JSON.stringify(index)});${LIST_CACHE}`);
      for (const name of DEFERRED) assert.equal(loaded.includes(name), false, `${name} was loaded at import`);
    });
  });

  describe('when a deferred backend is used', () => {
    it('should load it then', () => {
      const codec = new URL('../../src/codec/msgpack.codec.js', import.meta.url).href;
      const script = `const { MsgpackCodec } = await import(${JSON.stringify(codec)});
        new MsgpackCodec().serialize({ a: 1 });${LIST_CACHE}`;
      assert.ok(packagesLoadedBy(script).includes('msgpackr'));
    });
  });
});
