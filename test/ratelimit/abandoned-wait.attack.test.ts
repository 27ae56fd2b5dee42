// Attack F3: callers flood a `wait`-mode endpoint over raw TCP frames and disconnect at
// once. Their queued calls must leave the line when the connection closes: the handler
// never runs for them, they keep no @MaxInFlight slot, and a legitimate caller is served.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { IsIn } from 'class-validator';
import { Bastion, Handler, MaxInFlight, RateLimit, Service, TOKENS, type CallContext, type MemoryRateLimitMetrics } from '../../src/index.js';
import { encodeFrame, FRAME_KIND, openTcp, type RawPeer } from '../attack-suite/frames.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Entry {
  @IsIn(['flood', 'legit', 'cancelled'])
  who!: string;
}

const served: { endpoint: string; who: string }[] = [];

@Service({ name: 'ledger' })
class Ledger {
  // The attack report's policy: one token every 500 ms, a line as long as 20 s allows.
  @RateLimit({ tokensPerInterval: 2, interval: 'second', bucketSize: 1, key: 'global', mode: 'wait', maxWaitMs: 20_000 })
  @Handler()
  post(entry: Entry, ctx: CallContext): string {
    served.push({ endpoint: ctx.endpoint.endpoint, who: entry.who });
    return 'posted';
  }
}

@MaxInFlight(3)
@Service({ name: 'vault' })
class Vault {
  @RateLimit({ tokensPerInterval: 2, interval: 'second', bucketSize: 1, key: 'endpoint', mode: 'wait', maxWaitMs: 20_000 })
  @Handler()
  open(entry: Entry, ctx: CallContext): string {
    served.push({ endpoint: ctx.endpoint.endpoint, who: entry.who });
    return 'opened';
  }
}

function request(service: string, endpoint: string, callId: number, who: string): Buffer {
  const header = Buffer.from(JSON.stringify({ service, endpoint, contentType: 'application/json', metadata: {}, timeoutMs: 0 }));
  return encodeFrame(FRAME_KIND.request, callId, header, Buffer.from(JSON.stringify({ who })));
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

/** docs/wire-protocol.md: kind 4, the client gave up on the call; header and body empty. */
const CANCEL_KIND = 4;

const servedFor = (endpoint: string, who: string) => served.filter((s) => s.endpoint === endpoint && s.who === who).length;

describe('@RateLimit in wait mode over raw TCP frames', () => {
  let app: Bastion;
  let port: number;
  let metrics: MemoryRateLimitMetrics;
  let legit: RawPeer | undefined;

  /** Four connections send ten calls each, and are destroyed once the first call was served. */
  async function floodAndVanish(service: string, endpoint: string): Promise<void> {
    const sockets = await Promise.all(Array.from({ length: 4 }, () => dial(port)));
    for (const socket of sockets) {
      socket.on('error', () => undefined);
      socket.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => request(service, endpoint, i + 1, 'flood'))));
    }
    await until(() => servedFor(endpoint, 'flood') >= 1);
    for (const socket of sockets) socket.destroy();
  }

  before(async () => {
    app = await Bastion.create({ services: [Ledger, Vault], insecure: true, logger: new RecordingLogger() });
    ({ port } = await app.start());
    metrics = app.container.get<MemoryRateLimitMetrics>(TOKENS.RateLimitMetrics);
  });

  after(async () => {
    legit?.close();
    await app.stop();
  });

  describe('when 40 queued calls are abandoned by their callers (attack F3)', () => {
    it('should drop them from the line: the handler runs for none of them and a legitimate caller behind them is served', async () => {
      await floodAndVanish('ledger', 'Ledger.post');
      legit = await openTcp(port);
      // Without the fix the caller waits behind 39 dead calls for ~20 s and then gets a 429.
      const reply = await legit.sendAndWait(1, request('ledger', 'Ledger.post', 1, 'legit'));
      assert.deepEqual(reply, { kind: 'response', body: 'posted' });
      assert.equal(servedFor('Ledger.post', 'legit'), 1);
      // One flood call took the one token before its caller left; the next token comes 500 ms later.
      assert.ok(servedFor('Ledger.post', 'flood') <= 2, `the handler ran ${servedFor('Ledger.post', 'flood')} times for callers that were gone`);
      const abandoned = metrics.count({ endpoint: 'Ledger.post', outcome: 'abandoned' });
      assert.ok(abandoned >= 1, 'the abandoned calls are counted as such');
      assert.equal(metrics.count({ endpoint: 'Ledger.post', outcome: 'allowed' }), servedFor('Ledger.post', 'flood') + 1);
    });
  });

  describe('when a queued call is cancelled with a cancel frame (attack F3)', () => {
    it('should take it out of the line without running the handler, while the call ahead is served', async () => {
      const peer = await openTcp(port);
      try {
        const abandonedBefore = metrics.count({ endpoint: 'Ledger.post', outcome: 'abandoned' });
        // Both arrive together: the first call stands ahead of the cancelled one in the line, whatever the bucket holds.
        const first = peer.sendAndWait(1, request('ledger', 'Ledger.post', 1, 'legit'));
        peer.socket.write(Buffer.concat([request('ledger', 'Ledger.post', 2, 'cancelled'), encodeFrame(CANCEL_KIND, 2, Buffer.alloc(0), Buffer.alloc(0))]));
        assert.deepEqual(await first, { kind: 'response', body: 'posted' });
        const abandoned = () => metrics.count({ endpoint: 'Ledger.post', outcome: 'abandoned' }) - abandonedBefore;
        // Without the fix the cancelled call is served once the next token comes, 500 ms later.
        await until(() => abandoned() === 1 || servedFor('Ledger.post', 'cancelled') > 0);
        assert.equal(servedFor('Ledger.post', 'cancelled'), 0);
        assert.equal(abandoned(), 1);
      } finally {
        peer.close();
      }
    });
  });

  describe('when @MaxInFlight(3) slots are held by calls whose callers left (attack F3)', () => {
    it('should give the slots back when the connections close, so a legitimate caller gets no 503', async () => {
      await floodAndVanish('vault', 'Vault.open');
      const admitted = () => metrics.count({ endpoint: 'Vault.open', keyKind: 'in-flight', outcome: 'allowed' });
      const decided = () => metrics.count({ endpoint: 'Vault.open', keyKind: 'endpoint' });
      const abandoned = () => metrics.count({ endpoint: 'Vault.open', outcome: 'abandoned' });
      // Every admitted call was served or abandoned; without the fix a second flood call is served instead.
      await until(() => (abandoned() >= 1 && decided() === admitted()) || servedFor('Vault.open', 'flood') > 1);
      assert.equal(servedFor('Vault.open', 'flood'), 1, 'no call of a caller that left was served');
      legit ??= await openTcp(port);
      const reply = await legit.sendAndWait(2, request('vault', 'Vault.open', 2, 'legit'));
      assert.deepEqual(reply, { kind: 'response', body: 'opened' });
    });
  });
});
