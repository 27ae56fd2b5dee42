import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cancellation } from '../../src/transport/cancellation.js';

describe('Cancellation', () => {
  it('should run every listener once, in the order added, with the reason readable', () => {
    const cancellation = new Cancellation();
    const seen: string[] = [];
    for (const name of ['a', 'b', 'c']) cancellation.addEventListener('abort', () => seen.push(`${name}:${String(cancellation.reason)}`));
    cancellation.abort('late');
    cancellation.abort('again');
    assert.deepEqual(seen, ['a:late', 'b:late', 'c:late']);
    assert.equal(cancellation.aborted, true);
    assert.equal(cancellation.reason, 'late');
  });

  it('should never run a listener added after the abort, as an AbortSignal does', () => {
    const cancellation = new Cancellation();
    cancellation.abort(new Error('gone'));
    let ran = false;
    cancellation.addEventListener('abort', () => (ran = true));
    assert.equal(ran, false);
  });

  it('should not run a removed listener, first or later ones', () => {
    const cancellation = new Cancellation();
    const seen: string[] = [];
    const first = () => seen.push('first');
    const second = () => seen.push('second');
    const third = () => seen.push('third');
    cancellation.addEventListener('abort', first);
    cancellation.addEventListener('abort', second);
    cancellation.addEventListener('abort', third);
    cancellation.removeEventListener('abort', first);
    cancellation.removeEventListener('abort', third);
    cancellation.abort(new Error('x'));
    assert.deepEqual(seen, ['second']);
  });

  it('should run a listener removed and added again once, after those added in between, as an AbortSignal does', () => {
    const cancellation = new Cancellation();
    const seen: string[] = [];
    const a = () => seen.push('a');
    cancellation.addEventListener('abort', a);
    cancellation.addEventListener('abort', () => seen.push('b'));
    cancellation.removeEventListener('abort', a);
    cancellation.addEventListener('abort', a);
    cancellation.addEventListener('abort', a);
    cancellation.abort(new Error('x'));
    assert.deepEqual(seen, ['b', 'a']);
  });

  it('should run every later listener when one removes itself or an earlier one during the abort', () => {
    const cancellation = new Cancellation();
    const seen: string[] = [];
    const a = () => seen.push('a');
    const b = () => {
      seen.push('b');
      cancellation.removeEventListener('abort', a);
      cancellation.removeEventListener('abort', b);
    };
    cancellation.addEventListener('abort', a);
    cancellation.addEventListener('abort', b);
    cancellation.addEventListener('abort', () => seen.push('c'));
    cancellation.abort(new Error('x'));
    assert.deepEqual(seen, ['a', 'b', 'c']);
  });

  it('should build its AbortSignal on demand and abort it with the same reason, before or after', () => {
    const reason = new Error('deadline');
    const before = new Cancellation();
    const signal = before.signal;
    assert.equal(signal.aborted, false);
    before.abort(reason);
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, reason);

    const after = new Cancellation();
    after.abort(reason);
    assert.equal(after.signal.aborted, true);
    assert.equal(after.signal.reason, reason);
    assert.equal(after.signal, after.signal);
  });

  it('should run the other listeners when one throws, and rethrow the error from a microtask as an EventTarget does', () => {
    const cancellation = new Cancellation();
    const failure = new Error('listener failed');
    let later = false;
    cancellation.addEventListener('abort', () => {
      throw failure;
    });
    cancellation.addEventListener('abort', () => (later = true));
    const queued: (() => void)[] = [];
    const original = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (task) => queued.push(task);
    try {
      cancellation.abort(new Error('x'));
    } finally {
      globalThis.queueMicrotask = original;
    }
    assert.equal(later, true);
    assert.equal(queued.length, 1);
    assert.throws(() => queued[0]?.(), (e) => e === failure);
  });
});
