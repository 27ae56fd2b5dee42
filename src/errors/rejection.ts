const ignore = (): void => {};

/**
 * A promise rejected with `error`, its rejection marked handled before it happens, for a
 * caller that attaches its own handler at once. `Promise.reject` would first go through
 * Node's unhandled-rejection bookkeeping and then be taken back out of it: about 0.6 µs of
 * a refused call's CPU, six times this.
 *
 * Refusals on the call path are returned this way rather than thrown: V8 counts a
 * function as hot only when it returns, so code that refuses by throwing, and every
 * frame the exception passes through, stays in the interpreter for as long as refusals
 * are all it sees (a flood of bad requests).
 */
export function rejection(error: unknown): Promise<never> {
  let reject!: (reason: unknown) => void;
  const promise = new Promise<never>((_resolve, rejectWith) => {
    reject = rejectWith;
  });
  promise.then(undefined, ignore);
  reject(error);
  latest = promise;
  latestReason = error;
  return promise;
}

let latest: Promise<never> | undefined;
let latestReason: unknown;

/**
 * True when `value` is the promise the last `rejection` call made: already rejected, so a
 * caller holding it right after the call that may have refused can pass it on as it is,
 * instead of chaining on it as on pending work (three promises for a `400`, each paying
 * the promise hook of call scopes).
 */
export function isRejection(value: unknown): value is Promise<never> {
  return value !== undefined && value === latest;
}

/** What `reasonOf` answers for anything but the last rejection made. */
export const NOT_A_REJECTION: unique symbol = Symbol('not a rejection');

/**
 * The error the last rejection made was rejected with, when `value` is that promise (a
 * refusal can then be answered at once, without a reaction), and `NOT_A_REJECTION`
 * otherwise. Forgets it, so no error is kept alive by this.
 */
export function reasonOf(value: unknown): unknown {
  if (value === undefined || value !== latest) return NOT_A_REJECTION;
  const reason = latestReason;
  latest = undefined;
  latestReason = undefined;
  return reason;
}
