import { injectable } from 'inversify';
import type { RateLimitEvent, RateLimitMetrics } from './ratelimit.js';

interface Counter {
  readonly event: RateLimitEvent;
  count: number;
}

/** Which events to count: any field left out matches every value. */
export type RateLimitEventFilter = Partial<RateLimitEvent>;

/**
 * MemoryRateLimitMetrics counts decisions per service, endpoint, key kind and outcome in
 * this process, for tests and for an exporter (such as prom-client) to read.
 */
@injectable()
export class MemoryRateLimitMetrics implements RateLimitMetrics {
  readonly name = 'memory';
  // The number of distinct series is bounded by endpoints × key kinds × outcomes, all fixed at boot.
  private readonly counters = new Map<string, Counter>();

  // The wrappers report the same frozen event objects call after call: found without a key string.
  private readonly byEvent = new WeakMap<RateLimitEvent, Counter>();

  record(event: RateLimitEvent): void {
    let counter = this.byEvent.get(event);
    if (counter === undefined) {
      const id = `${event.service}\u0000${event.endpoint}\u0000${event.keyKind}\u0000${event.outcome}`;
      counter = this.counters.get(id) ?? { event: { ...event }, count: 0 };
      this.counters.set(id, counter);
      if (Object.isFrozen(event)) this.byEvent.set(event, counter);
    }
    counter.count++;
  }

  /** How many recorded events match `filter`. */
  count(filter: RateLimitEventFilter = {}): number {
    let total = 0;
    for (const { event, count } of this.counters.values()) {
      const matches = (Object.keys(filter) as (keyof RateLimitEvent)[]).every((k) => filter[k] === undefined || filter[k] === event[k]);
      if (matches) total += count;
    }
    return total;
  }

  /** Every series with its count. */
  snapshot(): readonly (RateLimitEvent & { readonly count: number })[] {
    return [...this.counters.values()].map(({ event, count }) => ({ ...event, count }));
  }
}
