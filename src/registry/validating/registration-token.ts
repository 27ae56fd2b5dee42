/**
 * Signed registration tokens: Ed25519 over a canonical form of one node's record (name,
 * version, metadata, endpoints, the node's id, address and metadata) plus the algorithm,
 * key id, issue time, expiry and a nonce. A node carries its token in its metadata under
 * `REGISTRATION_TOKEN_KEY`, so the token travels with the record into any store and every
 * reader can check it again.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { REGISTRATION_TOKEN_KEY, type RegistrationSigner, type ServiceNode, type ServiceRecord } from '../registry.js';
import { allowlistMatcher, SERVICE_ALLOW_PATTERN } from './policy.js';

/** The one algorithm accepted; a token naming any other is refused (B27 f). */
export const REGISTRATION_TOKEN_ALGORITHM = 'EdDSA';
const VERSION = 'v1';
const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const SIGNATURE_BYTES = 64;

/** A registration signing key, its id and the services it may sign for, as `createRegistrationKeys()` returns it (PEM). */
export interface RegistrationKeyPair {
  readonly kid: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly services: readonly string[];
}

/** One trusted public key and the service names (exact, or a prefix ending in `*`) its tokens may name. */
export interface RegistrationKeyEntry {
  readonly publicKey: string | KeyObject;
  readonly services: readonly string[];
}

/** The public keys a verifier trusts, by key id; keep the old id during a rotation. */
export type RegistrationKeySet = Readonly<Record<string, RegistrationKeyEntry>>;

/** A loaded key set entry: the public key and a test of the service names it is bound to. */
export interface TrustedKey {
  readonly key: KeyObject;
  readonly mayName: (service: string) => boolean;
}

/** The claims of a token; tests craft bad ones, the signer always sets all of them. */
export interface TokenClaims {
  readonly alg: string;
  readonly kid: string;
  readonly iat?: number;
  readonly exp?: number;
  readonly nonce: string;
}

/** A parsed token, before its signature and claims are judged. */
export interface ParsedToken extends TokenClaims {
  readonly signature: Buffer;
}

/** Makes a fresh Ed25519 key pair for registration tokens, bound to `services` (exact names or `prefix-*`). */
export function createRegistrationKeys(kid = `k${randomBytes(6).toString('hex')}`, services: readonly string[] = []): RegistrationKeyPair {
  if (!KID_PATTERN.test(kid)) throw new RangeError(`registration key id must match ${KID_PATTERN}`);
  serviceBinding(kid, services);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kid,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    services: Object.freeze([...services]),
  };
}

/** The key set entry of `pair`: what a verifier needs of it, never its private key. */
export function trustedKeyEntry(pair: RegistrationKeyPair): RegistrationKeySet {
  return { [pair.kid]: { publicKey: pair.publicKey, services: pair.services } };
}

/** A fresh random nonce: 128 bits, base64url. */
export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

function sortedEntries(map: Readonly<Record<string, string>>, skip?: string): [string, string][] {
  return Object.keys(map)
    .filter((key) => key !== skip)
    .sort()
    .map((key) => [key, map[key] as string]);
}

/** The exact bytes a token signs: the claims and the record as seen from `node`. */
export function canonicalForm(record: ServiceRecord, node: ServiceNode, claims: TokenClaims): Buffer {
  const endpoints = [...record.endpoints].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e) => (e.idempotent === true ? [e.name, e.request, e.codec, true] : [e.name, e.request, e.codec]));
  return Buffer.from(
    JSON.stringify([
      `bastion-registration-${VERSION}`,
      claims.alg,
      claims.kid,
      claims.iat ?? null,
      claims.exp ?? null,
      claims.nonce,
      record.name,
      record.version,
      sortedEntries(record.metadata),
      endpoints,
      [node.id, node.host, node.port, sortedEntries(node.metadata, REGISTRATION_TOKEN_KEY)],
    ]),
  );
}

/** Signs `node` of `record` with `claims`; the token is what goes under `REGISTRATION_TOKEN_KEY`. */
export function signRegistrationToken(record: ServiceRecord, node: ServiceNode, privateKey: string | KeyObject, claims: TokenClaims): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const signature = sign(null, canonicalForm(record, node, claims), key).toString('base64url');
  return [VERSION, claims.alg, claims.kid, claims.iat ?? '', claims.exp ?? '', claims.nonce, signature].join('.');
}

// One spelling per value: no leading zeros, nothing above 2^53 - 1.
function optionalInteger(text: string): number | undefined | null {
  if (text === '') return undefined;
  if (!/^(?:0|[1-9]\d{0,15})$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

// Base64url without padding whose last character carries no stray bits: one spelling per signature.
function canonicalBase64url(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** Splits a token into claims and signature, or says why it is malformed. */
export function parseRegistrationToken(token: string): ParsedToken | string {
  const parts = token.split('.');
  if (parts.length !== 7 || parts[0] !== VERSION) return 'token is malformed';
  const [, alg, kid, iatText, expText, nonce, signatureText] = parts as [string, string, string, string, string, string, string];
  const iat = optionalInteger(iatText);
  const exp = optionalInteger(expText);
  const signature = canonicalBase64url(signatureText);
  if (iat === null || exp === null || signature === null || !KID_PATTERN.test(kid) || !NONCE_PATTERN.test(nonce)) return 'token is malformed';
  return { alg, kid, iat, exp, nonce, signature };
}

/** `true` when `signature` is `key`'s Ed25519 signature of `node` of `record` under `claims`. */
export function verifySignature(record: ServiceRecord, node: ServiceNode, key: KeyObject, token: ParsedToken): boolean {
  // A wrong length is refused here; crypto.verify would reject it too, but must not be asked to.
  if (token.signature.length !== SIGNATURE_BYTES) return false;
  return verify(null, canonicalForm(record, node, token), key, token.signature);
}

function serviceBinding(kid: string, services: unknown): (service: string) => boolean {
  if (!Array.isArray(services)) throw new RangeError(`registration key '${kid}' must list the services it may sign for`);
  for (const entry of services) {
    if (typeof entry !== 'string' || !SERVICE_ALLOW_PATTERN.test(entry)) {
      throw new RangeError(`registration key '${kid}' services entry '${String(entry).slice(0, 64)}' must be a service name, optionally ending in *`);
    }
  }
  return allowlistMatcher(services as string[]);
}

/**
 * Public keys of a key set, loaded once, each with the services it is bound to. A bare key
 * (the shape before keys were bound to services) is refused: it would sign for every service.
 */
export function loadKeySet(keys: RegistrationKeySet): ReadonlyMap<string, TrustedKey> {
  const out = new Map<string, TrustedKey>();
  for (const [kid, entry] of Object.entries(keys)) {
    if (!KID_PATTERN.test(kid)) throw new RangeError(`registration key id '${kid.slice(0, 40)}' must match ${KID_PATTERN}`);
    if (typeof entry !== 'object' || entry === null || !('publicKey' in entry) || !('services' in entry)) {
      throw new RangeError(`registration key '${kid}' must be { publicKey, services: [...] }: a key is bound to the service names it may sign for (docs/registry.md)`);
    }
    const mayName = serviceBinding(kid, entry.services);
    let loaded: KeyObject;
    try {
      loaded = typeof entry.publicKey === 'string' ? createPublicKey(entry.publicKey) : entry.publicKey;
    } catch {
      throw new RangeError(`registration key '${kid}' is not a PEM public key`);
    }
    if (loaded.asymmetricKeyType !== 'ed25519') throw new RangeError(`registration key '${kid}' must be an Ed25519 public key`);
    out.set(kid, { key: loaded.type === 'private' ? createPublicKey(loaded) : loaded, mayName });
  }
  return out;
}

/** Options of the signer a server registers with. */
export interface RegistrationSignerOptions {
  readonly kid: string;
  readonly privateKey: string | KeyObject;
  /** How long each token is valid; re-registration signs a new one. Default 120 s. */
  readonly lifetimeMs?: number;
  /** The names this key is bound to in the verifiers' key set; when given, other names are refused here, before any store sees them. */
  readonly services?: readonly string[];
  readonly now?: () => number;
}

/** The signer a server uses: every call signs every node with a fresh nonce and fresh times. */
export class RegistrationTokenSigner implements RegistrationSigner {
  private readonly key: KeyObject;
  private readonly lifetimeMs: number;
  private readonly now: () => number;
  private readonly mayName: ((service: string) => boolean) | undefined;

  constructor(private readonly options: RegistrationSignerOptions) {
    this.key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
    if (this.key.asymmetricKeyType !== 'ed25519') throw new RangeError('the registration key must be an Ed25519 private key');
    if (!KID_PATTERN.test(options.kid)) throw new RangeError(`registration key id must match ${KID_PATTERN}`);
    this.lifetimeMs = options.lifetimeMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.mayName = options.services === undefined ? undefined : serviceBinding(options.kid, options.services);
  }

  /** Throws a RangeError unless `services` lies in this key's `services` binding (when one was given); returns the signer. */
  forServices(services: readonly string[]): this {
    const outside = this.mayName === undefined ? undefined : services.find((name) => !(this.mayName as (service: string) => boolean)(name));
    if (outside !== undefined) throw new RangeError(`registration key '${this.options.kid}' is not bound to service '${outside.slice(0, 64)}'`);
    return this;
  }

  sign(record: ServiceRecord): ServiceRecord {
    this.forServices([record.name]);
    const iat = this.now();
    const nodes = record.nodes.map((node) => {
      const claims: TokenClaims = { alg: REGISTRATION_TOKEN_ALGORITHM, kid: this.options.kid, iat, exp: iat + this.lifetimeMs, nonce: newNonce() };
      const token = signRegistrationToken(record, node, this.key, claims);
      return { ...node, metadata: { ...node.metadata, [REGISTRATION_TOKEN_KEY]: token } };
    });
    return { ...record, nodes };
  }
}
