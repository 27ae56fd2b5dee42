import 'reflect-metadata';
import { connect, createServer, type PeerCertificate } from 'node:tls';
import { inject, injectable } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import type { Logger } from '../logging/logger.js';
import { identityFromSubjectAltName } from '../security/identity.js';
import { MIN_TLS_VERSION, type TLSMaterial } from '../security/security.js';
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

/**
 * TLSTransport carries framed calls over mutual TLS (docs/wire-protocol.md). Both sides
 * present certificates from one trust domain; the server learns the caller's identity from
 * its certificate and the client checks the server proves the service it meant to call.
 */
@injectable()
export class TLSTransport implements Transport {
  readonly name = 'tls';

  constructor(
    @inject(TOKENS.TLSMaterial) private readonly material: TLSMaterial,
    @inject(TOKENS.TransportOptions) private readonly options: TransportOptions,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Listens for mTLS connections on `address` (port 0 picks a free port) and serves calls with `handler`. */
  async listen(address: { host: string; port: number }, handler: CallHandler): Promise<Listener> {
    const { ca, cert, key, trustDomain } = this.material;
    const server = createServer({
      ca,
      cert,
      key,
      requestCert: true,
      rejectUnauthorized: true,
      // Explicit, so a process-wide tls.DEFAULT_MIN_VERSION lowered by a flag or a library does not apply (B18).
      minVersion: MIN_TLS_VERSION,
      handshakeTimeout: this.options.handshakeTimeoutMs,
    });
    return new TLSListener(server, handler, trustDomain, this.options, this.logger).bind(address);
  }

  /** Connects to `target` and resolves once the server proved `target.expectedService`. */
  dial(target: DialTarget): Promise<ClientConnection> {
    const { ca, cert, key, trustDomain } = this.material;
    return new Promise((resolve, reject) => {
      let settled = false;
      let identityError: BastionError | undefined;
      const socket = connect({
        host: target.host,
        port: target.port,
        ca,
        cert,
        key,
        rejectUnauthorized: true,
        minVersion: MIN_TLS_VERSION,
        // SPIFFE mTLS replaces the hostname check with an identity check: the chain already
        // verified, and now the certificate must name the service we meant to call, so a
        // poisoned registry pointing at another valid service's node fails here.
        checkServerIdentity: (_host: string, peer: PeerCertificate) => {
          const found = identityFromSubjectAltName(peer.subjectaltname, trustDomain);
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
}
