import 'reflect-metadata';
import { inject, injectable } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import { toBastionError } from '../errors/factories.js';
import type { PeerInfo } from '../security/security.js';
import { CallTable } from './call-table.js';
import { encodeFrame, FrameDecoder, MAX_CALL_ID, type Frame } from './framing.js';
import { DEFAULT_DRAIN_MS, DEFAULT_TRANSPORT_OPTIONS } from './options.js';
import type { CallHandler, ClientConnection, DialTarget, Listener, Reply, RequestHeader, Transport, TransportOptions } from './transport.js';

/** The peer a MemoryTransport presents until told otherwise: anonymous, as a client without a certificate. */
export const ANONYMOUS_MEMORY_PEER: PeerInfo = Object.freeze({ authorized: false, remoteAddress: 'memory' });

/** A verified-looking peer for `service`, for tests of identity-based wrappers without certificates. */
export function memoryPeer(service: string, trustDomain = 'bastion.test'): PeerInfo {
  const uri = `spiffe://${trustDomain}/service/${service}`;
  return Object.freeze({ authorized: true, remoteAddress: 'memory', identity: Object.freeze({ name: service, trustDomain, uri }) });
}

function transportClosed(detail?: string): BastionError {
  return new BastionError('BST_ERR_TRANSPORT_CLOSED', detail);
}

/** Runs bytes through the real decoder, so memory calls obey the same limits and header checks as TLS ones. */
function roundTrip(frame: Frame, maxFrameBytes: number): Frame {
  let decoded: Frame | undefined;
  new FrameDecoder(maxFrameBytes).push(encodeFrame(frame, maxFrameBytes), (f) => (decoded = f));
  return decoded as Frame;
}

class MemoryListener implements Listener {
  /** Calls still waiting, with their rejecters, so a listener destroyed mid-call fails them as a closed socket would. */
  private readonly inFlight = new CallTable<{ readonly call: Promise<Reply>; readonly reject: (error: BastionError) => void }>();
  private nextCallId = 1;
  private draining = false;
  private closing: Promise<void> | undefined;
  isDestroyed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly identity: string | undefined,
    private readonly handler: CallHandler,
    private readonly unregister: () => void,
  ) {}

  dispatch(header: RequestHeader, body: Uint8Array, peer: PeerInfo): Promise<Reply> {
    if (this.isDestroyed) return Promise.reject(transportClosed());
    if (this.draining) return Promise.resolve({ kind: 'error', error: new BastionError('BST_ERR_SERVER_SHUTTING_DOWN').toWire() });
    const call = Promise.resolve()
      .then(() => this.handler({ header, body, peer }))
      .catch((error: unknown): Reply => ({ kind: 'error', error: toBastionError(error).toWire() }));
    const id = this.nextCallId++;
    return new Promise<Reply>((resolve, reject) => {
      this.inFlight.set(id, { call, reject });
      void call.then((reply) => {
        this.inFlight.delete(id);
        resolve(reply);
      });
    });
  }

  close(drainMs: number = DEFAULT_DRAIN_MS): Promise<void> {
    this.closing ??= this.shutdown(drainMs);
    return this.closing;
  }

  private async shutdown(drainMs: number): Promise<void> {
    this.draining = true;
    this.unregister();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)));
    await Promise.race([Promise.allSettled(this.inFlight.values().map((waiting) => waiting.call)), timeout]);
    clearTimeout(timer);
    this.isDestroyed = true;
    for (const waiting of this.inFlight.values()) waiting.reject(transportClosed());
    this.inFlight.clear();
  }
}

class MemoryConnection implements ClientConnection {
  private isClosed = false;
  private nextCallId = 1;

  constructor(
    private readonly listener: MemoryListener,
    private readonly peer: PeerInfo,
    private readonly maxFrameBytes: number,
  ) {}

  get closed(): boolean {
    return this.isClosed || this.listener.isDestroyed;
  }

  async request(header: RequestHeader, body: Uint8Array): Promise<Reply> {
    if (this.closed) throw transportClosed();
    const callId = this.nextCallId;
    this.nextCallId = callId >= MAX_CALL_ID ? 1 : callId + 1;
    const inbound = roundTrip({ kind: 'request', callId, header, body }, this.maxFrameBytes);
    if (inbound.kind !== 'request') throw transportClosed();
    const reply = await this.listener.dispatch(inbound.header, inbound.body, this.peer);
    if (this.isClosed) throw transportClosed('The connection was closed by the client');
    let back: Frame;
    try {
      const frame: Frame =
        reply.kind === 'response'
          ? { kind: 'response', callId, contentType: reply.contentType, body: reply.body }
          : { kind: 'error', callId, error: reply.error };
      back = roundTrip(frame, this.maxFrameBytes);
    } catch (error) {
      // As on TLS, a reply over the limit (or not encodable) reaches the caller as an error.
      return { kind: 'error', error: toBastionError(error).toWire() };
    }
    if (back.kind === 'response') return { kind: 'response', contentType: back.contentType, body: back.body };
    if (back.kind === 'error') return { kind: 'error', error: back.error };
    throw transportClosed();
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }
}

interface MemoryNetwork {
  readonly listeners: Map<string, MemoryListener>;
  nextPort: number;
}

/**
 * MemoryTransport serves calls inside one process, for unit tests of servers, clients and
 * wrappers without certificates. Requests and replies go through the real frame encoder
 * and decoder, so bodies are copied and `maxFrameBytes` applies as on TLS.
 *
 * Identities are simulated: calls present the peer set with `setPeer()` (anonymous until
 * then), and `asPeer()` gives a view on the same listeners that calls as someone else.
 * A listener claims the service name set with `serveAs()`; `dial()` then fails with
 * `BST_ERR_SECURITY_SERVER_IDENTITY` for any other `expectedService`, as TLS would. A
 * listener started with no claimed name accepts every `expectedService`.
 */
@injectable()
export class MemoryTransport implements Transport {
  readonly name = 'memory';
  private network: MemoryNetwork = { listeners: new Map(), nextPort: 40_000 };
  private peer: PeerInfo = ANONYMOUS_MEMORY_PEER;
  private serviceName: string | undefined;

  constructor(@inject(TOKENS.TransportOptions) private readonly options: TransportOptions = DEFAULT_TRANSPORT_OPTIONS) {}

  /** Sets the peer that calls dialled through this transport present to handlers. */
  setPeer(peer: PeerInfo): this {
    this.peer = peer;
    return this;
  }

  /** A view on the same listeners whose calls present `peer`. */
  asPeer(peer: PeerInfo): MemoryTransport {
    const view = new MemoryTransport(this.options);
    view.network = this.network;
    view.serviceName = this.serviceName;
    view.peer = peer;
    return view;
  }

  /** Sets the service identity that listeners started from now on claim; `undefined` claims none. */
  serveAs(service: string | undefined): this {
    this.serviceName = service;
    return this;
  }

  /** Registers `handler` under `host:port`; port 0 gets the next free fake port. */
  async listen(address: { host: string; port: number }, handler: CallHandler): Promise<Listener> {
    const port = address.port === 0 ? this.network.nextPort++ : address.port;
    const key = `${address.host}:${port}`;
    if (this.network.listeners.has(key)) throw new Error(`memory address ${key} is already in use`);
    const listener = new MemoryListener(address.host, port, this.serviceName, handler, () => this.network.listeners.delete(key));
    this.network.listeners.set(key, listener);
    return listener;
  }

  /** Connects to the listener at the target's address, checking the identity it claims. */
  async dial(target: DialTarget): Promise<ClientConnection> {
    const listener = this.network.listeners.get(`${target.host}:${target.port}`);
    if (listener === undefined) {
      throw new BastionError('BST_ERR_CLIENT_CONNECTION', `The connection to ${target.host}:${target.port} failed (ECONNREFUSED)`);
    }
    if (listener.identity !== undefined && listener.identity !== target.expectedService) {
      throw new BastionError(
        'BST_ERR_SECURITY_SERVER_IDENTITY',
        `The server at ${target.host}:${target.port} proved the identity '${listener.identity}', not '${target.expectedService}'`,
      );
    }
    return new MemoryConnection(listener, this.peer, this.options.maxFrameBytes);
  }
}
