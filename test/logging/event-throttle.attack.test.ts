import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventThrottle } from '../../src/logging/event-throttle.js';

describe('EventThrottle (attacks)', () => {
  describe('.admit', () => {
    describe('when a flood of distinct peer names tries to grow the key table', () => {
      it('should keep at most maxKeys keys, and still log a peer whose key was forgotten', () => {
        const throttle = new EventThrottle({ maxKeys: 64, now: () => 0 });
        for (let i = 0; i < 10_000; i += 1) throttle.admit('call_refused_identity', [`forged-${i}`, 'ledger', 'Ledger.open']);
        assert.equal(throttle.size, 64);
        assert.deepEqual(throttle.admit('call_refused_identity', ['forged-0', 'ledger', 'Ledger.open']), { suppressed: 0 });
      });
    });

    describe('when a peer name embeds the key separator to collide with another key', () => {
      it('should not let one (peer, endpoint) silence another', () => {
        const throttle = new EventThrottle({ now: () => 0 });
        assert.ok(throttle.admit('rate_limited', ['a', 'b\u0000c', 'd']) !== undefined);
        assert.ok(throttle.admit('rate_limited', ['a\u0000b', 'c', 'd']) !== undefined);
      });
    });
  });
});
