import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPubsubExample } from '../../examples/pubsub/run-example.js';

describe('examples/pubsub', () => {
  describe('runPubsubExample', () => {
    describe('when the shop publishes one valid and one invalid order', () => {
      it('should invoice the valid one only, with its trace metadata', async () => {
        assert.deepEqual(await runPubsubExample(), ['o-1 x3 (trace a1b2, delivery 1)']);
      });
    });
  });
});
