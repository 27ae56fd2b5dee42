/** When a node's breaker opens and for how long. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** How long an open breaker skips the node before letting one probe call through. */
  readonly coolDownMs: number;
}

/** Five failures in a row open it for five seconds. */
export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = Object.freeze({ failureThreshold: 5, coolDownMs: 5000 });

/** Checks breaker options, throwing a RangeError naming the bad one. */
export function checkBreakerOptions(options: BreakerOptions): BreakerOptions {
  if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) throw new RangeError('client breaker.failureThreshold must be a positive integer');
  if (!Number.isInteger(options.coolDownMs) || options.coolDownMs < 0) throw new RangeError('client breaker.coolDownMs must be a non-negative integer');
  return options;
}

/** The state of one node's breaker, as `state()` reports it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

interface Breaker {
  failures: number;
  openedAt: number | undefined;
  probing: boolean;
}

/**
 * CircuitBreakers keeps one breaker per node: closed while calls succeed; open after
 * `failureThreshold` consecutive failures, skipping the node for `coolDownMs`; then
 * half-open, letting exactly one probe through, which closes it on success or opens it
 * again on failure. The clock is injected so tests control time.
 */
export class CircuitBreakers {
  private readonly breakers = new Map<string, Breaker>();

  constructor(
    private readonly options: BreakerOptions = DEFAULT_BREAKER_OPTIONS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether a call may go to `node` now; in half-open state, true once (the probe). */
  allow(node: string): boolean {
    const breaker = this.breakers.get(node);
    if (breaker?.openedAt === undefined) return true;
    if (this.now() - breaker.openedAt < this.options.coolDownMs || breaker.probing) return false;
    breaker.probing = true;
    return true;
  }

  /** Records a success: the breaker closes. */
  success(node: string): void {
    this.breakers.delete(node);
  }

  /** Records a failure: counts it, and opens (or re-opens after a failed probe) the breaker. */
  failure(node: string): void {
    const breaker = this.breakers.get(node) ?? { failures: 0, openedAt: undefined, probing: false };
    breaker.failures += 1;
    if (breaker.probing || breaker.failures >= this.options.failureThreshold) {
      breaker.openedAt = this.now();
      breaker.probing = false;
    }
    this.breakers.set(node, breaker);
  }

  /** The breaker state of `node`. */
  state(node: string): BreakerState {
    const breaker = this.breakers.get(node);
    if (breaker?.openedAt === undefined) return 'closed';
    return this.now() - breaker.openedAt < this.options.coolDownMs && !breaker.probing ? 'open' : 'half-open';
  }
}
