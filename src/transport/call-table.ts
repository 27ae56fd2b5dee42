import { randomInt } from 'node:crypto';

const INITIAL_CAPACITY = 64;
/** Tables up to this many slots (16 KiB) never shrink: a server session (at most 256 calls) keeps its arrays. */
const SHRINK_ABOVE = 1024;

/** A random odd 32-bit multiplier. */
function oddMultiplier(): number {
  return (randomInt(0, 2 ** 31) * 2 + 1) | 0;
}

/**
 * The calls in flight on one connection, by call id. Not a `Map`: V8 links a Map's
 * outgrown hash table to the table that replaced it, so once one of a long-lived Map's
 * tables has been moved to the old generation (calls were slow for a moment, as during a
 * burst of 64 KiB calls), every later table, and every call they held, is kept alive by
 * that link through young-generation collections and is moved to the old generation too,
 * for as long as the connection lives: 30 to 50 % more CPU per call after one burst of
 * large calls, for good (bench/micro/call-table-promotion.mjs, docs/benchmarks-history.md part 5).
 *
 * An open-addressing table instead: ids in a Float64Array, calls in one array whose slots
 * are emptied as calls leave, so nothing outlives its call. Linear probing with a multiplier
 * drawn per table (ids on the server are the peer's choice, so it cannot aim them at one
 * slot), at most half full, and deletion by shifting back (no tombstones). The slot is taken
 * from the TOP bits of the product (multiply-shift): the low bits of a product depend only on
 * the low bits of the id, so ids that agree there would share a slot whatever the multiplier.
 * A table that grew for a burst gives its room back once the burst is gone.
 */
export class CallTable<V extends object> {
  private ids = new Float64Array(INITIAL_CAPACITY);
  private calls: (V | undefined)[] = new Array<V | undefined>(INITIAL_CAPACITY).fill(undefined);
  private mask = INITIAL_CAPACITY - 1;
  private shift = Math.clz32(INITIAL_CAPACITY) + 1;
  private count = 0;
  private readonly scramble = oddMultiplier();
  private readonly multiplier = oddMultiplier();

  get size(): number {
    return this.count;
  }

  get(id: number): V | undefined {
    const { ids, calls, mask } = this;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      const call = calls[i];
      if (call === undefined || ids[i] === id) return call;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, call: V): void {
    if ((this.count + 1) * 2 > this.calls.length) this.resize(this.calls.length * 2);
    const { ids, calls, mask } = this;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      if (calls[i] === undefined) {
        ids[i] = id;
        calls[i] = call;
        this.count += 1;
        return;
      }
      if (ids[i] === id) {
        calls[i] = call;
        return;
      }
    }
  }

  /** Removes the call; false when there was none. */
  delete(id: number): boolean {
    const { ids, calls, mask } = this;
    let i = this.home(id);
    for (; ; i = (i + 1) & mask) {
      const call = calls[i];
      if (call === undefined) return false;
      if (ids[i] === id) break;
    }
    calls[i] = undefined;
    this.count -= 1;
    // Entries after the hole that could have sat in it move back, so every lookup stays one unbroken run.
    for (let j = (i + 1) & mask; calls[j] !== undefined; j = (j + 1) & mask) {
      const home = this.home(ids[j] as number);
      const fits = i <= j ? home <= i || home > j : home <= i && home > j;
      if (!fits) continue;
      ids[i] = ids[j] as number;
      calls[i] = calls[j];
      calls[j] = undefined;
      i = j;
    }
    if (calls.length > SHRINK_ABOVE && this.count * 8 < calls.length) this.resize(calls.length / 2);
    return true;
  }

  clear(): void {
    if (this.calls.length > SHRINK_ABOVE) {
      this.ids = new Float64Array(INITIAL_CAPACITY);
      this.calls = new Array<V | undefined>(INITIAL_CAPACITY).fill(undefined);
      this.mask = INITIAL_CAPACITY - 1;
      this.shift = Math.clz32(INITIAL_CAPACITY) + 1;
    } else {
      this.calls.fill(undefined);
    }
    this.count = 0;
  }

  /** The calls in flight now, in no particular order. */
  values(): V[] {
    return this.calls.filter((call): call is V => call !== undefined);
  }

  private home(id: number): number {
    // Ids are integers below 2^53: both 32-bit halves count.
    const low = id >>> 0;
    const high = (id / 0x100000000) >>> 0;
    // A bijection of the 32-bit key (so distinct peer ids stay distinct), then multiply-shift:
    // its top bits depend on every bit of the key and on the random multiplier, so no choice of
    // ids lands on one slot more often than chance allows. The first step only keeps ids in
    // sequence from meeting a multiplier that happens to be small.
    let hash = Math.imul(low ^ Math.imul(high, 0x85ebca6b), this.scramble);
    hash ^= hash >>> 16;
    return Math.imul(hash, this.multiplier) >>> this.shift;
  }

  private resize(capacity: number): void {
    const { ids, calls } = this;
    this.ids = new Float64Array(capacity);
    this.calls = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.shift = Math.clz32(capacity) + 1;
    this.count = 0;
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i];
      if (call !== undefined) this.set(ids[i] as number, call);
    }
    // The old array may already be in the old generation: emptied, it holds no call alive.
    calls.fill(undefined);
  }
}
