// Attack round 7 on a25029c: refusals answered synchronously (a Refused value from the binding,
// a rejection made by a built-in) skip the promise the security-event wrapper and the metrics
// used to watch. Every refusal must still be seen exactly once: a security event per refused
// call (not zero, not two), one metrics count per call with its code, whichever path answered
// it; and a user wrapper must only ever see a thrown typed error, never a Refused or a value.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Handler, MaxInFlight, MemoryRegistry, RateLimit, RequireMutualTLS, Service, UseWrappers, type HandlerWrapper, type WrapperFactory } from '../../src/index.js';
import { Refused } from '../../src/errors/refused.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ask {
  @IsString() name!: string;
}

const gate = { open: (): void => undefined, wait: Promise.resolve() };

/** What user wrappers saw come back from next(), by endpoint. */
const seen: string[] = [];
const describeOutcome = (value: unknown): string => (value instanceof Refused ? 'Refused!' : typeof value === 'object' && value !== null && 'hello' in value ? 'value' : `odd value ${String(value)}`);
const watching: HandlerWrapper = (_ctx, next) => {
  const result: unknown = next();
  if (!(result instanceof Promise)) {
    seen.push(`not a promise: ${describeOutcome(result)}`);
    return Promise.resolve(result);
  }
  return result.then(
    (value) => (seen.push(describeOutcome(value)), value),
    (error: unknown) => {
      seen.push(error instanceof Refused ? 'rejected with a Refused!' : BastionError.is(error) ? error.id : `untyped ${String(error)}`);
      throw error;
    },
  );
};
const watchingApp: WrapperFactory = () => watching;

@Service({ name: 'guarded' })
class Guarded {
  @Handler()
  plain(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @MaxInFlight(1)
  @Handler()
  inFlight(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @MaxInFlight(1)
  @Handler()
  async slow(_ask: Ask): Promise<{ hello: string }> {
    await gate.wait;
    return { hello: 'slow' };
  }

  @RateLimit({ tokensPerInterval: 1, interval: 'hour', key: 'endpoint' })
  @Handler()
  limited(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @RateLimit({ tokensPerInterval: 1, interval: 'hour', key: 'endpoint', mode: 'wait', maxWaitMs: 5 })
  @Handler()
  paced(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @RequireMutualTLS()
  @Handler()
  identified(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @UseWrappers(watching)
  @MaxInFlight(1)
  @RateLimit({ tokensPerInterval: 1000, interval: 'second', key: 'endpoint', mode: 'wait', maxWaitMs: 50 })
  @Handler()
  watched(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @UseWrappers(watching)
  @Handler()
  watchedNoBody(): { hello: string } {
    return { hello: 'none' };
  }
}

const ROUNDS = 3;

/** Each refusal to make, the event it must log and the error it must answer. */
const REFUSALS = [
  { endpoint: 'plain', body: { name: 7 }, event: 'validation_refused', id: 'BST_ERR_VALIDATION_FAILED' },
  { endpoint: 'plain', body: 'not an object', event: 'validation_refused', id: 'BST_ERR_VALIDATION_FAILED' },
  { endpoint: 'inFlight', body: { name: 7 }, event: 'validation_refused', id: 'BST_ERR_VALIDATION_FAILED' },
  { endpoint: 'limited', body: { name: 'x' }, event: 'rate_limited', id: 'BST_ERR_RATELIMIT_EXCEEDED' },
  { endpoint: 'paced', body: { name: 'x' }, event: 'rate_limited', id: 'BST_ERR_RATELIMIT_EXCEEDED' },
  { endpoint: 'identified', body: { name: 'x' }, event: 'call_refused_unauthenticated', id: 'BST_ERR_SECURITY_NO_CLIENT_CERT' },
  { endpoint: 'watched', body: { name: 7 }, event: 'validation_refused', id: 'BST_ERR_VALIDATION_FAILED' },
  { endpoint: 'watchedNoBody', body: { smuggled: 1 }, event: 'validation_refused', id: 'BST_ERR_VALIDATION_FAILED' },
] as const;

for (const setup of ['security events only (values passed)', 'with metrics and an app wrapper (promises)'] as const) {
  describe(`attack7: every refusal seen exactly once, ${setup}`, () => {
    let app: Bastion;
    const logger = new RecordingLogger();
    const observed = setup !== 'security events only (values passed)';
    const call = (endpoint: string, body: unknown) => app.client.call('guarded', `Guarded.${endpoint}`, body);

    before(async () => {
      app = await Bastion.create({
        services: [Guarded],
        insecure: true,
        registry: new MemoryRegistry(),
        logger,
        client: { breaker: { failureThreshold: 1_000_000, coolDownMs: 0 }, retry: { retries: 0 } },
        ...(observed ? { wrappers: [watchingApp], observability: { metrics: true } } : {}),
      });
      await app.start();
      // The first call of each rate-limited endpoint takes its only token.
      assert.deepEqual(await call('limited', { name: 'x' }), { hello: 'x' });
      assert.deepEqual(await call('paced', { name: 'x' }), { hello: 'x' });
    });
    after(() => app.stop());

    /** Refused calls a record stands for, by "event endpoint": itself and the ones suppressed before it. */
    function eventCounts(event?: string): Map<string, number> {
      const counts = new Map<string, number>();
      for (const record of logger.records) {
        if (record.level !== 'warn' || record.fields['endpoint'] === undefined || (event !== undefined && record.event !== event)) continue;
        const key = `${record.event} ${String(record.fields['endpoint'])}`;
        counts.set(key, (counts.get(key) ?? 0) + 1 + Number(record.fields['suppressed'] ?? 0));
      }
      return counts;
    }

    it('A7-R1: should log one security event per refused call, whichever path refused it', async () => {
      // The throttle lets one record per (event, peer, endpoint) per second through; the next one
      // after that carries how many were suppressed. One more round once the window has passed
      // flushes the counts: records plus suppressed must be exactly the refusals made.
      const expected = new Map<string, number>();
      const refuse = async (refusal: (typeof REFUSALS)[number]): Promise<void> => {
        await assert.rejects(call(refusal.endpoint, refusal.body), (error) => BastionError.hasId(error, refusal.id), `${refusal.endpoint}`);
        const key = `${refusal.event} Guarded.${refusal.endpoint}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      };
      for (let round = 0; round < ROUNDS; round++) for (const refusal of REFUSALS) await refuse(refusal);
      await sleep(1_100);
      // One per (event, endpoint) key: a second one in this window would be suppressed and never flushed.
      const flushed = new Set<string>();
      for (const refusal of REFUSALS) if (!flushed.has(refusal.endpoint)) flushed.add(refusal.endpoint), await refuse(refusal);
      assert.deepEqual(Object.fromEntries([...eventCounts()].sort()), Object.fromEntries([...expected].sort()));
    });

    it('A7-R2: should log one shed event per call shed by @MaxInFlight', async () => {
      gate.wait = new Promise<void>((resolve) => (gate.open = resolve));
      const held = call('slow', { name: 'x' });
      await sleep(10);
      for (let i = 0; i < ROUNDS; i++) await assert.rejects(call('slow', { name: 'x' }), (error) => BastionError.hasId(error, 'BST_ERR_SERVER_OVERLOADED'));
      await sleep(1_100);
      await assert.rejects(call('slow', { name: 'x' }), (error) => BastionError.hasId(error, 'BST_ERR_SERVER_OVERLOADED'));
      gate.open();
      await held;
      assert.equal(eventCounts('shed').get('shed Guarded.slow'), ROUNDS + 1);
    });

    it('A7-R3: should hand user wrappers refusals as typed rejections and results as values, never a Refused', async () => {
      seen.length = 0;
      await assert.rejects(call('watched', { name: 7 }), (error) => BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'));
      await assert.rejects(call('watched', [1, 2]), (error) => BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'));
      await assert.rejects(call('watchedNoBody', { smuggled: 1 }), (error) => BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'));
      assert.deepEqual(await call('watched', { name: 'Ada' }), { hello: 'Ada' });
      assert.deepEqual(await call('watchedNoBody', {}), { hello: 'none' });
      const perCall = observed ? 2 : 1; // the app-wide wrapper and the method's
      const expected = ['BST_ERR_VALIDATION_FAILED', 'BST_ERR_VALIDATION_FAILED', 'BST_ERR_VALIDATION_FAILED', 'value', 'value'].flatMap((s) => Array<string>(perCall).fill(s));
      assert.deepEqual(seen, expected);
    });

    if (observed) {
      it('A7-R4: should count every refused call once in the call metrics, with its code', async () => {
        const text = (await app.metrics?.metrics()) ?? '';
        const count = (endpoint: string, code: number): number => {
          const line = text.split('\n').find((l) => l.startsWith('bastion_server_calls_total{') && l.includes(`endpoint="Guarded.${endpoint}"`) && l.includes(`code="${code}"`));
          return line === undefined ? 0 : Number(line.split(' ').pop());
        };
        assert.equal(count('plain', 400), 2 * ROUNDS + 1);
        assert.equal(count('inFlight', 400), ROUNDS + 1);
        assert.equal(count('limited', 429), ROUNDS + 1);
        assert.equal(count('paced', 429), ROUNDS + 1);
        assert.equal(count('identified', 401), ROUNDS + 1);
        assert.equal(count('slow', 503), ROUNDS + 1);
      });
    }
  });
}
