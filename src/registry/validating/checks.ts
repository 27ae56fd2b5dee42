/**
 * The optional checks of the ValidatingRegistry, each a `RegistrationCheck` switched on by
 * adding it to `RegistryPolicy.checks`: signed tokens with replay protection, source
 * address allowlist, identity binding and required metadata.
 */
import { BlockList, isIP } from 'node:net';
import { REGISTRATION_TOKEN_KEY, type ServiceNode, type ServiceRecord } from '../registry.js';
import type { RegistrationCheck, RegistrationWrite } from './policy.js';
import { loadKeySet, parseRegistrationToken, REGISTRATION_TOKEN_ALGORITHM, verifySignature, type ParsedToken, type RegistrationKeySet } from './registration-token.js';
import { MemoryReplayCache, type ReplayCache } from './replay-cache.js';

/** Options of `signedRegistrationCheck`. */
export interface SignedRegistrationOptions {
  /** Public keys by key id, each bound to the service names it may sign for. */
  readonly keys: RegistrationKeySet;
  /** Where nonces are kept; use the shared backend's (RedisRegistry, NATSRegistry) with several replicas. */
  readonly replayCache?: ReplayCache;
  /** Longest `exp - iat` accepted. Default 10 minutes. */
  readonly maxLifetimeMs?: number;
  /** Clock difference tolerated on `iat` and `exp`; at most 30 s. Default 5 s. */
  readonly clockSkewMs?: number;
  readonly now?: () => number;
}

/** The most clock skew a policy may tolerate (B27). */
export const MAX_CLOCK_SKEW_MS = 30_000;

/**
 * How long the nonce of a token expiring at `exp` must be kept, seen at `at`: until `exp`
 * plus the skew this replica tolerates, plus one more skew for a replica whose clock is behind.
 */
export function nonceTtlMs(exp: number, at: number, skewMs: number): number {
  return exp + 2 * skewMs - at;
}

/** The longest a replay cache may be asked to keep one nonce under these limits (size a NATS nonce bucket with it). */
export function longestNonceTtlMs(maxLifetimeMs: number, skewMs: number): number {
  // iat may be one skew ahead, so exp reaches at + skew + maxLifetime.
  return maxLifetimeMs + 3 * skewMs;
}

/**
 * Every node must carry a token signed by a key of the set bound to the record's name, with
 * `exp` and `iat`, a bounded lifetime and an unused nonce (B25, B27, B28). On read the same
 * rules but the nonce apply again, so a record forged straight into the store is dropped.
 */
export function signedRegistrationCheck(options: SignedRegistrationOptions): RegistrationCheck {
  const keys = loadKeySet(options.keys);
  const maxLifetimeMs = options.maxLifetimeMs ?? 600_000;
  const skewMs = options.clockSkewMs ?? 5_000;
  if (!Number.isSafeInteger(skewMs) || skewMs < 0 || skewMs > MAX_CLOCK_SKEW_MS) throw new RangeError(`clockSkewMs must be an integer from 0 to ${MAX_CLOCK_SKEW_MS}`);
  if (!Number.isSafeInteger(maxLifetimeMs) || maxLifetimeMs <= 0) throw new RangeError('maxLifetimeMs must be a positive integer');
  const replayCache = options.replayCache ?? new MemoryReplayCache();
  const now = options.now ?? Date.now;

  // Write and read judge alike: a record in the store is trusted only if it could be written now.
  const judge = (record: ServiceRecord, node: ServiceNode, at: number): ParsedToken | string => {
    const text = node.metadata[REGISTRATION_TOKEN_KEY];
    if (text === undefined) return `TokenMissing: node ${node.id} carries no registration token`;
    const token = parseRegistrationToken(text);
    if (typeof token === 'string') return `TokenMalformed: ${token}`;
    if (token.alg !== REGISTRATION_TOKEN_ALGORITHM) return `TokenAlgorithm: only ${REGISTRATION_TOKEN_ALGORITHM} is accepted`;
    const trusted = keys.get(token.kid);
    if (trusted === undefined) return 'TokenUnknownKey: the key id is not in the key set';
    if (!verifySignature(record, node, trusted.key, token)) return 'TokenSignature: the signature does not match the record';
    // A service holding its own key must not be able to sign for another (F1).
    if (!trusted.mayName(record.name)) return `TokenKeyNotBound: key ${token.kid} may not sign for ${JSON.stringify(record.name)}`;
    if (token.exp === undefined || token.iat === undefined) return `TokenMissingClaim: ${token.exp === undefined ? 'exp' : 'iat'} is required`;
    if (token.exp <= at - skewMs) return 'TokenExpired: the token has expired';
    if (token.exp - token.iat > maxLifetimeMs) return `TokenLifetimeTooLong: exp - iat exceeds ${maxLifetimeMs} ms`;
    if (token.iat > at + skewMs) return 'TokenNotYetValid: iat is in the future';
    return token;
  };

  return {
    name: 'signed-registration',
    async onWrite(write: RegistrationWrite) {
      const at = now();
      const tokens: ParsedToken[] = [];
      for (const node of write.record.nodes) {
        const verdict = judge(write.record, node, at);
        if (typeof verdict === 'string') return verdict;
        tokens.push(verdict);
      }
      for (const token of tokens) {
        // Kept until every replica, its clock up to one skew apart from ours, refuses the token as expired.
        const ttlMs = nonceTtlMs(token.exp as number, at, skewMs);
        if (!(await replayCache.claim(`${token.kid}.${token.nonce}`, ttlMs))) return 'ReplayDetected: the token was used before';
      }
      return undefined;
    },
    onRead(record: ServiceRecord) {
      const at = now();
      for (const node of record.nodes) {
        const verdict = judge(record, node, at);
        if (typeof verdict === 'string') return verdict;
      }
      return undefined;
    },
  };
}

/** The registrant's certificate identity must be the service's name (B25). */
export function identityBindingCheck(): RegistrationCheck {
  return {
    name: 'identity-binding',
    onWrite(write) {
      const identity = write.options?.identity;
      if (identity === undefined) return 'IdentityMissing: the registrant has no verified identity';
      if (identity !== write.record.name) return `IdentityMismatch: identity ${JSON.stringify(identity)} may not ${write.action} ${JSON.stringify(write.record.name)}`;
      return undefined;
    },
  };
}

function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}

/** Parses CIDR entries (`10.0.0.0/8`, `fd00::/8`, or a single address) into a block list. */
export function cidrBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefixText] = cidr.split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
    if (family === 0 || !/^\d{0,3}$/.test(prefixText ?? '') || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new RangeError(`'${cidr.slice(0, 60)}' is not a CIDR block`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** `true` when `address` is an IP inside `list`; an IPv4-mapped IPv6 address counts as IPv4. */
export function inBlockList(list: BlockList, address: string): boolean {
  const plain = unmapped(address);
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The address the registrant spoke from, and every node address it registers, must be
 * an IP inside one of `cidrs`; a hostname could point anywhere, so it is refused (B25).
 */
export function sourceAddressCheck(cidrs: readonly string[]): RegistrationCheck {
  const list = cidrBlockList(cidrs);
  return {
    name: 'source-address',
    onWrite(write) {
      const source = write.options?.sourceAddress;
      if (source === undefined) return 'SourceMissing: the registrant address is unknown';
      if (!inBlockList(list, source)) return `SourceNotAllowed: ${source} is outside the allowed networks`;
      if (write.action === 'deregister') return undefined;
      const outside = write.record.nodes.find((node) => !inBlockList(list, node.host));
      return outside === undefined ? undefined : `AddressNotAllowed: node ${outside.id} address is outside the allowed networks`;
    },
  };
}

/** Record metadata keys that must be present, each with its allowed values (`[]` allows any value). */
export type RequiredMetadata = Readonly<Record<string, readonly string[]>>;

/** The record's metadata must hold each required key with an allowed value, on write and on read. */
export function requiredMetadataCheck(required: RequiredMetadata): RegistrationCheck {
  const check = (record: ServiceRecord): string | undefined => {
    for (const [key, allowed] of Object.entries(required)) {
      const value = Object.hasOwn(record.metadata, key) ? record.metadata[key] : undefined;
      if (value === undefined) return `MetadataMissing: metadata key ${JSON.stringify(key)} is required`;
      if (allowed.length > 0 && !allowed.includes(value)) return `MetadataNotAllowed: metadata ${JSON.stringify(key)} must be one of ${JSON.stringify(allowed)}`;
    }
    return undefined;
  };
  return { name: 'required-metadata', onWrite: (write) => check(write.record), onRead: check };
}
