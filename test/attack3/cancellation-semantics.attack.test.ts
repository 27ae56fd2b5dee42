// Attack round 3: Cancellation (commit 270caff) promises "listeners run once, in the order
// added, like an AbortSignal's". Each case below runs the same script on a real AbortController
// and on a Cancellation and expects the same listeners in the same order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cancellation, type CancelSignal } from '../../src/transport/cancellation.js';

type Script = (signal: CancelSignal, seen: string[]) => void;

function onAbortController(script: Script): string[] {
  const controller = new AbortController();
  const seen: string[] = [];
  script(controller.signal, seen);
  controller.abort(new Error('x'));
  return seen;
}

function onCancellation(script: Script): string[] {
  const cancellation = new Cancellation();
  const seen: string[] = [];
  script(cancellation, seen);
  cancellation.abort(new Error('x'));
  return seen;
}

describe('attack3: Cancellation against AbortSignal', () => {
  it('should keep the order added when the first listener was removed and another added', () => {
    const script: Script = (signal, seen) => {
      const a = () => seen.push('a');
      signal.addEventListener('abort', a);
      signal.addEventListener('abort', () => seen.push('b'));
      signal.removeEventListener('abort', a);
      signal.addEventListener('abort', () => seen.push('c'));
    };
    assert.deepEqual(onCancellation(script), onAbortController(script));
  });

  it('should not run a listener another listener removed during the abort', () => {
    const script: Script = (signal, seen) => {
      const b = () => seen.push('b');
      signal.addEventListener('abort', () => {
        seen.push('a');
        signal.removeEventListener('abort', b);
      });
      signal.addEventListener('abort', b);
    };
    assert.deepEqual(onCancellation(script), onAbortController(script));
  });

  it('should run a listener added twice once', () => {
    const script: Script = (signal, seen) => {
      const a = () => seen.push('a');
      signal.addEventListener('abort', a);
      signal.addEventListener('abort', a);
    };
    assert.deepEqual(onCancellation(script), onAbortController(script));
  });
});
