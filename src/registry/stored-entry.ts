/**
 * How the shared backends (file, Redis, NATS KV) store one node: its record head, the
 * node, and when it expires, as one JSON value under a key of its own. One value per node
 * means concurrent registrants never rewrite each other's entries.
 */
import { freezeHead, freezeNode, frozenRecord, type RecordHead } from './frozen.js';
import { BastionError } from '../errors/bastion-error.js';
import type { ServiceNode, ServiceRecord } from './registry.js';

/** One stored node, as the backends keep it. */
export interface StoredEntry {
  readonly head: RecordHead;
  readonly node: ServiceNode;
  /** Epoch ms after which readers ignore the entry, whatever the store still holds. */
  readonly expiresAt: number;
}

/** The entries of `record`, one per node, expiring `ttlMs` from `now`. */
export function entriesOf(record: ServiceRecord, ttlMs: number, now: number): StoredEntry[] {
  const head = freezeHead(record);
  return record.nodes.map((node) => ({ head, node: freezeNode(node), expiresAt: now + ttlMs }));
}

/** The JSON text of an entry. */
export function encodeEntry(entry: StoredEntry): string {
  return JSON.stringify(entry);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/**
 * Parses a stored value, or `undefined` when it is not an entry: a store shared with
 * others may hold anything, and one bad value must not hide the good ones. Whether the
 * entry is trustworthy is the ValidatingRegistry's call, not this one's.
 */
export function decodeEntry(text: string | Uint8Array | null | undefined): StoredEntry | undefined {
  if (text === null || text === undefined) return undefined;
  try {
    const raw = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8')) as Partial<StoredEntry> | null;
    const head = raw?.head;
    const node = raw?.node;
    if (typeof raw?.expiresAt !== 'number' || head === undefined || node === undefined) return undefined;
    if (typeof head.name !== 'string' || typeof head.version !== 'string' || !isStringMap(head.metadata) || !Array.isArray(head.endpoints)) return undefined;
    if (typeof node.id !== 'string' || typeof node.host !== 'string' || typeof node.port !== 'number' || !isStringMap(node.metadata)) return undefined;
    const endpoints = head.endpoints.filter((e) => typeof e?.name === 'string' && typeof e.request === 'string' && typeof e.codec === 'string');
    return { head: freezeHead({ ...head, endpoints }), node: freezeNode(node), expiresAt: raw.expiresAt };
  } catch {
    return undefined;
  }
}

/**
 * Live entries grouped into one frozen record per name, version and head. Grouping on the
 * head too means an entry forged beside real ones cannot lend them its head, which would
 * make their signatures fail and take them out of service.
 */
export function recordsOf(entries: readonly (StoredEntry | undefined)[], now: number, name?: string): ServiceRecord[] {
  const groups = new Map<string, { head: RecordHead; nodes: Map<string, ServiceNode> }>();
  for (const entry of entries) {
    if (entry === undefined || entry.expiresAt <= now || (name !== undefined && entry.head.name !== name)) continue;
    const key = JSON.stringify(entry.head);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { head: entry.head, nodes: new Map() }));
    group.nodes.set(entry.node.id, entry.node);
  }
  return [...groups.values()].map((g) => frozenRecord(g.head, [...g.nodes.values()]));
}

/** Refuses a ttl that would make a node immortal, since no clock reading would pass it. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new BastionError('BST_ERR_REGISTRY_DENIED', 'Registration refused: ttlMs must be a positive finite number');
  }
}

function segment(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/**
 * The key prefix of every node of `name`. Segments are base64url, so whatever a name
 * holds it is a valid NATS KV token and file name, and has no glob character for SCAN.
 */
export function serviceKeyPrefix(name: string): string {
  return `s${segment(name)}.`;
}

/** The key of one node of one version of a service. */
export function nodeKey(name: string, version: string, nodeId: string): string {
  return `${serviceKeyPrefix(name)}v${segment(version)}.n${segment(nodeId)}`;
}

/** The service name a node key belongs to, or `undefined` for a key that is not one. */
export function serviceOfKey(key: string): string | undefined {
  const match = /^s([A-Za-z0-9_-]*)\./.exec(key);
  return match === null ? undefined : Buffer.from(match[1] as string, 'base64url').toString('utf8');
}
