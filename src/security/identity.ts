import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { PeerIdentity, PeerInfo } from './security.js';

const SPIFFE_SERVICE = /^spiffe:\/\/([a-z0-9.-]{1,253})\/service\/([a-z0-9][a-z0-9.-]{0,62})$/;

/** The URI entries of a `subjectaltname` string; quoted values are JSON strings in Node. */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined || subjectAltName === '') return [];
  const uris: string[] = [];
  const entry = /(?:^|, )URI:("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const match of subjectAltName.matchAll(entry)) {
    const raw = match[1] ?? '';
    uris.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return uris;
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

function hasCertificate(cert: PeerCertificate | undefined): cert is PeerCertificate {
  return cert !== undefined && cert !== null && Object.keys(cert).length > 0;
}

/**
 * What a server knows about the peer of a TLS socket. A peer counts as authorized only
 * when the chain verified *and* it sent a certificate (shared case B16: an anonymous
 * client leaves no verification error behind).
 */
export function peerInfoFromSocket(socket: TLSSocket, trustDomain: string): PeerInfo {
  const remoteAddress = socket.remoteAddress ?? 'unknown';
  const cert = socket.getPeerCertificate();
  const authorized = socket.authorized === true && hasCertificate(cert);
  if (!authorized) return Object.freeze({ authorized: false, remoteAddress });
  const identity = identityFromSubjectAltName(cert.subjectaltname, trustDomain);
  return Object.freeze(identity === undefined ? { authorized, remoteAddress } : { authorized, remoteAddress, identity });
}
