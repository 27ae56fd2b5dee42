import { BastionError } from '../errors/bastion-error.js';
import type { ServiceNode } from '../registry/registry.js';
import type { ClientConnection, Transport } from '../transport/transport.js';
import { nodeKey } from './node-key.js';

/** How many connections the client keeps per node, and how it checks they are alive. */
export interface PoolOptions {
  /** Connections per node at most; calls are multiplexed on each and spread over them. */
  readonly size: number;
  /** How often an idle-or-busy connection is pinged; 0 disables keep-alive pings. */
  readonly pingIntervalMs: number;
  /** A ping not answered within this long means a dead peer: the connection is destroyed. */
  readonly pingTimeoutMs: number;
}

/** One connection per node, pinged every 15 s and dropped after 5 s of silence. */
export const DEFAULT_POOL_OPTIONS: PoolOptions = Object.freeze({ size: 1, pingIntervalMs: 15_000, pingTimeoutMs: 5_000 });

interface Slot {
  readonly connection: Promise<ClientConnection>;
  /** The connection once dialled, so a call can take it without waiting. */
  open: ClientConnection | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * ConnectionPool keeps up to `size` connections per node (dialled with the service
 * identity the server must prove), hands them out in turn, redials a slot whose
 * connection closed, and pings each connection so a silent peer (a dead host, a
 * black-holed route) is found within `pingIntervalMs + pingTimeoutMs` instead of at the
 * next call's deadline.
 */
export class ConnectionPool {
  private readonly slots = new Map<string, (Slot | undefined)[]>();
  private readonly turns = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS,
  ) {}

  /** A connection to `node` of `service`, dialled when its slot is empty or its connection closed. */
  async get(service: string, node: ServiceNode): Promise<ClientConnection> {
    if (this.closed) throw new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client is closed');
    const key = nodeKey(service, node);
    let slots = this.slots.get(key);
    if (slots === undefined) this.slots.set(key, (slots = []));
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const index = turn % this.options.size;
    const slot = slots[index];
    if (slot !== undefined) {
      const connection = await slot.connection.catch(() => undefined);
      if (connection !== undefined && !connection.closed) return connection;
      if (slots[index] === slot) this.drop(slots, index);
    }
    const dialing = this.transport.dial({ host: node.host, port: node.port, expectedService: service });
    const fresh: Slot = { connection: dialing, open: undefined, timer: undefined };
    slots[index] = fresh;
    try {
      const connection = await dialing;
      fresh.open = connection;
      this.keepAlive(fresh, connection);
      return connection;
    } catch (error) {
      if (slots[index] === fresh) this.drop(slots, index);
      throw error;
    }
  }

  /**
   * `get` without waiting: the connection of the slot whose turn it is, when it is dialled
   * and open; `undefined` when `get` would have to wait (dial, redial, or the pool is closed).
   */
  ready(service: string, node: ServiceNode): ClientConnection | undefined {
    if (this.closed) return undefined;
    const key = nodeKey(service, node);
    const slots = this.slots.get(key);
    if (slots === undefined) return undefined;
    const turn = this.turns.get(key) ?? 0;
    const connection = slots[turn % this.options.size]?.open;
    if (connection === undefined || connection.closed) return undefined;
    this.turns.set(key, turn + 1);
    return connection;
  }

  /** Closes every connection; later `get` calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.slots.values()].flat().filter((s): s is Slot => s !== undefined);
    this.slots.clear();
    for (const slot of all) clearInterval(slot.timer);
    await Promise.allSettled(all.map(async (slot) => (await slot.connection).close()));
  }

  private drop(slots: (Slot | undefined)[], index: number): void {
    clearInterval(slots[index]?.timer);
    slots[index] = undefined;
  }

  private keepAlive(slot: Slot, connection: ClientConnection): void {
    const { pingIntervalMs, pingTimeoutMs } = this.options;
    if (pingIntervalMs === 0 || connection.ping === undefined) return;
    slot.timer = setInterval(() => {
      if (connection.closed) return clearInterval(slot.timer);
      // A failed ping has already destroyed the connection (its calls fail, the slot redials).
      connection.ping?.(pingTimeoutMs).catch(() => clearInterval(slot.timer));
    }, pingIntervalMs);
    slot.timer.unref();
  }
}

/** Checks pool options, throwing a RangeError naming the bad one. */
export function checkPoolOptions(options: PoolOptions): PoolOptions {
  if (!Number.isInteger(options.size) || options.size < 1 || options.size > 64) throw new RangeError('client pool.size must be an integer from 1 to 64');
  for (const name of ['pingIntervalMs', 'pingTimeoutMs'] as const) {
    if (!Number.isInteger(options[name]) || options[name] < 0) throw new RangeError(`client pool.${name} must be a non-negative integer`);
  }
  return options;
}
