import type { CancelSignal } from '../transport/cancellation.js';
import { SYSTEM_CLOCK, type Clock } from './clock.js';
import type { BucketClaim, RateLimiter, TakeResult } from './ratelimit.js';

interface Waiter {
  readonly claims: readonly BucketClaim[];
  readonly deadline: number;
  readonly timer: NodeJS.Timeout;
  readonly settle: (result: TakeResult | Error) => void;
  /** Stops listening to the call's signal once the waiter has left the line. */
  readonly detach: () => void;
}

interface Line {
  readonly waiters: Waiter[];
  /** Tokens the waiters ask for, per bucket key, so a hopeless newcomer is refused on arrival. */
  readonly queued: Map<string, number>;
  retry: NodeJS.Timeout | undefined;
  busy: boolean;
  lastRetryAfterMs: number;
}

/**
 * WaitQueue serves `wait`-mode calls in arrival order, one line per bucket set. Only the
 * head of a line takes tokens, so a costly call is never starved by cheap calls behind
 * it (B21). A call that cannot be served within its maximum wait is refused as soon as
 * that is known, a call whose signal aborts (cancelled, disconnected, past its deadline)
 * leaves the line at once without taking tokens (attack F3), and a line with no waiter
 * holds no timer and no map entry.
 */
export class WaitQueue {
  private readonly lines = new Map<string, Line>();

  constructor(
    private readonly limiter: RateLimiter,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  /** Calls waiting now, across every line. */
  get waiting(): number {
    let count = 0;
    for (const line of this.lines.values()) count += line.waiters.length;
    return count;
  }

  /**
   * Takes the claims now (`wait` false), or queues for them in the line of their keys.
   * Rejects with `signal.reason`, taking nothing, if `signal` is or becomes aborted first.
   */
  take(claims: readonly BucketClaim[], wait: boolean, maxWaitMs: number, signal?: CancelSignal): Promise<TakeResult> {
    if (wait) return this.acquire(claims.map((c) => c.key).join('\u0000'), claims, maxWaitMs, signal);
    return signal?.aborted === true ? Promise.reject(abortReason(signal)) : this.limiter.take(claims);
  }

  /**
   * Resolves when the claims were taken, or with a refusal once `maxWaitMs` cannot be met;
   * rejects with `signal.reason` as soon as `signal` aborts, and the waiter leaves the line.
   */
  acquire(lineKey: string, claims: readonly BucketClaim[], maxWaitMs: number, signal?: CancelSignal): Promise<TakeResult> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    let line = this.lines.get(lineKey);
    if (line === undefined) this.lines.set(lineKey, (line = { waiters: [], queued: new Map(), retry: undefined, busy: false, lastRetryAfterMs: 1 }));
    const owner = line;
    const leastWaitMs = leastWait(owner, claims);
    if (leastWaitMs > maxWaitMs) {
      this.tidy(lineKey, owner);
      return Promise.resolve(refused(leastWaitMs));
    }
    return new Promise<TakeResult>((resolve, reject) => {
      const onAbort = () => this.leave(lineKey, owner, waiter, abortReason(signal as CancelSignal));
      const waiter: Waiter = {
        claims,
        deadline: this.clock.now() + maxWaitMs,
        timer: setTimeout(() => this.leave(lineKey, owner, waiter, refused(owner.lastRetryAfterMs)), maxWaitMs),
        settle: (result) => (result instanceof Error ? reject(result) : resolve(result)),
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      owner.waiters.push(waiter);
      count(owner, claims, 1);
      this.pump(lineKey, owner);
    });
  }

  /** Takes a waiter out of the line before its turn: its time is up or its call was abandoned. */
  private leave(lineKey: string, line: Line, waiter: Waiter, result: TakeResult | Error): void {
    const index = line.waiters.indexOf(waiter);
    if (index < 0) return;
    line.waiters.splice(index, 1);
    count(line, waiter.claims, -1);
    clearTimeout(waiter.timer);
    waiter.detach();
    waiter.settle(result);
    if (index === 0) {
      clearTimeout(line.retry);
      line.retry = undefined;
      this.pump(lineKey, line);
    } else this.tidy(lineKey, line);
  }

  private pump(lineKey: string, line: Line): void {
    if (line.busy || line.retry !== undefined) return;
    const head = line.waiters[0];
    if (head === undefined) {
      this.tidy(lineKey, line);
      return;
    }
    line.busy = true;
    this.limiter.take(head.claims).then(
      (result) => {
        line.busy = false;
        // The head may have expired or been abandoned while the take was in flight; its
        // tokens are then handed to nobody, which errs on the side of the limit.
        if (line.waiters[0] !== head) return this.pump(lineKey, line);
        if (result.allowed) return this.finish(lineKey, line, head, result);
        line.lastRetryAfterMs = result.retryAfterMs;
        if (this.clock.now() + result.retryAfterMs > head.deadline) return this.finish(lineKey, line, head, refused(result.retryAfterMs));
        line.retry = setTimeout(() => {
          line.retry = undefined;
          this.pump(lineKey, line);
        }, result.retryAfterMs);
      },
      (error: unknown) => {
        line.busy = false;
        if (line.waiters[0] === head) this.finish(lineKey, line, head, error instanceof Error ? error : new Error(String(error)));
        else this.pump(lineKey, line);
      },
    );
  }

  private finish(lineKey: string, line: Line, head: Waiter, result: TakeResult | Error): void {
    line.waiters.shift();
    count(line, head.claims, -1);
    clearTimeout(head.timer);
    head.detach();
    head.settle(result);
    this.pump(lineKey, line);
  }

  private tidy(lineKey: string, line: Line): void {
    if (line.waiters.length > 0 || line.busy) return;
    clearTimeout(line.retry);
    if (this.lines.get(lineKey) === line) this.lines.delete(lineKey);
  }
}

// A signal aborted without a reason still refuses the call with an Error, never a bare value.
export function abortReason(signal: CancelSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('The call was abandoned');
}

function refused(retryAfterMs: number): TakeResult {
  return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, retryAfterMs) };
}

function count(line: Line, claims: readonly BucketClaim[], sign: 1 | -1): void {
  for (const { key, policy } of claims) {
    const total = (line.queued.get(key) ?? 0) + sign * policy.cost;
    if (total > 0) line.queued.set(key, total);
    else line.queued.delete(key);
  }
}

// A lower bound on the wait: even from a full bucket, everyone ahead must be served first.
// It caps a line at about `bucketSize + maxWaitMs × rate` tokens, however hard it is flooded.
function leastWait(line: Line, claims: readonly BucketClaim[]): number {
  let least = 0;
  for (const { key, policy } of claims) {
    const short = (line.queued.get(key) ?? 0) + policy.cost - policy.bucketSize;
    if (short > 0) least = Math.max(least, Math.ceil((short * policy.intervalMs) / policy.tokensPerInterval));
  }
  return least;
}
