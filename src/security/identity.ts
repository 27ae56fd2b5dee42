import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { IdentityOptions, PeerIdentity, PeerInfo } from './security.js';

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const SPIFFE_SERVICE = /^spiffe:\/\/([a-z0-9.-]{1,253})\/service\/([a-z0-9][a-z0-9.-]{0,62})$/;

function sansOfType(subjectAltName: string | undefined, type: 'URI' | 'DNS'): string[] {
  if (subjectAltName === undefined || subjectAltName === '') return [];
  const values: string[] = [];
  const entry = new RegExp(`(?:^|, )${type}:("(?:[^"\\\\]|\\\\.)*"|[^,]*)`, 'g');
  for (const match of subjectAltName.matchAll(entry)) {
    const raw = match[1] ?? '';
    values.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return values;
}

/** The URI entries of a `subjectaltname` string; quoted values are JSON strings in Node. */
export function uriSans(subjectAltName: string | undefined): string[] {
  return sansOfType(subjectAltName, 'URI');
}

/**
 * The identity a certificate proves: its single SPIFFE URI SAN in `trustDomain`.
 * Several URI SANs, another trust domain or a malformed URI prove nothing.
 */
export function identityFromSubjectAltName(subjectAltName: string | undefined, trustDomain: string): PeerIdentity | undefined {
  const uris = uriSans(subjectAltName);
  if (uris.length !== 1) return undefined;
  const uri = uris[0] as string;
  const match = SPIFFE_SERVICE.exec(uri);
  if (match === null || match[1] !== trustDomain) return undefined;
  return Object.freeze({ name: match[2] as string, trustDomain, uri });
}

/** The parts of a certificate an identity is read from, as Node's `getPeerCertificate()` gives them. */
export interface CertificateNames {
  readonly subjectaltname?: string | undefined;
  readonly subject?: { readonly CN?: string | string[] | undefined } | undefined;
}

function namedIdentity(name: string | undefined, trustDomain: string, scheme: 'dns' | 'cn'): PeerIdentity | undefined {
  if (name === undefined || !DNS_NAME.test(name)) return undefined;
  return Object.freeze({ name, trustDomain, uri: `${scheme}:${name}` });
}

/**
 * The identity a verified certificate proves: its SPIFFE URI SAN first; only when it has
 * none, the first DNS SAN and then the common name, each when `options` enables it. A
 * SPIFFE URI of another trust domain refuses the certificate outright, with no fallback.
 */
export function identityFromCertificate(cert: CertificateNames, trustDomain: string, options: IdentityOptions = {}): PeerIdentity | undefined {
  if (uriSans(cert.subjectaltname).some((uri) => uri.startsWith('spiffe:'))) {
    return identityFromSubjectAltName(cert.subjectaltname, trustDomain);
  }
  if (options.dnsSan === true) {
    const dns = namedIdentity(sansOfType(cert.subjectaltname, 'DNS')[0], trustDomain, 'dns');
    if (dns !== undefined) return dns;
  }
  const cn = cert.subject?.CN;
  return options.commonName === true && typeof cn === 'string' ? namedIdentity(cn, trustDomain, 'cn') : undefined;
}

/** True when the peer of `socket` sent a certificate at all, whether or not it verified. */
export function presentedCertificate(socket: TLSSocket): boolean {
  const cert = socket.getPeerCertificate() as PeerCertificate | undefined;
  return cert !== undefined && cert !== null && Object.keys(cert).length > 0;
}

/**
 * What a server knows about the peer of a TLS socket. A peer counts as authorized only
 * when the chain verified *and* it sent a certificate (shared case B16: an anonymous
 * client leaves no verification error behind).
 */
export function peerInfoFromSocket(socket: TLSSocket, trustDomain: string, options: IdentityOptions = {}): PeerInfo {
  const remoteAddress = socket.remoteAddress ?? 'unknown';
  const authorized = socket.authorized === true && presentedCertificate(socket);
  if (!authorized) return Object.freeze({ authorized: false, remoteAddress });
  const cert = socket.getPeerCertificate();
  const identity = identityFromCertificate(cert, trustDomain, options);
  const certificate = Object.freeze({
    subject: Object.entries(cert.subject ?? {}).map(([key, value]) => `${key}=${String(value)}`).join(', '),
    subjectAltName: cert.subjectaltname ?? '',
    serialNumber: cert.serialNumber,
    validTo: cert.valid_to,
    fingerprint256: cert.fingerprint256,
  });
  return Object.freeze(identity === undefined ? { authorized, remoteAddress, certificate } : { authorized, remoteAddress, identity, certificate });
}
