import { Lazy } from '../lazy/lazy-value.js';
import type { KV, KvWatchOptions, NatsConnection } from 'nats';
import type { DeregisterOptions, RegisterOptions, Registry, RegistryWatcher, ServiceRecord } from './registry.js';
import { checkTtl, decodeEntry, encodeEntry, entriesOf, nodeKey, recordsOf, serviceKeyPrefix, serviceOfKey, type StoredEntry } from './stored-entry.js';
import type { ReplayCache } from './validating/replay-cache.js';
import { ChangeHub, PUSHED_WATCH_INTERVAL_MS, watchRegistry } from './watch.js';
import { lazyPackage } from '../lazy/lazy.js';

// Loaded on first connect: an application that never picks NATS never loads the client.
const nats = lazyPackage<typeof import('nats')>('nats');

/** Options of the NATS JetStream KV registry. */
export interface NATSRegistryOptions {
  /** `nats://host:port`; ignored when `connection` is given. */
  readonly url?: string;
  /** A connection to use; the registry then leaves closing it to the caller. */
  readonly connection?: NatsConnection;
  /** The KV bucket of node entries; its nonce bucket is `<bucket>-nonces`. */
  readonly bucket?: string;
  /** The entry bucket's own ttl: the longest any entry survives, whatever it asked for. */
  readonly bucketTtlMs?: number;
  /**
   * The nonce bucket's ttl: it must outlive every token, so it is at least `longestNonceTtlMs`
   * of the signed-registration check's limits. Default 15 min (10 min lifetime + 3 × 30 s skew, rounded up).
   */
  readonly nonceTtlMs?: number;
  readonly watchIntervalMs?: number;
}

const DEFAULT_BUCKET = 'bastion-registry';
const DEFAULT_BUCKET_TTL_MS = 600_000;
const DEFAULT_NONCE_TTL_MS = 900_000;

interface Buckets {
  readonly entries: KV;
  readonly nonces: KV;
  /** How long the nonce bucket really keeps a nonce; 0 is forever. */
  readonly nonceTtlMs: number;
}

/**
 * NATSRegistry keeps one KV entry per node in a JetStream bucket whose ttl bounds every
 * entry's life; each entry also carries its own expiry, which readers apply, since KV has
 * no per-key ttl in this client. Nonces go to a second bucket through `create`, which
 * fails when the key exists: an atomic check-and-set shared by every replica.
 */
export class NATSRegistry implements Registry, ReplayCache {
  readonly name = 'nats';
  private connection: Promise<NatsConnection> | undefined;
  private readonly buckets = new Lazy(() => this.connect());
  private closed = false;
  private readonly changes = new ChangeHub((changed) => this.subscribe(changed));

  constructor(private readonly options: NATSRegistryOptions = {}) {
    for (const name of ['bucketTtlMs', 'nonceTtlMs'] as const) {
      const value = options[name];
      if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw new RangeError(`NATSRegistry ${name} must be a positive integer`);
    }
  }

  async register(record: ServiceRecord, options: RegisterOptions): Promise<void> {
    checkTtl(options.ttlMs);
    const { entries } = await this.open();
    for (const entry of entriesOf(record, options.ttlMs, Date.now())) await entries.put(this.key(entry), encodeEntry(entry));
  }

  async deregister(record: ServiceRecord, _options?: DeregisterOptions): Promise<void> {
    const { entries } = await this.open();
    for (const node of record.nodes) await entries.purge(nodeKey(record.name, record.version, node.id));
  }

  getService(name: string): Promise<ServiceRecord[]> {
    return this.read(`${serviceKeyPrefix(name)}>`, name);
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.read('>', undefined);
  }

  watch(service?: string): RegistryWatcher {
    return watchRegistry(this, service, this.options.watchIntervalMs ?? PUSHED_WATCH_INTERVAL_MS, this.changes.feed(service));
  }

  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    const { nonces, nonceTtlMs } = await this.open();
    // A nonce the bucket would drop before its token expires would let the token be replayed (F5).
    if (nonceTtlMs !== 0 && ttlMs > nonceTtlMs) throw new RangeError(`nonce bucket keeps nonces ${nonceTtlMs} ms, shorter than the token needs (${Math.ceil(ttlMs)} ms)`);
    try {
      await nonces.create(Buffer.from(nonce).toString('hex'), new Uint8Array([1]));
      return true;
    } catch (error) {
      // `create` reports an existing key as a "wrong last sequence" error; anything else is a real failure.
      if (/wrong last sequence|key exists/i.test((error as Error).message)) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A connection that never opened has nothing to drain.
    const connection = this.options.connection === undefined ? await this.connection?.catch(() => undefined) : undefined;
    await connection?.drain().catch(() => {});
  }

  // One KV watch (updates only) per registry brings changes to watchers at once; expiry
  // still comes from polling.
  private subscribe(changed: (service: string) => void): () => void {
    let stop: (() => void) | undefined;
    let stopped = false;
    void (async () => {
      const { entries } = await this.open();
      if (stopped) return;
      const updates = await entries.watch({ key: '>', include: 'updates' as KvWatchOptions['include'] });
      stop = () => updates.stop();
      if (stopped) updates.stop();
      for await (const update of updates) {
        const name = serviceOfKey(update.key);
        if (name !== undefined) changed(name);
      }
    })().catch(() => {});
    return () => {
      stopped = true;
      stop?.();
    };
  }

  private key(entry: StoredEntry): string {
    return nodeKey(entry.head.name, entry.head.version, entry.node.id);
  }

  private open(): Promise<Buckets> {
    return this.buckets.get();
  }

  private async connect(): Promise<Buckets> {
    this.connection =
      this.options.connection !== undefined
        ? Promise.resolve(this.options.connection)
        : Promise.resolve().then(() => nats().connect({ servers: this.options.url ?? 'nats://127.0.0.1:4222' }));
    const js = (await this.connection).jetstream();
    const bucket = this.options.bucket ?? DEFAULT_BUCKET;
    const ttl = this.options.bucketTtlMs ?? DEFAULT_BUCKET_TTL_MS;
    const wanted = this.options.nonceTtlMs ?? DEFAULT_NONCE_TTL_MS;
    const entries = await js.views.kv(bucket, { history: 1, ttl });
    const nonces = await js.views.kv(`${bucket}-nonces`, { history: 1, ttl: wanted });
    // An existing bucket keeps its own config whatever is asked here, so its ttl is read back.
    const nonceTtlMs = (await nonces.status()).ttl;
    if (nonceTtlMs !== 0 && nonceTtlMs < wanted) {
      throw new RangeError(`NATS bucket ${bucket}-nonces keeps nonces ${nonceTtlMs} ms, less than the ${wanted} ms asked for; recreate it or lower nonceTtlMs`);
    }
    return { entries, nonces, nonceTtlMs };
  }

  // A watch that stops once it has delivered the initial values reads the bucket in one
  // stream, instead of one request per key.
  private async read(filter: string, name: string | undefined): Promise<ServiceRecord[]> {
    const { entries } = await this.open();
    const found: (StoredEntry | undefined)[] = [];
    let initialized = false;
    let stop = () => {
      initialized = true;
    };
    // An empty bucket reports itself initialized before `watch` has even returned.
    const watcher = await entries.watch({ key: filter, ignoreDeletes: true, initializedFn: () => stop() });
    stop = () => watcher.stop();
    if (initialized) watcher.stop();
    for await (const entry of watcher) if (entry.operation === 'PUT') found.push(decodeEntry(entry.value));
    return recordsOf(found, Date.now(), name);
  }
}
