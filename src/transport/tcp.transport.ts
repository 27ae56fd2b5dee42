import 'reflect-metadata';
import { connect, createServer, type Socket } from 'node:net';
import { inject, injectable } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import type { Logger } from '../logging/logger.js';
import { TLSClientConnection } from './tls.client-connection.js';
import { TLSListener } from './tls.listener.js';
import type { CallHandler, ClientConnection, DialTarget, Listener, Transport, TransportOptions } from './transport.js';

/**
 * TCPTransport carries the same frames as TLSTransport in clear, for tests and local play
 * only (`insecure: true`; refused in production and in strict mode). Nothing is
 * encrypted and nobody is authenticated: every peer is unauthorized, so endpoints with
 * `@RequireMutualTLS` answer `401`, and the client cannot check who it reached.
 */
@injectable()
export class TCPTransport implements Transport {
  readonly name = 'tcp-insecure';

  constructor(
    @inject(TOKENS.TransportOptions) private readonly options: TransportOptions,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Listens in clear on `address`, logging a warning every time. */
  async listen(address: { host: string; port: number }, handler: CallHandler): Promise<Listener> {
    this.logger.warn('insecure_transport', { detail: 'serving plain TCP: no encryption, no peer authentication (insecure: true)' });
    const admission = {
      readyEvent: 'connection' as const,
      peerOf: (socket: Socket) => Object.freeze({ authorized: false, remoteAddress: socket.remoteAddress ?? 'unknown' }),
    };
    return new TLSListener(createServer(), handler, admission, this.options, this.logger).bind(address);
  }

  /** Connects in clear; the server's identity is not, and cannot be, checked. */
  dial(target: DialTarget): Promise<ClientConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })), this.options.handshakeTimeoutMs);
      timer.unref();
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new BastionError('BST_ERR_CLIENT_CONNECTION', `The connection to ${target.host}:${target.port} failed (${error.code ?? 'unknown'})`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new TLSClientConnection(socket, this.options));
      });
    });
  }
}
