import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientCall } from '../../src/client/client.js';
import { rateLimited } from '../../src/errors/factories.js';
import { EventThrottle, throttleKey, ThrottleKeys } from '../../src/logging/event-throttle.js';
import { securityEventsClientWrapper, securityEventsWrapper } from '../../src/logging/security-events.wrapper.js';
import type { CallContext, EndpointDescriptor } from '../../src/server/server.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

/** A clock the test moves by hand, so windows are exact and no test waits. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const endpoint = { service: 'ledger', endpoint: 'Ledger.limited' } as EndpointDescriptor;
const ctxOf = (peer: string) => ({ endpoint, peer: { identity: { name: peer }, authorized: true, remoteAddress: '127.0.0.1' } }) as unknown as CallContext;

async function refuseTimes(times: number, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < times; i += 1) await assert.rejects(run, { id: 'BST_ERR_RATELIMIT_EXCEEDED' });
}

describe(EventThrottle.name, () => {
  describe('.admit', () => {
    describe('when one key repeats within the interval', () => {
      it('should admit the first, count the rest through onSuppressed, and report them on the next window', () => {
        const clock = manualClock();
        const counted: string[] = [];
        const throttle = new EventThrottle({ intervalMs: 1000, now: clock.now, onSuppressed: (e) => counted.push(e) });
        const admitted = Array.from({ length: 30 }, () => throttle.admit('rate_limited', ['shop', 'ledger', 'Ledger.limited']));
        assert.deepEqual(admitted.filter((a) => a !== undefined), [{ suppressed: 0 }]);
        assert.equal(counted.length, 29);
        clock.advance(1000);
        assert.deepEqual(throttle.admit('rate_limited', ['shop', 'ledger', 'Ledger.limited']), { suppressed: 29 });
      });
    });

    describe('when the peer, endpoint or event differs', () => {
      it('should keep a window per (event, peer, endpoint)', () => {
        const throttle = new EventThrottle({ now: manualClock().now });
        const keys: [string, string[]][] = [
          ['rate_limited', ['shop', 'ledger', 'Ledger.limited']],
          ['rate_limited', ['bank', 'ledger', 'Ledger.limited']],
          ['rate_limited', ['shop', 'ledger', 'Ledger.other']],
          ['shed', ['shop', 'ledger', 'Ledger.limited']],
        ];
        assert.deepEqual(keys.map(([e, p]) => throttle.admit(e, p)), keys.map(() => ({ suppressed: 0 })));
      });
    });
  });

  describe('securityEventsWrapper', () => {
    describe('when a peer bursts 30 calls into a rate limit (the newcomer trial)', () => {
      it('should write one warn rate_limited record, then one with suppressed: 29 after the interval', async () => {
        const clock = manualClock();
        const logger = new RecordingLogger();
        const wrap = securityEventsWrapper(logger, new EventThrottle({ now: clock.now }))(endpoint);
        assert.ok(wrap !== undefined);
        const refuse = () => wrap(ctxOf('shop'), () => Promise.reject(rateLimited(100)));
        await refuseTimes(30, refuse);
        assert.equal(logger.records.length, 1);
        clock.advance(1000);
        await refuseTimes(1, refuse);
        assert.deepEqual(logger.records.map((r) => [r.level, r.event, r.fields['peer'], r.fields['suppressed']]), [
          ['warn', 'rate_limited', 'shop', undefined],
          ['warn', 'rate_limited', 'shop', 29],
        ]);
      });
    });
  });

  describe('securityEventsClientWrapper', () => {
    describe('when the client collects a burst of 429s', () => {
      it('should write one debug record, not a warn per refusal', async () => {
        const logger = new RecordingLogger();
        const wrap = securityEventsClientWrapper(logger, new EventThrottle({ now: manualClock().now }));
        const call = { service: 'ledger', endpoint: 'Ledger.limited' } as ClientCall;
        await refuseTimes(30, () => wrap(call, () => Promise.reject(rateLimited(100))));
        assert.deepEqual(logger.records.map((r) => [r.level, r.event, r.fields['side']]), [['debug', 'rate_limited', 'client']]);
      });
    });
  });
});

describe(ThrottleKeys.name, () => {
  it('should hand back the key throttleKey builds, the same string for the same name and event', () => {
    const keys = new ThrottleKeys((peer) => [peer, 'svc', 'Svc.call']);
    const key = keys.key('rate_limited', 'alice');
    assert.equal(key, throttleKey('rate_limited', ['alice', 'svc', 'Svc.call']));
    assert.equal(keys.key('rate_limited', 'alice'), key);
    assert.notEqual(keys.key('validation_refused', 'alice'), key);
    assert.notEqual(keys.key('rate_limited', 'bob'), key);
  });

  it('should start over instead of growing when peers bring endless names', () => {
    const built: string[] = [];
    const keys = new ThrottleKeys((peer) => {
      built.push(peer);
      return [peer];
    });
    for (let i = 0; i < 5000; i++) keys.key('shed', `peer-${i}`);
    assert.equal(keys.key('shed', 'peer-4999'), throttleKey('shed', ['peer-4999']));
    const before = built.length;
    keys.key('shed', 'peer-0');
    assert.equal(built.length, before + 1, 'a name from before the last start-over is built again');
  });
});
