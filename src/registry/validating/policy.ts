/**
 * What the ValidatingRegistry accepts: which service names may register, how large a
 * record may be, and the extra checks that plug in beside the built-in ones.
 */
import type { DeregisterOptions, RegisterOptions, ServiceRecord } from '../registry.js';

/** What an extra check answers: a refusal reason, or `undefined` to let the record through. */
export type CheckOutcome = string | undefined | Promise<string | undefined>;

/** A registration or deregistration on its way to the inner registry, after the built-in checks. */
export interface RegistrationWrite {
  readonly action: 'register' | 'deregister';
  /** A clean, deep-frozen copy of what the caller sent. */
  readonly record: ServiceRecord;
  /** Who asks and from where; only a registration has a ttl. */
  readonly options: (DeregisterOptions & { readonly ttlMs?: RegisterOptions['ttlMs'] }) | undefined;
}

/**
 * An extra check the ValidatingRegistry runs after its own: the seam where signed
 * registration tokens, source-address allowlists and identity binding plug in.
 */
export interface RegistrationCheck {
  readonly name: string;
  /** Runs on every register and deregister; a reason refuses the write. */
  onWrite?(write: RegistrationWrite): CheckOutcome;
  /** Runs on every record read back; a reason drops the record. */
  onRead?(record: ServiceRecord): CheckOutcome;
}

/** Who may register, and the limits every record must keep, on write and on read. */
export interface RegistryPolicy {
  /** Service names that may register: exact names or prefixes ending in `*` (`orders-*`, `*`); empty allows none. */
  readonly allowServices: readonly string[];
  /** Keys in one metadata map (the record's, or one node's). */
  readonly maxMetadataKeys: number;
  readonly maxMetadataKeyLength: number;
  /** Characters in one metadata value. */
  readonly maxMetadataValueLength: number;
  /** UTF-8 bytes of all keys and values of one metadata map. */
  readonly maxMetadataBytes: number;
  readonly maxNodesPerRecord: number;
  readonly maxEndpointsPerRecord: number;
  /** The longest time-to-live a registration may ask for. */
  readonly maxTtlMs: number;
  /** Extra checks, run in order after the built-in ones. */
  readonly checks: readonly RegistrationCheck[];
}

/** Safe defaults: nobody may register until `allowServices` names someone. */
export const DEFAULT_REGISTRY_POLICY: RegistryPolicy = Object.freeze({
  allowServices: Object.freeze([]),
  maxMetadataKeys: 32,
  maxMetadataKeyLength: 64,
  // 255 is the longest DNS TXT string, so a record stays publishable over mDNS (go-micro #79).
  maxMetadataValueLength: 255,
  maxMetadataBytes: 4096,
  maxNodesPerRecord: 16,
  maxEndpointsPerRecord: 256,
  maxTtlMs: 300_000,
  checks: Object.freeze([]),
});

/** An allow entry: a service name, a prefix ending in `*`, or `*` alone. */
export const SERVICE_ALLOW_PATTERN = /^(?:\*|[a-z0-9][a-z0-9.-]{0,62}\*?)$/;
/** A test of names against allow entries (exact names, prefixes ending in `*`), entries assumed checked. */
export function allowlistMatcher(entries: readonly string[]): (name: string) => boolean {
  const exact = new Set(entries.filter((e) => !e.endsWith('*')));
  const prefixes = entries.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1));
  return (name) => exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
}

const LIMITS = [
  'maxMetadataKeys',
  'maxMetadataKeyLength',
  'maxMetadataValueLength',
  'maxMetadataBytes',
  'maxNodesPerRecord',
  'maxEndpointsPerRecord',
  'maxTtlMs',
] as const;

/** Fills in defaults and refuses nonsense values, such as an allow entry that could never match. */
export function resolveRegistryPolicy(partial: Partial<RegistryPolicy> = {}): RegistryPolicy {
  const policy = { ...DEFAULT_REGISTRY_POLICY, ...partial };
  for (const name of LIMITS) {
    if (!Number.isSafeInteger(policy[name]) || policy[name] <= 0) throw new RangeError(`registry policy ${name} must be a positive integer`);
  }
  if (!Array.isArray(policy.allowServices)) throw new RangeError('registry policy allowServices must be an array of names');
  for (const entry of policy.allowServices) {
    if (typeof entry !== 'string' || !SERVICE_ALLOW_PATTERN.test(entry)) {
      throw new RangeError(`registry policy allowServices entry '${String(entry).slice(0, 64)}' must be a service name, optionally ending in *`);
    }
  }
  if (!Array.isArray(policy.checks)) throw new RangeError('registry policy checks must be an array');
  return Object.freeze({ ...policy, allowServices: Object.freeze([...policy.allowServices]), checks: Object.freeze([...policy.checks]) });
}
