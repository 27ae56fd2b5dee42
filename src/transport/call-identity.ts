import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import type { PeerIdentity } from '../security/security.js';
import type { RequestHeader } from './transport.js';

/** How a caller without a client certificate proves who it is: an Ed25519 key per identity. */
export interface CallIdentityOptions {
  /** This app's identity (a service name) and the private key it signs its calls with (PEM). */
  readonly self?: { readonly name: string; readonly privateKeyPem: string };
  /** Identities whose signed calls a server accepts, each with its public key (PEM). */
  readonly trusted?: Readonly<Record<string, string>>;
  /** The trust domain identities are reported in. */
  readonly trustDomain?: string;
  /** How far a call's timestamp may be from the server's clock; default 30 s. */
  readonly maxSkewMs?: number;
}

const NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

/** What is signed: the identity, time, nonce, the call's service, endpoint, content type and a hash of the body. */
function canonical(name: string, at: number, nonce: string, header: RequestHeader, body: Uint8Array): Buffer {
  const digest = createHash('sha256').update(body).digest('base64url');
  return Buffer.from(JSON.stringify(['bastion-call-v1', name, at, nonce, header.service, header.endpoint, header.contentType, digest]));
}

/**
 * CallSigner signs each outgoing call with the app's identity key; the token travels in a
 * message header (`<name>.<ms>.<nonce>.<signature>`), never in the call metadata.
 */
export class CallSigner {
  private readonly key: KeyObject;

  constructor(private readonly self: { readonly name: string; readonly privateKeyPem: string }) {
    if (!NAME.test(self.name)) throw new RangeError('call identity name must be a service name');
    this.key = createPrivateKey(self.privateKeyPem);
    if (this.key.asymmetricKeyType !== 'ed25519') throw new RangeError('the call identity key must be an Ed25519 private key');
  }

  /** The identity token of one call. */
  token(header: RequestHeader, body: Uint8Array, now = Date.now()): string {
    const nonce = randomBytes(16).toString('base64url');
    const signature = sign(null, canonical(this.self.name, now, nonce, header, body), this.key).toString('base64url');
    return `${this.self.name}.${now}.${nonce}.${signature}`;
  }
}

/**
 * CallVerifier checks identity tokens: a trusted name, a valid Ed25519 signature over this
 * very call (service, endpoint, content type, body), a timestamp within `maxSkewMs`, and a
 * nonce not seen before (kept for twice the skew, bounded). Anything else is anonymous.
 */
export class CallVerifier {
  private readonly keys = new Map<string, KeyObject>();
  private readonly seen = new Map<string, number>();
  private readonly maxSkewMs: number;
  private readonly trustDomain: string;

  constructor(options: CallIdentityOptions, private readonly maxNonces = 100_000) {
    for (const [name, pem] of Object.entries(options.trusted ?? {})) {
      const key = createPublicKey(pem);
      if (!NAME.test(name) || key.asymmetricKeyType !== 'ed25519') throw new RangeError(`trusted call identity '${name.slice(0, 64)}' needs a service name and an Ed25519 public key`);
      this.keys.set(name, key);
    }
    this.maxSkewMs = options.maxSkewMs ?? 30_000;
    this.trustDomain = options.trustDomain ?? 'bastion.local';
  }

  /** The identity a token proves for this call, or `undefined` (forged, replayed, stale, unknown). */
  verify(token: string | undefined, header: RequestHeader, body: Uint8Array, now = Date.now()): PeerIdentity | undefined {
    if (token === undefined || token.length > 300) return undefined;
    // A name may hold dots, so the three fixed parts are read from the end.
    const parts = token.split('.');
    if (parts.length < 4) return undefined;
    const [atText, nonce, signature] = parts.slice(-3) as [string, string, string];
    return this.verifyParts(parts.slice(0, -3).join('.'), atText, nonce, signature, header, body, now);
  }

  private verifyParts(name: string, atText: string, nonce: string, signature: string, header: RequestHeader, body: Uint8Array, now: number): PeerIdentity | undefined {
    const key = this.keys.get(name);
    const at = Number(atText);
    if (key === undefined || !/^\d{1,15}$/.test(atText) || !NONCE.test(nonce) || !SIGNATURE.test(signature)) return undefined;
    if (Math.abs(now - at) > this.maxSkewMs) return undefined;
    if (!verify(null, canonical(name, at, nonce, header, body), key, Buffer.from(signature, 'base64url'))) return undefined;
    this.forget(now);
    if (this.seen.has(nonce) || this.seen.size >= this.maxNonces) return undefined;
    this.seen.set(nonce, now + 2 * this.maxSkewMs);
    return Object.freeze({ name, trustDomain: this.trustDomain, uri: `signed:${name}` });
  }

  private forget(now: number): void {
    for (const [nonce, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(nonce);
    }
  }
}
