import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { deadlineWrapper } from '../../src/server/deadline.wrapper.js';
import type { CallContext, EndpointDescriptor } from '../../src/server/server.js';

const wrapper = deadlineWrapper()({} as EndpointDescriptor);
const later = (ms: number, value: unknown) => () => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('deadlineWrapper', () => {
  describe('when the handler finishes within the deadline', () => {
    it('should pass its result through', async () => {
      assert.equal(await wrapper?.({ timeoutMs: 1000 } as CallContext, later(5, 'done')), 'done');
    });
  });

  describe('when the deadline passes first', () => {
    it('should answer 408', async () => {
      await assert.rejects(wrapper!({ timeoutMs: 5 } as CallContext, later(200, 'late')), (e) => BastionError.hasId(e, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'));
    });
  });

  describe('when a peer sends a timeout larger than a timer can hold', () => {
    it('should clamp it instead of timing out at once (attack F6)', async () => {
      assert.equal(await wrapper!({ timeoutMs: 1e10 } as CallContext, later(20, 'done')), 'done');
    });
  });
});
