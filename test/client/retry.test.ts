import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { DEFAULT_RETRY_OPTIONS, retryDelay } from '../../src/client/retry.js';
import type { ErrorId } from '../../src/errors/catalogue.js';

const error = (id: ErrorId, extras: { retryAfterMs?: number } = {}) => new BastionError(id, undefined, extras);
const options = { ...DEFAULT_RETRY_OPTIONS, retries: 3, baseDelayMs: 100, maxDelayMs: 250 };
const top = () => 0.999;

describe(retryDelay.name, () => {
  describe('when the call never reached a handler', () => {
    it('should retry even an endpoint that is not idempotent', () => {
      for (const id of ['BST_ERR_CLIENT_CONNECTION', 'BST_ERR_SECURITY_SERVER_IDENTITY', 'BST_ERR_CLIENT_CIRCUIT_OPEN', 'BST_ERR_SERVER_SHUTTING_DOWN'] as const) {
        assert.notEqual(retryDelay(error(id), 1, false, options), undefined, id);
      }
    });
  });

  describe('when the handler may have run (503, 408, connection lost mid-call)', () => {
    it('should retry only an idempotent endpoint', () => {
      for (const id of ['BST_ERR_SERVER_OVERLOADED', 'BST_ERR_CLIENT_DEADLINE_EXCEEDED', 'BST_ERR_TRANSPORT_CLOSED'] as const) {
        assert.equal(retryDelay(error(id), 1, false, options), undefined, id);
        assert.notEqual(retryDelay(error(id), 1, true, options), undefined, id);
      }
    });
  });

  describe('when the error is the caller\'s or final', () => {
    it('should never retry 400, 401, 403, 404, 413, 415, 422, 429 or 500, even when idempotent', () => {
      const ids = [
        'BST_ERR_VALIDATION_FAILED',
        'BST_ERR_SECURITY_NO_CLIENT_CERT',
        'BST_ERR_SECURITY_PEER_NOT_ALLOWED',
        'BST_ERR_SERVER_UNKNOWN_ENDPOINT',
        'BST_ERR_TRANSPORT_FRAME_TOO_LARGE',
        'BST_ERR_CODEC_UNSUPPORTED',
        'BST_ERR_APP_UNPROCESSABLE',
        'BST_ERR_RATELIMIT_EXCEEDED',
        'BST_ERR_SERVER_INTERNAL',
      ] as const;
      for (const id of ids) assert.equal(retryDelay(error(id, { retryAfterMs: 10 }), 1, true, options), undefined, id);
    });
  });

  describe('when the caller opted in to waiting out a 429', () => {
    it('should wait exactly retryAfterMs when it is within maxRetryAfterMs, and not otherwise', () => {
      const waiting = { ...options, maxRetryAfterMs: 500 };
      assert.equal(retryDelay(error('BST_ERR_RATELIMIT_EXCEEDED', { retryAfterMs: 120 }), 1, false, waiting), 120);
      assert.equal(retryDelay(error('BST_ERR_RATELIMIT_EXCEEDED', { retryAfterMs: 900 }), 1, false, waiting), undefined);
    });
  });

  describe('when attempts run out', () => {
    it('should stop after `retries` retries', () => {
      assert.notEqual(retryDelay(error('BST_ERR_CLIENT_CONNECTION'), 3, false, options), undefined);
      assert.equal(retryDelay(error('BST_ERR_CLIENT_CONNECTION'), 4, false, options), undefined);
    });
  });

  describe('when backing off', () => {
    it('should grow exponentially with full jitter, capped at maxDelayMs', () => {
      const delays = [1, 2, 3].map((attempt) => retryDelay(error('BST_ERR_CLIENT_CONNECTION'), attempt, false, options, top));
      assert.deepEqual(delays, [99, 199, 249]);
      assert.equal(retryDelay(error('BST_ERR_CLIENT_CONNECTION'), 2, false, options, () => 0), 0);
    });
  });
});
