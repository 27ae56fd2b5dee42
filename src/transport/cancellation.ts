/** The part of an `AbortSignal` the framework itself reads; an `AbortSignal` is one. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

type AbortListener = () => void;

/**
 * The cancellation of one call, for the hot path: an `AbortController` costs about 2 µs
 * and a garbage-collected EventTarget per call, this a small object. Listeners behave as an
 * `AbortSignal`'s: each runs once, in the order added, when `abort` is first called; adding
 * one already there does nothing; one removed before its turn (even by another listener
 * during the abort) does not run, and one added during or after the abort never runs. The
 * real `AbortSignal` is built only when someone asks for `signal` (a handler reading
 * `ctx.signal`), and aborts with the same reason.
 */
export class Cancellation implements CancelSignal {
  private isAborted = false;
  private why: unknown = undefined;
  /** The one listener of most calls as itself; an array (in order added) only once a second one comes. */
  private listeners: AbortListener | (AbortListener | undefined)[] | undefined = undefined;
  private controller: AbortController | undefined = undefined;

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.why;
  }

  /** An `AbortSignal` that aborts with this cancellation (already aborted if it is). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.why = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    if (typeof listeners === 'function') {
      this.listeners = undefined;
      run(listeners);
    } else if (listeners !== undefined) {
      // Kept in place while they run: a listener removing a later one blanks its entry.
      for (let i = 0; i < listeners.length; i++) {
        const listener = listeners[i];
        if (listener !== undefined) run(listener);
      }
      this.listeners = undefined;
    }
  }

  addEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.isAborted) return;
    const listeners = this.listeners;
    if (listeners === undefined) this.listeners = listener;
    else if (typeof listeners === 'function') {
      if (listeners !== listener) this.listeners = [listeners, listener];
    } else if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    const listeners = this.listeners;
    if (listeners === listener) {
      this.listeners = undefined;
      return;
    }
    if (listeners === undefined || typeof listeners === 'function') return;
    const index = listeners.indexOf(listener);
    if (index < 0) return;
    if (this.isAborted) listeners[index] = undefined;
    else listeners.splice(index, 1);
  }
}

/** A listener that throws does not stop the others; its error surfaces as an EventTarget listener's would. */
function run(listener: AbortListener): void {
  try {
    listener();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
