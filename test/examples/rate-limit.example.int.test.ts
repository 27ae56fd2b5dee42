import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runRateLimitExample, type RateLimitOutcome } from '../../examples/rate-limit/run-example.js';

describe(runRateLimitExample.name, () => {
  let dir: string;
  let outcome: RateLimitOutcome;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-rate-limit-'));
    outcome = await runRateLimitExample({ pkiDir: dir });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when run with the in-process limiter', () => {
    // The example runs on the real clock: a token refilled while a slow machine sends the
    // burst may let one more through. test/ratelimit/rate-limit.int.test.ts checks exactly 10.
    it('should let 10 of 50 costly calls through (11 if a token refilled meanwhile) and answer the rest with 429', () => {
      assert.ok(outcome.buildPassed === 10 || outcome.buildPassed === 11, `${outcome.buildPassed} passed`);
      assert.deepEqual(outcome.buildRefused, { 429: 50 - outcome.buildPassed });
    });
    it('should let every waiting call through in wait mode', () => assert.equal(outcome.statusPassed, 8));
    it('should run 2 slow calls and shed 3 with 503', () => assert.deepEqual([outcome.exportPassed, outcome.exportShed], [2, 3]));
    it('should let a paced client through without a single 429', () => assert.equal(outcome.pacedPassed, 8));
  });
});
