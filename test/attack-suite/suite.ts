// Runs every attack against the naive set-up, then against Bastion while the legitimate
// `frontend` caller keeps calling, and collects one row per attack.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { createTestPki } from '../fixtures/pki.js';
import { ABUSE_ATTACKS } from './abuse.attacks.js';
import type { Attack, Outcome, Threat, World } from './attack.js';
import { BastionSetup } from './bastion.fixture.js';
import { NaiveSetup, openNatsStore, OpenRegistry, openRedisStore } from './naive.fixture.js';
import { NETWORK_ATTACKS } from './network.attacks.js';
import { PAYLOAD_ATTACKS } from './payload.attacks.js';
import { REGISTRY_ATTACKS } from './registry.attacks.js';

/** Every attack of the suite, in report order. */
export const ALL_ATTACKS: readonly Attack[] = [...NETWORK_ATTACKS, ...ABUSE_ATTACKS, ...PAYLOAD_ATTACKS, ...REGISTRY_ATTACKS];

/** Legitimate calls made while an attack ran against Bastion, and one made after it. */
export interface LegitimateTraffic {
  readonly servedDuring: number;
  readonly failedDuring: number;
  readonly servedAfter: boolean;
}

/** One line of the report. */
export interface Row {
  readonly threat: Threat;
  readonly attack: string;
  readonly expected: readonly string[];
  readonly naive: Outcome;
  readonly bastion: Outcome;
  readonly legitimate: LegitimateTraffic;
  readonly naiveMs: number;
  readonly bastionMs: number;
}

/** What is wrong with a row: empty when the attack worked on the naive set-up and failed on Bastion as documented. */
export function problemsOf(row: Row): string[] {
  const problems: string[] = [];
  if (!row.naive.succeeded) problems.push(`the attack did not succeed against the naive set-up (${row.naive.detail})`);
  if (row.bastion.succeeded) problems.push(`the attack succeeded against Bastion (${row.bastion.detail})`);
  else if (row.bastion.refusal === undefined || !row.bastion.refusal.split(', ').every((r) => row.expected.includes(r)))
    problems.push(`Bastion refused with ${row.bastion.refusal ?? 'nothing'}, not ${row.expected.join(' or ')}`);
  if (row.legitimate.failedDuring > 0 || row.legitimate.servedDuring === 0) problems.push(`frontend served ${row.legitimate.servedDuring}, failed ${row.legitimate.failedDuring} during the attack`);
  if (!row.legitimate.servedAfter) problems.push('frontend was not served after the attack');
  return problems;
}

async function attempt(run: () => Promise<Outcome>): Promise<[Outcome, number]> {
  const started = performance.now();
  const outcome = await run().catch((error: unknown) => ({ succeeded: false, detail: `attack crashed: ${(error as Error).message}` }));
  return [outcome, Math.round(performance.now() - started)];
}

// Paced so that the legitimate caller stays far below its own rate limit.
function keepCalling(bastion: BastionSetup): () => Promise<{ served: number; failed: number }> {
  const counts = { served: 0, failed: 0 };
  let running = true;
  const loop = (async () => {
    do {
      if (await bastion.legitimateCall()) counts.served++;
      else counts.failed++;
      await sleep(20);
    } while (running);
  })();
  return async () => {
    running = false;
    await loop;
    return counts;
  };
}

/**
 * Builds both set-ups (Redis at 127.0.0.1:6379 and NATS with JetStream at 127.0.0.1:4222
 * required), runs every attack, and tears everything down.
 */
export async function runAttackSuite(attacks: readonly Attack[] = ALL_ATTACKS): Promise<Row[]> {
  const prefix = `bastion-attack-${process.pid}-${Date.now().toString(36)}`;
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const connection = await connect({ servers: '127.0.0.1:4222' });
  const buckets = [`${prefix}-open`, `${prefix}-bastion`, `${prefix}-bastion-nonces`];
  const [pki, roguePki] = await Promise.all([createTestPki(), createTestPki()]);
  const naive = new NaiveSetup();
  const openRegistry = new OpenRegistry(openRedisStore(redis, `${prefix}-open`));
  const bastion = new BastionSetup({ pki, roguePki }, redis, `${prefix}-bastion`);
  try {
    await naive.start(await pki.issue('accounts'));
    await bastion.start();
    const nats = { connection, openRegistry: new OpenRegistry(await openNatsStore(connection, `${prefix}-open`)), bucket: `${prefix}-bastion`, store: await bastion.startOnNats(connection, `${prefix}-bastion`) };
    const world: World = { naive, openRegistry, bastion, redis, nats };
    for (const registry of [openRegistry, nats.openRegistry]) await registry.register('accounts', { id: 'accounts-1', host: '127.0.0.1', port: naive.tcpPort });
    const rows: Row[] = [];
    for (const attack of attacks) {
      const [naiveOutcome, naiveMs] = await attempt(() => attack.naive(world));
      const stop = keepCalling(bastion);
      const [bastionOutcome, bastionMs] = await attempt(() => attack.bastion(world));
      const during = await stop();
      const servedAfter = await bastion.legitimateCall();
      rows.push({
        threat: attack.threat,
        attack: attack.name,
        expected: attack.expected,
        naive: naiveOutcome,
        bastion: bastionOutcome,
        legitimate: { servedDuring: during.served, failedDuring: during.failed, servedAfter },
        naiveMs,
        bastionMs,
      });
    }
    return rows;
  } finally {
    await bastion.stop();
    await naive.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    const jsm = await connection.jetstreamManager();
    for (const bucket of buckets) await jsm.streams.delete(`KV_${bucket}`).catch(() => false);
    await connection.drain();
  }
}
