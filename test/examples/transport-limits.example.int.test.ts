import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTransportLimitsExample, type TransportLimitsOutcome } from '../../examples/transport-limits/run-example.js';

describe(runTransportLimitsExample.name, () => {
  let dir: string;
  let outcome: TransportLimitsOutcome;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-transport-limits-'));
    outcome = await runTransportLimitsExample(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when callers burst a handler that ignores its deadline past maxInFlight', () => {
    it('should run 4 handlers, answered 408 at their deadline, and shed the other 6 with 503', () => {
      assert.deepEqual(outcome.firstBurst, { BST_ERR_CLIENT_DEADLINE_EXCEEDED: 4, BST_ERR_SERVER_OVERLOADED: 6 });
    });
    it('should shed a second burst while the first handlers still run, although they were answered', () => {
      assert.deepEqual(outcome.secondBurst, { BST_ERR_SERVER_OVERLOADED: 10 });
    });
    it('should never run more than 4 handlers at once', () => assert.equal(outcome.peak, 4));
    it('should serve again once the handlers finished', () => assert.equal(outcome.afterwards, 'ok'));
  });
});
