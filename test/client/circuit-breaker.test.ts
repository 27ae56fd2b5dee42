import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CircuitBreakers } from '../../src/client/circuit-breaker.js';

describe(CircuitBreakers.name, () => {
  let now = 0;
  let breakers: CircuitBreakers;
  beforeEach(() => {
    now = 0;
    breakers = new CircuitBreakers({ failureThreshold: 3, coolDownMs: 1000 }, () => now);
  });

  describe('.failure', () => {
    describe('when a node fails fewer times in a row than the threshold', () => {
      it('should keep letting calls through', () => {
        breakers.failure('a');
        breakers.failure('a');
        assert.equal(breakers.allow('a'), true);
        assert.equal(breakers.state('a'), 'closed');
      });
    });

    describe('when a success comes between failures', () => {
      it('should start counting again', () => {
        breakers.failure('a');
        breakers.failure('a');
        breakers.success('a');
        breakers.failure('a');
        assert.equal(breakers.state('a'), 'closed');
      });
    });

    describe('when a node fails `failureThreshold` times in a row', () => {
      it('should open and skip the node for the cool-down, other nodes unaffected', () => {
        for (let i = 0; i < 3; i++) breakers.failure('a');
        assert.equal(breakers.state('a'), 'open');
        assert.equal(breakers.allow('a'), false);
        assert.equal(breakers.allow('b'), true);
        now = 999;
        assert.equal(breakers.allow('a'), false);
      });
    });
  });

  describe('.allow', () => {
    describe('when the cool-down has passed', () => {
      it('should let exactly one probe through, and close on its success', () => {
        for (let i = 0; i < 3; i++) breakers.failure('a');
        now = 1000;
        assert.equal(breakers.state('a'), 'half-open');
        assert.equal(breakers.allow('a'), true);
        assert.equal(breakers.allow('a'), false);
        breakers.success('a');
        assert.equal(breakers.state('a'), 'closed');
        assert.equal(breakers.allow('a'), true);
      });

      it('should open again for a full cool-down when the probe fails', () => {
        for (let i = 0; i < 3; i++) breakers.failure('a');
        now = 1000;
        assert.equal(breakers.allow('a'), true);
        breakers.failure('a');
        assert.equal(breakers.state('a'), 'open');
        now = 1999;
        assert.equal(breakers.allow('a'), false);
        now = 2000;
        assert.equal(breakers.allow('a'), true);
      });
    });
  });
});
