// Attack round 4 (4xx errors without a stack, commit 9ea8f68): a 4xx BastionError sets
// Error.stackTraceLimit to undefined around super() and puts it back after. When super()
// throws, nothing puts it back: a JavaScript caller's appError('not-found', detail) with a
// detail that cannot become a string (a Symbol, an object whose toString throws) or an
// ErrorOptions whose `cause` getter throws leaves the limit undefined for the whole process,
// and from then on EVERY error's `stack` is undefined: logs print "undefined" (or nothing)
// for every crash, in a server that keeps running.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { appError } from '../../src/errors/factories.js';

function limitAfter(make: () => unknown): { limit: unknown; stack: unknown } {
  const before = Error.stackTraceLimit;
  try {
    assert.throws(make);
    return { limit: Error.stackTraceLimit, stack: new Error('later, elsewhere').stack };
  } finally {
    Error.stackTraceLimit = before;
  }
}

describe('attack4: Error.stackTraceLimit around a 4xx that fails to build', () => {
  it('A4-3: should put Error.stackTraceLimit back when the detail cannot become a message', () => {
    const before = Error.stackTraceLimit;
    const { limit, stack } = limitAfter(() => appError('not-found', Symbol('order 7') as unknown as string));
    assert.equal(limit, before);
    assert.equal(typeof stack, 'string', 'a later, unrelated error has no stack');
  });

  it('A4-3: should put Error.stackTraceLimit back when reading the cause throws', () => {
    const before = Error.stackTraceLimit;
    const options = {
      get cause(): unknown {
        throw new TypeError('cause getter');
      },
    };
    const { limit, stack } = limitAfter(() => new BastionError('BST_ERR_APP_CONFLICT', 'busy', {}, options));
    assert.equal(limit, before);
    assert.equal(typeof stack, 'string', 'a later, unrelated error has no stack');
  });
});
