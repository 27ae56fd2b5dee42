import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runResilientClientExample } from '../../examples/resilient-client/run-example.js';

describe('examples/resilient-client', () => {
  describe('runResilientClientExample', () => {
    describe('when one node restarts while 200 calls flow', () => {
      it('should report serving, read the level, and lose no call', async () => {
        assert.deepEqual(await runResilientClientExample(), { health: 'serving', level: 10, calls: 200, failures: 0 });
      });
    });
  });
});
