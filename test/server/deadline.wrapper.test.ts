import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { CallSignal } from '../../src/server/call-signal.js';
import { deadlineWrapper } from '../../src/server/deadline.wrapper.js';
import type { CallContext, EndpointDescriptor } from '../../src/server/server.js';

const wrapper = deadlineWrapper()({} as EndpointDescriptor);
/** The context the server builds for a call that arrived with `timeoutMs` left. */
const ctx = (timeoutMs: number) => {
  const clock = new CallSignal(timeoutMs);
  return { timeoutMs, signal: clock.signal, remainingMs: () => clock.remainingMs() } as CallContext;
};
const later = (ms: number, value: unknown) => () => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('deadlineWrapper', () => {
  describe('when the handler finishes within the deadline', () => {
    it('should pass its result through', async () => {
      assert.equal(await wrapper?.(ctx(1000), later(5, 'done')), 'done');
    });
  });

  describe('when the deadline passes first', () => {
    it('should answer 408', async () => {
      await assert.rejects(wrapper!(ctx(5), later(200, 'late')), (e) => BastionError.hasId(e, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'));
    });
  });

  describe('when a peer sends a timeout larger than a timer can hold', () => {
    it('should clamp it instead of timing out at once (attack F6)', async () => {
      assert.equal(await wrapper!(ctx(1e10), later(20, 'done')), 'done');
    });
  });
});
