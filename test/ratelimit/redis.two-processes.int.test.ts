// Issue 5: two server processes on one Redis with a shared limit of 20 per second; 100
// calls spread over both in one second succeed 20 (±1) times in total. Unlike the test in
// redis.rate-limiter.int.test.ts (two instances in one process), each server here is its
// own OS process (fixtures/redis-limited-server.ts), so nothing but Redis is shared.
// Skips with a message when Redis is not running, fails when REQUIRE_SERVICES=1.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { Bastion, BastionError, FileRegistry } from '../../src/index.js';
import { createTestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { skipUnlessService } from '../fixtures/services.js';
import type { ChildMessage, ParentMessage, ServedBy } from './fixtures/redis-limited-server.js';

const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no');
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `bastion:rl:test:two-processes:${randomUUID()}:`;
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'redis-limited-server.js');
// Booting a child (Node start-up, TLS context, Redis connection) on a loaded 2-core machine.
const BOOT_MS = 10_000;

/** The next message of `type` from `child`, failing when it errors, exits or takes longer than `ms`. */
function nextMessage<T extends ChildMessage['type']>(child: ChildProcess, type: T, ms: number): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`child ${child.pid} sent no '${type}' within ${ms} ms`)), ms);
    const onMessage = (message: ChildMessage) => {
      if (message.type === type) finish(undefined, message as Extract<ChildMessage, { type: T }>);
      else if (message.type === 'error') finish(new Error(`child ${child.pid} failed: ${message.message}`));
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`child ${child.pid} exited (${code ?? signal}) before '${type}'`));
    function finish(error?: Error, message?: Extract<ChildMessage, { type: T }>) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error === undefined) resolve(message!);
      else reject(error);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const send = (child: ChildProcess, message: ParentMessage) => child.send(message);

/** Asks `child` to stop; SIGKILL when it has not exited within `ms`. */
async function stopChild(child: ChildProcess, ms = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.connected) send(child, { type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

describe('RedisRateLimiter shared by two server processes', { skip }, () => {
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  let caller: Bastion | undefined;
  let directory = '';

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'bastion-rl-two-processes-'));
    const registryUrl = pathToFileURL(directory).href;
    const pki = await createTestPki();
    try {
      for (let i = 0; i < 2; i++) children.push(fork(CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
      const ready = await Promise.all(
        children.map(async (child) => {
          const answer = nextMessage(child, 'ready', BOOT_MS);
          send(child, { type: 'start', tls: await pki.tlsFor('orders'), registryUrl, redisUrl: REDIS_URL, keyPrefix: PREFIX });
          return answer;
        }),
      );
      pids.push(...ready.map((r) => r.pid));
      // Both nodes must be in the shared file registry before the caller's selector first reads it.
      const view = new FileRegistry({ directory });
      const deadline = performance.now() + BOOT_MS;
      while ((await view.getService('orders')).flatMap((r) => r.nodes).length < 2) {
        if (performance.now() > deadline) throw new Error('both servers did not appear in the file registry');
        await sleep(50);
      }
      caller = await Bastion.create({ tls: await pki.tlsFor('billing'), registry: registryUrl, registryPolicy: { allowServices: ['orders'] }, logger: new RecordingLogger() });
      // Open a connection to each process with an unlimited endpoint, so TLS handshakes are not part of the burst.
      const reached = new Set<number>();
      for (let i = 0; i < 20 && reached.size < 2; i++) {
        const pings = await Promise.all([0, 1].map(() => caller!.client.call<ServedBy>('orders', 'Orders.ping', {}, { timeoutMs: 5000 })));
        for (const p of pings) reached.add(p.pid);
      }
      assert.deepEqual([...reached].sort(), [...pids].sort(), 'the caller reaches both processes');
    } catch (e) {
      await Promise.all(children.map((c) => stopChild(c, 1000)));
      throw e;
    }
  });

  after(async () => {
    await caller?.stop();
    await Promise.all(children.map((c) => stopChild(c)));
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${PREFIX}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    if (directory !== '') await rm(directory, { recursive: true, force: true });
  });

  describe('when 100 calls are spread over both within one second against a limit of 20 per second', () => {
    it('should let 20 (±1) succeed in total, both processes serving, every refusal a typed 429', async () => {
      const client = caller!.client;
      const started = performance.now();
      // No retries: each call is exactly one attempt on one process.
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => client.call<ServedBy>('orders', 'Orders.place', {}, { timeoutMs: 5000, retry: { retries: 0 } })));
      const elapsedMs = performance.now() - started;
      // As in redis.rate-limiter.int.test.ts: the bucket refills at 20 per second while the
      // burst is in flight, so 20 ± 1 when it takes under 50 ms, plus one token per 50 ms it takes.
      const refilled = Math.floor(elapsedMs / 50);
      const passed = results.filter((r) => r.status === 'fulfilled');
      const stats = await Promise.all(
        children.map((child) => {
          const answer = nextMessage(child, 'stats', 5000);
          send(child, { type: 'stats' });
          return answer;
        }),
      );
      const summary = `${passed.length} of 100 passed in ${elapsedMs.toFixed(0)} ms (${refilled} tokens refilled meanwhile); per process: ${stats.map((s) => `pid ${s.pid} allowed ${s.allowed} rejected ${s.rejected}`).join(', ')}`;
      console.log(`# ${summary}`);

      assert.ok(elapsedMs < 1000, `the burst took ${elapsedMs.toFixed(0)} ms, not within one second`);
      assert.ok(passed.length >= 19 && passed.length <= 21 + refilled, summary);
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        assert.ok(BastionError.hasId(r.reason, 'BST_ERR_RATELIMIT_EXCEEDED'), `refused with ${String(r.reason)}`);
        assert.equal(r.reason.code, 429);
        assert.ok(Number.isInteger(r.reason.retryAfterMs) && r.reason.retryAfterMs! >= 1 && r.reason.retryAfterMs! <= 1000, `retryAfterMs ${r.reason.retryAfterMs}`);
      }
      // Every call reached one of the two processes and was decided there; both served some.
      assert.equal(stats.reduce((n, s) => n + s.allowed + s.rejected, 0), 100, summary);
      assert.ok(stats.every((s) => s.allowed + s.rejected > 0), `both processes served calls: ${summary}`);
      // What each process allowed is what its handler ran and what the caller got back from it.
      for (const s of stats) {
        assert.equal(s.handled, s.allowed, `pid ${s.pid}: the handler ran once per allowed call`);
        assert.equal(passed.filter((r) => (r as PromiseFulfilledResult<ServedBy>).value.pid === s.pid).length, s.allowed);
      }
    });
  });
});
