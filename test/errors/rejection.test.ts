import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRejection, NOT_A_REJECTION, reasonOf, rejection } from '../../src/errors/rejection.js';

describe('rejection', () => {
  it('should reject with the error and raise no unhandled rejection while nobody listens yet', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const error = new Error('refused');
      const refused = rejection(error);
      await new Promise((resolve) => setImmediate(resolve));
      await assert.rejects(refused, (thrown) => thrown === error);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  describe('isRejection and reasonOf', () => {
    it('should know the rejection just made and its reason, and nothing else', () => {
      const error = new Error('a');
      const made = rejection(error);
      assert.equal(isRejection(Promise.reject(new Error('other')).catch(() => undefined)), false);
      assert.equal(isRejection(undefined), false);
      assert.equal(isRejection({ then() {} }), false);
      assert.equal(isRejection(made), true);
      assert.equal(isRejection(made), true, 'asking does not forget it');
      assert.equal(reasonOf({ then() {} }), NOT_A_REJECTION);
      assert.equal(reasonOf(undefined), NOT_A_REJECTION);
      assert.equal(reasonOf(made), error);
      assert.equal(reasonOf(made), NOT_A_REJECTION, 'forgotten once taken, so it keeps no error alive');
      assert.equal(isRejection(made), false);
      const older = rejection(new Error('b'));
      const reason = new Error('c');
      const newest = rejection(reason);
      assert.equal(isRejection(older), false, 'only the latest one is known');
      assert.equal(reasonOf(older), NOT_A_REJECTION);
      assert.equal(reasonOf(newest), reason);
    });
  });
});
