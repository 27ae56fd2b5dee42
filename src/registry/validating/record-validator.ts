import { isIP } from 'node:net';
import { freezeHead, freezeNode, frozenRecord } from '../frozen.js';
import type { DeregisterOptions, EndpointRecord, RegisterOptions, ServiceNode, ServiceRecord } from '../registry.js';
import { allowlistMatcher, type RegistryPolicy } from './policy.js';

/** The outcome of a check: a clean deep-frozen copy of the input, or why it was refused. */
export type Checked<T> = { readonly value: T; readonly reason?: undefined } | { readonly value?: undefined; readonly reason: string };

/** Lowercase ASCII only, so there is no Unicode look-alike or normalisation to get wrong (B26). */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const HOSTNAME_PATTERN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const METADATA_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:/-]*$/;
const ENDPOINT_PATTERN = /^[A-Za-z_$][\w$]{0,63}(?:\.[A-Za-z_$][\w$]{0,63})?$/;
const REQUEST_PATTERN = /^(?:[A-Za-z_$][\w$]{0,127})?$/;
const CODEC_PATTERN = /^[a-z0-9][a-z0-9.+/-]{0,126}$/;
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const RECORD_FIELDS = ['name', 'version', 'metadata', 'endpoints', 'nodes'];
const NODE_FIELDS = ['id', 'host', 'port', 'metadata'];
const ENDPOINT_FIELDS = ['name', 'request', 'codec', 'idempotent'];

class Refusal extends Error {}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

// Untrusted strings go into reasons and logs shortened and escaped.
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function plainObject(value: unknown, where: string, fields?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(`${where} must be an object, got ${typeName(value)}`);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) refuse(`${where} must be a plain object`);
  if (fields !== undefined) {
    for (const key of Object.keys(value)) if (!fields.includes(key)) refuse(`${where} has unknown field ${quote(key)}`);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, where: string, max: number, limit: string): readonly unknown[] {
  if (!Array.isArray(value)) refuse(`${where} must be an array, got ${typeName(value)}`);
  if (value.length > max) refuse(`${where} has ${value.length} entries; ${limit} is ${max}`);
  return value;
}

function text(value: unknown, where: string, pattern: RegExp, maxLength: number): string {
  if (typeof value !== 'string') refuse(`${where} must be a string, got ${typeName(value)}`);
  if (value.length > maxLength || !pattern.test(value)) refuse(`${where} ${quote(value)} must match ${pattern} (at most ${maxLength} characters)`);
  return value;
}

// The copy is built from values read once, so a getter cannot show one value to the check
// and another to the store.
function attempt<T>(build: () => T): Checked<T> {
  try {
    return { value: build() };
  } catch (error) {
    if (error instanceof Refusal) return { reason: error.message };
    // Proxies and throwing getters end up here: such input is not plain data.
    return { reason: 'input could not be read as plain data' };
  }
}

/**
 * RecordValidator holds the checks a record must pass to be stored or trusted: strict
 * name and allowlist, bounded strings, well-formed nodes and endpoints, and metadata of
 * plain string values within the policy's limits. Register and read use the same one.
 */
export class RecordValidator {
  private readonly allowed: (name: string) => boolean;

  constructor(private readonly policy: RegistryPolicy) {
    this.allowed = allowlistMatcher(policy.allowServices);
  }

  /** Why `name` may not be registered or trusted, or `undefined` when it may. */
  nameProblem(name: unknown): string | undefined {
    if (typeof name !== 'string') return `service name must be a string, got ${typeName(name)}`;
    if (!SERVICE_NAME_PATTERN.test(name)) return `service name ${quote(name)} must match ${SERVICE_NAME_PATTERN}`;
    if (!this.allowed(name)) return `service name ${quote(name)} is not in allowServices`;
    return undefined;
  }

  /** Checks a whole record and returns a clean deep-frozen copy of it, or the reason it fails. */
  checkRecord(input: unknown): Checked<ServiceRecord> {
    return attempt(() => this.record(input));
  }

  /** Checks the options of a registration: a bounded ttl, a source address that is an IP, a well-formed identity. */
  checkOptions(input: unknown): Checked<RegisterOptions> {
    return attempt(() => {
      const raw = plainObject(input, 'options');
      const ttlMs = raw['ttlMs'];
      const { maxTtlMs } = this.policy;
      if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > maxTtlMs) refuse(`ttlMs must be an integer from 1 to maxTtlMs (${maxTtlMs})`);
      return Object.freeze({ ttlMs, ...this.who(raw) });
    });
  }

  /** Checks the options of a deregistration: who asks, and from where. */
  checkDeregisterOptions(input: unknown): Checked<DeregisterOptions> {
    return attempt(() => Object.freeze(this.who(input === undefined ? {} : plainObject(input, 'options'))));
  }

  private who(raw: Record<string, unknown>): DeregisterOptions {
    const out: { sourceAddress?: string; identity?: string } = {};
    const { sourceAddress, identity } = raw;
    if (sourceAddress !== undefined) {
      if (typeof sourceAddress !== 'string' || isIP(sourceAddress) === 0) refuse('sourceAddress must be an IP address');
      out.sourceAddress = sourceAddress;
    }
    // Any printable identity is carried; whether it may write this record is identity binding's call.
    if (identity !== undefined) out.identity = text(identity, 'identity', /^[\x21-\x7e]{1,253}$/, 253);
    return out;
  }

  private record(input: unknown): ServiceRecord {
    const raw = plainObject(input, 'record', RECORD_FIELDS);
    const name = raw['name'];
    const nameProblem = this.nameProblem(name);
    if (nameProblem !== undefined) refuse(nameProblem);
    const version = text(raw['version'], 'version', VERSION_PATTERN, 64);
    const metadata = this.metadata(raw['metadata'], 'metadata');
    const endpoints = list(raw['endpoints'], 'endpoints', this.policy.maxEndpointsPerRecord, 'maxEndpointsPerRecord').map((e, i) => this.endpoint(e, i));
    if (new Set(endpoints.map((e) => e.name)).size !== endpoints.length) refuse('endpoints must have distinct names');
    const rawNodes = list(raw['nodes'], 'nodes', this.policy.maxNodesPerRecord, 'maxNodesPerRecord');
    if (rawNodes.length === 0) refuse('nodes must hold at least one node');
    const nodes = rawNodes.map((n, i) => this.node(n, i));
    if (new Set(nodes.map((n) => n.id)).size !== nodes.length) refuse('nodes must have distinct ids');
    return frozenRecord(freezeHead({ name: name as string, version, metadata, endpoints }), nodes.map(freezeNode));
  }

  private endpoint(input: unknown, index: number): EndpointRecord {
    const where = `endpoints[${index}]`;
    const raw = plainObject(input, where, ENDPOINT_FIELDS);
    return {
      name: text(raw['name'], `${where}.name`, ENDPOINT_PATTERN, 129),
      request: text(raw['request'], `${where}.request`, REQUEST_PATTERN, 128),
      codec: text(raw['codec'], `${where}.codec`, CODEC_PATTERN, 127),
      ...this.idempotent(raw['idempotent'], where),
    };
  }

  private idempotent(value: unknown, where: string): { idempotent?: true } {
    if (value === undefined || value === false) return {};
    if (value !== true) refuse(`${where}.idempotent must be a boolean`);
    return { idempotent: true };
  }

  private node(input: unknown, index: number): ServiceNode {
    const where = `nodes[${index}]`;
    const raw = plainObject(input, where, NODE_FIELDS);
    const id = text(raw['id'], `${where}.id`, NODE_ID_PATTERN, 128);
    const host = raw['host'];
    if (typeof host !== 'string' || host.length > 253 || (isIP(host) === 0 && !HOSTNAME_PATTERN.test(host))) {
      refuse(`${where}.host must be an IP address or a hostname, got ${typeof host === 'string' ? quote(host) : typeName(host)}`);
    }
    const port = raw['port'];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) refuse(`${where}.port must be an integer from 1 to 65535`);
    return { id, host, port, metadata: this.metadata(raw['metadata'], `${where}.metadata`) };
  }

  private metadata(input: unknown, where: string): Record<string, string> {
    const { maxMetadataKeys, maxMetadataKeyLength, maxMetadataValueLength, maxMetadataBytes } = this.policy;
    const raw = plainObject(input, where);
    const keys = Object.keys(raw);
    if (keys.length > maxMetadataKeys) refuse(`${where} has ${keys.length} keys; maxMetadataKeys is ${maxMetadataKeys}`);
    const out: Record<string, string> = {};
    let bytes = 0;
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) refuse(`${where} key ${quote(key)} is forbidden`);
      if (key.length > maxMetadataKeyLength) refuse(`${where} key ${quote(key)} is ${key.length} characters; maxMetadataKeyLength is ${maxMetadataKeyLength}`);
      if (!METADATA_KEY_PATTERN.test(key)) refuse(`${where} key ${quote(key)} must match ${METADATA_KEY_PATTERN}`);
      const value = raw[key];
      if (typeof value !== 'string') refuse(`${where} key ${quote(key)} must have a string value, got ${typeName(value)}`);
      if (value.length > maxMetadataValueLength) {
        refuse(`${where} key ${quote(key)} value is ${value.length} characters; maxMetadataValueLength is ${maxMetadataValueLength}`);
      }
      bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
      if (bytes > maxMetadataBytes) refuse(`${where} exceeds maxMetadataBytes (${maxMetadataBytes}) at key ${quote(key)}`);
      out[key] = value;
    }
    return out;
  }
}
