// Helpers shared by the TLS transport tests: material from a test PKI, raw attacker
// sockets and small waits with generous bounds.
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { FrameDecoder, encodeFrame, type Frame } from '../../src/transport/framing.js';
import { ConsoleLogger } from '../../src/logging/logger.js';
import { spiffeId, type KeyPairPem } from '../../src/security/dev-pki.js';
import { identityFromSubjectAltName } from '../../src/security/identity.js';
import type { TLSMaterial } from '../../src/security/security.js';
import type { CallHandler, InboundCall, Reply, RequestHeader } from '../../src/transport/transport.js';

/** A logger that drops every record. */
export const silentLogger = new ConsoleLogger('silent');

/** Builds TLS material by hand, for certificates `loadTLSMaterial` would rightly refuse (expired, foreign). */
export function rawMaterial(caPem: string, pair: KeyPairPem, trustDomain: string): TLSMaterial {
  const san = new X509Certificate(pair.certPem).subjectAltName;
  const identity = identityFromSubjectAltName(san, trustDomain) ?? { name: 'none', trustDomain, uri: '' };
  return { ca: caPem, cert: pair.certPem, key: pair.keyPem, trustDomain, identity };
}

/** A self-signed leaf that claims `service` (a rogue node): usable for TLS, trusted by nobody. */
export async function selfSignedServiceCertificate(service: string, trustDomain: string): Promise<KeyPairPem> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${service}`,
    keys,
    signingAlgorithm: algorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 60 * 60 * 1000),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId(trustDomain, service) }], false),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

/** A request header for `endpoint` of `service`. */
export function header(endpoint = 'Greeter.hello', service = 'greeter'): RequestHeader {
  return { service, endpoint, contentType: 'application/octet-stream', metadata: {}, timeoutMs: 0 };
}

/** A handler that echoes the body and records every call it sees. */
export function echoHandler(): CallHandler & { calls: InboundCall[] } {
  const calls: InboundCall[] = [];
  const handler = async (call: InboundCall): Promise<Reply> => {
    calls.push(call);
    return { kind: 'response', contentType: call.header.contentType, body: call.body };
  };
  return Object.assign(handler, { calls });
}

/** Waits for `socket` to close; fails the test if it is still open after `withinMs`. */
export function closedWithin(socket: Socket, withinMs: number): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still open after ${withinMs} ms`)), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Opens a raw TLS socket; resolves when secure, rejects with the handshake error. */
export function rawTls(port: number, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, checkServerIdentity: () => undefined, ...options });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Opens a raw TCP socket to a TLS port, for peers that never finish (or start) the handshake. */
export function rawTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects the frames a raw socket receives until it closes. */
export function framesUntilClose(socket: Socket, maxFrameBytes = 1 << 20): Promise<{ frames: Frame[]; error?: unknown }> {
  const decoder = new FrameDecoder(maxFrameBytes);
  const frames: Frame[] = [];
  let error: unknown;
  socket.on('data', (chunk: Buffer) => decoder.push(chunk, (frame) => frames.push(frame)));
  socket.on('error', (e) => (error = e));
  return new Promise((resolve) => socket.once('close', () => resolve({ frames, error })));
}

/** Sends one request on a raw TLS socket and resolves with the first frame that comes back. */
export function rawCall(socket: TLSSocket, body: Uint8Array): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => decoder.push(chunk, resolve));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before a reply')));
    socket.write(encodeFrame({ kind: 'request', callId: 1, header: header(), body }));
  });
}

/** Asserts a promise rejects with a BastionError of `id` and returns it. */
export async function rejectsWithId(promise: Promise<unknown>, id: string): Promise<{ id: string; detail: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { id?: string; detail?: string };
    assert.equal(e.id, id, `expected ${id}, got ${String(e.id)}: ${String(e.detail ?? error)}`);
    return e as { id: string; detail: string };
  }
  assert.fail(`expected a rejection with ${id}`);
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
