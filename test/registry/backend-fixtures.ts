// Shared set-up of the backend tests: unique names per run, and a child process that
// registers and is then killed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type { Registry } from '../../src/registry/registry.js';
import { conformanceNode, conformanceRecord, nextEvent } from '../conformance/registry.conformance.js';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A name unique to this test run, so parallel runs never share keys or buckets. */
export function runId(label: string): string {
  return `${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'register-child.js');

/** Starts a child that registers `service` in the registry at `url`, resolved once it has. */
export async function startRegistrant(url: string, service: string, ttlMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, url, service, String(ttlMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`registrant exited with ${code}`)));
    child.stdout?.once('data', () => resolve());
  });
  child.removeAllListeners('exit');
  return child;
}

/** Kills `child` with SIGKILL, as a crash would, and waits for it to be gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

// Long enough that a registrant starved of CPU by a busy suite still heartbeats in time.
const KILL_TTL_MS = 3000;

/**
 * The crash case every backend must pass: a child registers through `url` and is killed
 * with SIGKILL; `create()` reads the same store, and the node must be gone once its ttl ran out.
 */
export function describeKilledRegistrant(url: string, create: () => Registry): void {
  describe('when a registrant process is killed with SIGKILL', () => {
    it('should drop its node within the ttl', async () => {
      const registry = create();
      const child = await startRegistrant(url, 'conf-killed', KILL_TTL_MS);
      try {
        assert.equal((await registry.getService('conf-killed')).length, 1);
        await killHard(child);
        await sleep(KILL_TTL_MS + 300);
        assert.deepEqual(await registry.getService('conf-killed'), []);
      } finally {
        await killHard(child);
        await registry.close?.();
      }
    });
  });
}

/**
 * The store's own notifications (Redis pub/sub, NATS KV watch) must bring a change to a
 * watcher whose polling interval is far too long to have found it. `create` must set
 * that long interval.
 */
export function describePushedWatch(create: () => Registry): void {
  describe('.watch', () => {
    describe('when the store notifies a change', () => {
      it('should emit it without waiting for the next poll', async () => {
        const registry = create();
        const watcher = registry.watch('conf-pushed');
        try {
          await sleep(300);
          await registry.register(conformanceRecord('pushed', [conformanceNode('p1')]), { ttlMs: 30_000 });
          const created = await nextEvent(watcher, 3000);
          assert.deepEqual([created.type, created.record.nodes[0]?.id], ['create', 'p1']);
          await registry.deregister(conformanceRecord('pushed', [conformanceNode('p1')]));
          assert.equal((await nextEvent(watcher, 3000)).type, 'delete');
        } finally {
          watcher.close();
          await registry.close?.();
        }
      });
    });
  });
}

/**
 * One NATS connection for the enclosing `describe`, opened before its tests; afterwards every
 * bucket `nextBucket` handed out (and its nonce bucket) is deleted and the connection drained.
 */
export function useNatsBuckets(label: string): { connection: () => NatsConnection; nextBucket: () => string; track: (...names: string[]) => void } {
  const base = runId(label);
  const buckets: string[] = [];
  let connection: NatsConnection | undefined;
  let count = 0;
  before(async () => {
    connection = await connect({ servers: '127.0.0.1:4222' });
  });
  after(async () => {
    if (connection === undefined) return;
    const jsm = await connection.jetstreamManager();
    for (const name of buckets) await jsm.streams.delete(`KV_${name}`).catch(() => false);
    await connection.drain();
  });
  return {
    connection: () => connection as NatsConnection,
    nextBucket: () => {
      const name = `${base}-${count++}`;
      buckets.push(name, `${name}-nonces`);
      return name;
    },
    track: (...names) => buckets.push(...names),
  };
}
