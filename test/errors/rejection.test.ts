import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRejection, rejection } from '../../src/errors/rejection.js';

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

  describe('isRejection', () => {
    it('should know the rejection just made, once, and nothing else', () => {
      const made = rejection(new Error('a'));
      assert.equal(isRejection(Promise.reject(new Error('other')).catch(() => undefined)), false);
      assert.equal(isRejection(undefined), false);
      assert.equal(isRejection({ then() {} }), false);
      assert.equal(isRejection(made), true);
      assert.equal(isRejection(made), false, 'forgotten once seen, so it keeps no error alive');
      const older = rejection(new Error('b'));
      rejection(new Error('c'));
      assert.equal(isRejection(older), false, 'only the latest one is known');
    });
  });
});
