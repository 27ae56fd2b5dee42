import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { CallSignal } from '../../src/server/call-signal.js';
import { deadlineJoined, deadlineWrapper } from '../../src/server/deadline.wrapper.js';
import type { CallContext, EndpointDescriptor } from '../../src/server/server.js';

const wrapper = deadlineWrapper()({} as EndpointDescriptor);
/** The context the server builds for a call that arrived with `timeoutMs` left. */
const ctx = (timeoutMs: number) => {
  const clock = new CallSignal(timeoutMs);
  clock.arm(); // as the server does once a call goes on past its first tick
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

describe('deadlineJoined (the deadline and the server\'s last step as one)', () => {
  /** A served call's context as the joined step reads it: its clock, its cancellation and the work it records. */
  const served = (timeoutMs: number) => {
    const clock = new CallSignal(timeoutMs);
    clock.arm();
    return clock as CallSignal & { timeoutMs: number; pending: Promise<unknown> | undefined };
  };
  const context = (timeoutMs: number) => Object.assign(served(timeoutMs), { timeoutMs, pending: undefined });

  it('should hand back a step that settled synchronously as it is, with nothing to race', async () => {
    const call = context(1000);
    const settled = Promise.resolve('done');
    const joined = deadlineJoined(() => settled);
    const answer = joined(call as never);
    assert.equal(answer, settled);
    assert.equal(await answer, 'done');
    call.dispose();
  });

  it('should answer 408 and hold the work when a step still running passes the deadline', async () => {
    const call = context(5);
    let finish!: (value: unknown) => void;
    const work = new Promise((resolve) => (finish = resolve));
    const joined = deadlineJoined((ctx) => {
      (ctx as unknown as { pending: Promise<unknown> }).pending = work;
      return work;
    });
    await assert.rejects(joined(call as never), (e) => BastionError.hasId(e, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'));
    assert.equal(call.pending, work, 'the transport keeps the call until its work settles');
    finish('late');
  });

  it('should not start the step once the call was cancelled or timed out', async () => {
    const call = context(1000);
    call.cancellation.abort(new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client cancelled the call'));
    let started = false;
    const joined = deadlineJoined(() => {
      started = true;
      return Promise.resolve('ran');
    });
    await assert.rejects(joined(call as never), (e) => BastionError.hasId(e, 'BST_ERR_TRANSPORT_CLOSED'));
    assert.equal(started, false);
    call.dispose();
  });
});

describe('CallSignal', () => {
  it('should watch neither the deadline nor the cancel until armed (a call answered at once needs neither)', async () => {
    const cancelled = new CallSignal(0);
    const clock = new CallSignal(5, cancelled.cancellation);
    cancelled.cancellation.abort(new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client cancelled the call'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(clock.cancellation.aborted, false);
    assert.equal(clock.remainingMs(), 0, 'the clock still runs');
  });

  it('should abort at once when armed after its deadline passed, and at the deadline otherwise', async () => {
    const late = new CallSignal(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    late.arm();
    assert.ok(BastionError.hasId(late.cancellation.reason, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'));
    const onTime = new CallSignal(15);
    onTime.arm();
    onTime.arm(); // idempotent: one timer
    assert.equal(onTime.cancellation.aborted, false);
    const alive = setTimeout(() => undefined, 1000);
    await new Promise<void>((resolve) => onTime.cancellation.addEventListener('abort', () => resolve()));
    clearTimeout(alive);
    assert.ok(BastionError.hasId(onTime.cancellation.reason, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'));
  });

  it('should follow the transport cancel once armed, and take one that came before it', () => {
    const transport = new CallSignal(0);
    const clock = new CallSignal(0, transport.cancellation);
    clock.arm();
    const reason = new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client went away');
    transport.cancellation.abort(reason);
    assert.equal(clock.cancellation.reason, reason);
    const early = new CallSignal(0);
    early.cancellation.abort(reason);
    assert.equal(new CallSignal(0, early.cancellation).cancellation.reason, reason, 'already cancelled when the call arrived');
  });
});
