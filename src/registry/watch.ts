/**
 * Watching a registry by comparing snapshots. Every backend can list what it holds, and
 * a snapshot also sees nodes that vanished by expiry, which store notifications (Redis
 * keyspace events need CONFIG SET; a file has none) would miss.
 */
import { frozenRecord } from './frozen.js';
import type { Registry, RegistryEvent, RegistryWatcher, ServiceRecord } from './registry.js';

/** How often a polling watcher compares snapshots unless told otherwise. */
export const DEFAULT_WATCH_INTERVAL_MS = 250;

/** The polling interval of stores that also push changes: polling is left to find expiry. */
export const PUSHED_WATCH_INTERVAL_MS = 2000;

/** A closable async queue of registry events; `push` after `close` is ignored. */
export class EventQueue implements RegistryWatcher {
  private readonly buffered: RegistryEvent[] = [];
  private waiting: ((result: IteratorResult<RegistryEvent>) => void) | undefined;
  private closed = false;

  constructor(private readonly onClose: () => void = () => {}) {}

  /** Hands `event` to the waiting reader, or keeps it until one asks. */
  push(event: RegistryEvent): void {
    if (this.closed) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting !== undefined) waiting({ value: event, done: false });
    else this.buffered.push(event);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<RegistryEvent> {
    return {
      next: () => {
        const event = this.buffered.shift();
        if (event !== undefined) return Promise.resolve({ value: event, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

type Snapshot = Map<string, { readonly record: ServiceRecord; readonly print: string }>;

function snapshot(records: readonly ServiceRecord[]): Snapshot {
  const out: Snapshot = new Map();
  for (const record of records) {
    for (const node of record.nodes) {
      const one = frozenRecord(record, [node]);
      out.set(`${record.name}\u0000${record.version}\u0000${node.id}`, { record: one, print: JSON.stringify(one) });
    }
  }
  return out;
}

/** The per-node events that turn snapshot `before` into `after`. */
export function diffSnapshots(before: ReadonlyMap<string, { record: ServiceRecord; print: string }>, after: Snapshot): RegistryEvent[] {
  const events: RegistryEvent[] = [];
  for (const [key, entry] of after) {
    const old = before.get(key);
    if (old === undefined) events.push({ type: 'create', record: entry.record });
    else if (old.print !== entry.print) events.push({ type: 'update', record: entry.record });
  }
  for (const [key, entry] of before) if (!after.has(key)) events.push({ type: 'delete', record: entry.record });
  return events;
}

/** Starts store notifications that call `poke` on a change; returns the function that stops them. */
export type ChangeFeed = (poke: () => void) => () => void;

/**
 * A watcher that reads the registry every `intervalMs`, and at once when `feed` pokes it,
 * and emits what changed since the previous read; what is already registered when it
 * starts is the baseline, not events. Expiry is seen by the interval even where the store
 * sends no notification for it.
 */
export function pollingWatcher(read: () => Promise<ServiceRecord[]>, intervalMs: number, onError: (error: unknown) => void, feed?: ChangeFeed): RegistryWatcher {
  let current: Snapshot | undefined;
  let busy = false;
  let again = false;
  const tick = async (): Promise<void> => {
    // A poke during a read is kept, so a change right after a snapshot is not missed.
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const next = snapshot(await read());
      if (current !== undefined) for (const event of diffSnapshots(current, next)) queue.push(event);
      current = next;
    } catch (error) {
      onError(error);
    } finally {
      busy = false;
    }
    if (again) {
      again = false;
      await tick();
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  // A watcher alone must not keep a process alive.
  timer.unref();
  const stopFeed = feed?.(() => void tick());
  const queue = new EventQueue(() => {
    clearInterval(timer);
    stopFeed?.();
  });
  void tick();
  return queue;
}

/** The watcher of one service of `registry`, or of all of them; what every backend's `watch` is. */
export function watchRegistry(
  registry: Pick<Registry, 'getService' | 'listServices'>,
  service: string | undefined,
  intervalMs = DEFAULT_WATCH_INTERVAL_MS,
  feed?: ChangeFeed,
): RegistryWatcher {
  const read = service === undefined ? () => registry.listServices() : () => registry.getService(service);
  // A failed read is retried at the next tick; the watcher only reports what it saw change.
  return pollingWatcher(read, intervalMs, () => {}, feed);
}

/** Starts a store-wide notification source that calls `changed(service)`; returns its stop. */
export type ChangeSource = (changed: (service: string) => void) => () => void;

/**
 * ChangeHub shares one store notification source (one Redis subscriber, one KV watch)
 * between every watcher of a registry: started with the first watcher, stopped with the
 * last, so watching 200 services costs one connection, not 200.
 */
export class ChangeHub {
  private readonly listeners = new Set<{ readonly service: string | undefined; readonly poke: () => void }>();
  private stop: (() => void) | undefined;

  constructor(private readonly source: ChangeSource) {}

  /** A feed for `watchRegistry` that pokes on changes of `service`, or of any service. */
  feed(service: string | undefined): ChangeFeed {
    return (poke) => {
      const listener = { service, poke };
      this.listeners.add(listener);
      this.stop ??= this.source((changed) => {
        for (const l of this.listeners) if (l.service === undefined || l.service === changed) l.poke();
      });
      return () => {
        this.listeners.delete(listener);
        if (this.listeners.size > 0) return;
        this.stop?.();
        this.stop = undefined;
      };
    };
  }
}
