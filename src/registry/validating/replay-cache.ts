/**
 * Where the nonces of accepted registration tokens are kept until the tokens expire, so a
 * captured registration cannot be sent again (shared case B28). With several registry
 * replicas the cache must live in the store they share (Redis, NATS KV).
 */

/** Remembers nonces; a claim is a check-and-set done as one atomic step. */
export interface ReplayCache {
  /** `true` when `nonce` was not seen before (it is now kept for `ttlMs`), `false` for a replay. */
  claim(nonce: string, ttlMs: number): Promise<boolean>;
}

/** An in-process replay cache: enough for one registry replica. */
export class MemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    // Sweeping on write keeps the map bounded by the tokens alive at one time.
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now + ttlMs);
    return true;
  }
}
