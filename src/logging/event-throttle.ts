/** Options of an {@link EventThrottle}. */
export interface EventThrottleOptions {
  /** Length of one window per key, in milliseconds (default 1000). */
  readonly intervalMs?: number;
  /** Most keys remembered at once (default 1024); past it the oldest window is forgotten. */
  readonly maxKeys?: number;
  /** Called for each event not logged, so metrics still count every event. */
  readonly onSuppressed?: (event: string) => void;
  /** The clock, for tests. */
  readonly now?: () => number;
}

interface Window {
  readonly start: number;
  suppressed: number;
}

/** Default window of a throttled security event, in milliseconds. */
export const DEFAULT_EVENT_INTERVAL_MS = 1000;
/** Default number of (event, peer, endpoint) keys an EventThrottle remembers. */
export const DEFAULT_EVENT_KEYS = 1024;

/**
 * Lets at most one record per key (event, peer, endpoint) through per interval. A burst of
 * 30 refusals makes one record, and the next record of that key, once the interval has
 * passed, carries `suppressed`: how many were left out since the previous one. The key
 * table is capped, so a flood of distinct peers cannot grow memory; a forgotten key only
 * means its next event is logged at once.
 */
export class EventThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly intervalMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly options: EventThrottleOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_EVENT_INTERVAL_MS;
    this.maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_EVENT_KEYS);
    this.now = options.now ?? Date.now;
  }

  /** How many keys are remembered now (at most `maxKeys`). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Whether to log this event now: `undefined` when it is suppressed (and counted through
   * `onSuppressed`), otherwise how many of this key were suppressed since the last record.
   */
  admit(event: string, parts: readonly string[]): { readonly suppressed: number } | undefined {
    return this.admitKey(event, throttleKey(event, parts));
  }

  /** `admit` with the key already built by `throttleKey` (a caller that sees the same keys again keeps them). */
  admitKey(event: string, key: string): { readonly suppressed: number } | undefined {
    const now = this.now();
    const window = this.windows.get(key);
    if (window !== undefined && now - window.start < this.intervalMs) {
      window.suppressed += 1;
      this.options.onSuppressed?.(event);
      return undefined;
    }
    // Re-inserting keeps the Map in window-start order, so the first key is the oldest.
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
    this.windows.set(key, { start: now, suppressed: 0 });
    return { suppressed: window?.suppressed ?? 0 };
  }
}

/** The key of one (event, parts): each part prefixed with its length keeps parts apart whatever characters a peer or endpoint name holds. */
export function throttleKey(event: string, parts: readonly string[]): string {
  let key = `${event.length}:${event}`;
  for (const part of parts) key += `${part.length}:${part}`;
  return key;
}

/** Most keys a `ThrottleKeys` keeps; it starts over beyond it, as names may come from peers. */
const MAX_KEPT_KEYS = 1024;

/**
 * Built keys of one endpoint (or client), by name and event: a refusal looks its key up
 * instead of building and hashing a new string each time, which cost more than the rest of
 * its record keeping.
 */
export class ThrottleKeys {
  private readonly byName = new Map<string, Map<string, string>>();
  private count = 0;

  constructor(private readonly parts: (name: string) => readonly string[]) {}

  key(event: string, name: string): string {
    let byEvent = this.byName.get(name);
    const known = byEvent?.get(event);
    if (known !== undefined) return known;
    if (this.count >= MAX_KEPT_KEYS) {
      this.byName.clear();
      this.count = 0;
      byEvent = undefined;
    }
    if (byEvent === undefined) this.byName.set(name, (byEvent = new Map()));
    const key = throttleKey(event, this.parts(name));
    byEvent.set(event, key);
    this.count += 1;
    return key;
  }
}
