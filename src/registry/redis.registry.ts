import type { Redis } from 'ioredis';
import type { DeregisterOptions, RegisterOptions, Registry, RegistryWatcher, ServiceRecord } from './registry.js';
import { checkTtl, decodeEntry, encodeEntry, entriesOf, nodeKey, recordsOf, serviceKeyPrefix } from './stored-entry.js';
import type { ReplayCache } from './validating/replay-cache.js';
import { ChangeHub, PUSHED_WATCH_INTERVAL_MS, watchRegistry } from './watch.js';

/** Options of the Redis registry. */
export interface RedisRegistryOptions {
  /** `redis://host:port[/db]`; ignored when `client` is given. */
  readonly url?: string;
  /** A connected client to use; the registry then leaves closing it to the caller. */
  readonly client?: Redis;
  /** Prefix of every key, so several deployments can share one Redis. */
  readonly prefix?: string;
  readonly watchIntervalMs?: number;
}

const SCAN_COUNT = 1000;

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * RedisRegistry keeps one key per node with a Redis TTL (`SET … PX`), so a killed process
 * vanishes when its ttl runs out without anyone cleaning up. Reads SCAN the service's key
 * prefix; watch compares snapshots, which needs no `CONFIG SET notify-keyspace-events`.
 */
export class RedisRegistry implements Registry, ReplayCache {
  readonly name = 'redis';
  private client: Promise<Redis> | undefined;
  private readonly owned: boolean;
  private readonly prefix: string;
  private closed = false;
  private readonly changes = new ChangeHub((changed) => this.subscribe(changed));

  constructor(private readonly options: RedisRegistryOptions = {}) {
    this.owned = options.client === undefined;
    this.prefix = `${options.prefix ?? 'bastion:registry'}:`;
  }

  async register(record: ServiceRecord, options: RegisterOptions): Promise<void> {
    checkTtl(options.ttlMs);
    const multi = (await this.redis()).multi();
    for (const entry of entriesOf(record, options.ttlMs, Date.now())) {
      multi.set(this.prefix + nodeKey(entry.head.name, entry.head.version, entry.node.id), encodeEntry(entry), 'PX', Math.ceil(options.ttlMs));
    }
    multi.publish(this.channel(), record.name);
    await multi.exec();
  }

  async deregister(record: ServiceRecord, _options?: DeregisterOptions): Promise<void> {
    const keys = record.nodes.map((node) => this.prefix + nodeKey(record.name, record.version, node.id));
    if (keys.length > 0) await (await this.redis()).multi().del(...keys).publish(this.channel(), record.name).exec();
  }

  getService(name: string): Promise<ServiceRecord[]> {
    return this.read(serviceKeyPrefix(name), name);
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.read('s', undefined);
  }

  watch(service?: string): RegistryWatcher {
    return watchRegistry(this, service, this.options.watchIntervalMs ?? PUSHED_WATCH_INTERVAL_MS, this.changes.feed(service));
  }

  /** SET NX PX is one atomic check-and-set, shared by every replica using this Redis. */
  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    const result = await (await this.redis()).set(`${this.prefix}nonce:${nonce}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    return result === 'OK';
  }

  async close(): Promise<void> {
    if (this.closed || !this.owned) return;
    this.closed = true;
    if (this.client === undefined) return;
    const client = await this.client;
    await client.quit().catch(() => client.disconnect());
  }

  private channel(): string {
    return `${this.prefix}changes`;
  }

  // Writers publish the service name of each change; one subscriber connection per
  // registry listens, so watching needs no keyspace notifications (CONFIG SET).
  private subscribe(changed: (service: string) => void): () => void {
    let subscriber: Redis | undefined;
    let stopped = false;
    void (async () => {
      const client = await this.redis();
      if (stopped) return;
      subscriber = client.duplicate();
      const own = subscriber;
      // Like the polling timer, a watch alone must not keep a process alive.
      own.on('connect', () => (own as unknown as { stream?: { unref?: () => void } }).stream?.unref?.());
      own.on('message', (_channel: string, name: string) => changed(name));
      own.on('error', () => {});
      await own.subscribe(this.channel());
      if (stopped) own.disconnect();
    })().catch(() => {});
    return () => {
      stopped = true;
      subscriber?.disconnect();
    };
  }

  // ioredis is loaded on first use, so an app that never picks Redis never loads it.
  private redis(): Promise<Redis> {
    this.client ??=
      this.options.client !== undefined
        ? Promise.resolve(this.options.client)
        : import('ioredis').then(({ Redis }) => new Redis(this.options.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 }));
    return this.client;
  }

  private async read(keyPrefix: string, name: string | undefined): Promise<ServiceRecord[]> {
    const client = await this.redis();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(this.prefix + keyPrefix)}*`, 'COUNT', SCAN_COUNT);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const values: (string | null)[] = [];
    // Bounded MGETs keep one reply from growing with the whole registry.
    for (let i = 0; i < keys.length; i += SCAN_COUNT) values.push(...(await client.mget(keys.slice(i, i + SCAN_COUNT))));
    return recordsOf(values.map(decodeEntry), Date.now(), name);
  }
}
