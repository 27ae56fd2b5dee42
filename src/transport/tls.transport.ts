import 'reflect-metadata';
import type { Socket } from 'node:net';
import { connect, createServer, type PeerCertificate, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { inject, injectable } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import { SECURITY_EVENTS, handshakeRefusedReason, type Logger } from '../logging/logger.js';
import { identityFromCertificate, peerInfoFromSocket, presentedCertificate } from '../security/identity.js';
import {
  DEFAULT_CIPHERS,
  fixedCertificateSource,
  MAX_TLS_VERSION,
  MIN_TLS_VERSION,
  type CertificateSource,
  type PeerInfo,
  type TLSMaterial,
} from '../security/security.js';
import { TLSClientConnection } from './tls.client-connection.js';
import { TLSListener } from './tls.listener.js';
import type { CallHandler, ClientConnection, DialTarget, Listener, Transport, TransportOptions } from './transport.js';

function connectionFailed(target: DialTarget, error: NodeJS.ErrnoException): BastionError {
  // Only the error code travels on: it names the TLS or socket failure and nothing else.
  const code = error.code ?? 'unknown';
  return new BastionError('BST_ERR_CLIENT_CONNECTION', `The connection to ${target.host}:${target.port} failed (${code})`, {}, { cause: error });
}

function identityMismatch(target: DialTarget, found: string | undefined): BastionError {
  const proven = found === undefined ? 'no service identity' : `the identity '${found}'`;
  return new BastionError(
    'BST_ERR_SECURITY_SERVER_IDENTITY',
    `The server at ${target.host}:${target.port} proved ${proven}, not '${target.expectedService}'`,
  );
}

/** The context options both sides build from the material: explicit versions, ciphers and CRLs. */
function secureContextOptions(material: TLSMaterial): SecureContextOptions {
  const crl = material.crl !== undefined && material.crl.length > 0 ? [...material.crl] : undefined;
  return {
    ca: material.ca,
    cert: material.cert,
    key: material.key,
    ...(crl === undefined ? {} : { crl }),
    ciphers: material.ciphers ?? DEFAULT_CIPHERS,
    // Explicit, so a process-wide tls.DEFAULT_MIN_VERSION lowered by a flag or a library does not apply (B18).
    minVersion: MIN_TLS_VERSION,
    maxVersion: MAX_TLS_VERSION,
  };
}

function isSource(tls: CertificateSource | TLSMaterial): tls is CertificateSource {
  return typeof (tls as Partial<CertificateSource>).current === 'function';
}

/**
 * TLSTransport carries framed calls over mutual TLS (docs/wire-protocol.md). Both sides
 * present certificates from one trust domain; the server learns the caller's identity from
 * its certificate and the client checks the server proves the service it meant to call.
 * The material comes from a CertificateSource: when it changes, the listening server
 * switches context and new dials use it, while open connections carry on.
 */
@injectable()
export class TLSTransport implements Transport {
  readonly name = 'tls';
  private readonly source: CertificateSource;

  constructor(
    @inject(TOKENS.CertificateSource) tls: CertificateSource | TLSMaterial,
    @inject(TOKENS.TransportOptions) private readonly options: TransportOptions,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.source = isSource(tls) ? tls : fixedCertificateSource(tls);
  }

  /** Listens for mTLS connections on `address` (port 0 picks a free port) and serves calls with `handler`. */
  async listen(address: { host: string; port: number }, handler: CallHandler): Promise<Listener> {
    const initial = this.source.current();
    const clientAuth = initial.clientAuth ?? 'require';
    const server = createServer({
      ...secureContextOptions(initial),
      honorCipherOrder: true,
      requestCert: true,
      // Node can only let a certificate-less client finish the handshake with verification
      // off, so 'request' mode turns it off and admit() below verifies every connection by
      // itself before serving it. The default, 'require', keeps it on.
      rejectUnauthorized: clientAuth === 'require',
      handshakeTimeout: this.options.handshakeTimeoutMs,
    });
    const detach = this.source.onChange((material) => {
      server.setSecureContext({ ...secureContextOptions(material), honorCipherOrder: true });
      this.logger.info('transport_tls_context_updated', { identity: material.identity.uri });
    });
    const admission = { readyEvent: 'secureConnection' as const, peerOf: (socket: Socket) => this.admit(socket as TLSSocket), detach };
    try {
      return await new TLSListener(server, handler, admission, this.options, this.logger).bind(address);
    } catch (error) {
      detach();
      throw error;
    }
  }

  /** Connects to `target` with the current material and resolves once the server proved `target.expectedService`. */
  dial(target: DialTarget): Promise<ClientConnection> {
    const material = this.source.current();
    return new Promise((resolve, reject) => {
      let settled = false;
      let identityError: BastionError | undefined;
      const socket = connect({
        host: target.host,
        port: target.port,
        ...secureContextOptions(material),
        rejectUnauthorized: true,
        // SPIFFE mTLS replaces the hostname check with an identity check: the chain already
        // verified, and now the certificate must name the service we meant to call, so a
        // poisoned registry pointing at another valid service's node fails here.
        checkServerIdentity: (_host: string, peer: PeerCertificate) => {
          const found = identityFromCertificate(peer, material.trustDomain, material.identityOptions);
          if (found?.name === target.expectedService) return undefined;
          identityError = identityMismatch(target, found?.name);
          return identityError;
        },
      });
      const fail = (error: NodeJS.ErrnoException): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        this.refusedServer(target, identityError?.id ?? error.code);
        reject(identityError ?? connectionFailed(target, error));
      };
      const timer = setTimeout(() => {
        fail(Object.assign(new Error('TLS handshake timed out'), { code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }));
      }, this.options.handshakeTimeoutMs);
      timer.unref();
      const closedEarly = (): void => fail(Object.assign(new Error('closed during the handshake'), { code: 'ECONNRESET' }));
      socket.once('error', fail);
      socket.once('close', closedEarly);
      socket.once('secureConnect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener('error', fail);
        socket.removeListener('close', closedEarly);
        this.logger.debug('transport_dialed', { host: target.host, port: target.port, service: target.expectedService });
        resolve(new TLSClientConnection(socket, this.options));
      });
    });
  }

  /** Logs a server certificate this client refused (not a refused or reset TCP connection, which is no security event). */
  private refusedServer(target: DialTarget, code: string | undefined): void {
    const reason = handshakeRefusedReason(code);
    if (code === undefined || reason === 'other' || reason === 'aborted' || reason === 'timeout') return;
    this.logger.warn(SECURITY_EVENTS.handshakeRefused, { side: 'client', reason, code, service: target.expectedService, host: target.host, port: target.port });
  }

  /**
   * Decides whether a handshaken connection is served. A certificate that was presented
   * and failed verification is never served, in either mode; an anonymous caller is served
   * only in 'request' mode, as an unauthorized peer that `@RequireMutualTLS` answers 401 (B16).
   */
  private admit(socket: TLSSocket): PeerInfo | undefined {
    // Client-initiated renegotiation is a CPU denial of service and Bastion never needs it (B19).
    socket.disableRenegotiation();
    const material = this.source.current();
    if (socket.authorized !== true && (presentedCertificate(socket) || (material.clientAuth ?? 'require') === 'require')) {
      const code = String(socket.authorizationError ?? 'no certificate');
      this.logger.debug('transport_peer_refused', { remoteAddress: socket.remoteAddress, reason: code });
      this.logger.warn(SECURITY_EVENTS.handshakeRefused, { side: 'server', reason: handshakeRefusedReason(code), code, remoteAddress: socket.remoteAddress });
      return undefined;
    }
    return peerInfoFromSocket(socket, material.trustDomain, material.identityOptions);
  }
}
