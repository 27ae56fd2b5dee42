import type { Server as NetServer, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { BastionError } from '../errors/bastion-error.js';
import { cannotListen, toBastionError, unavailable } from '../errors/factories.js';
import { rejection } from '../errors/rejection.js';
import { SECURITY_EVENTS, handshakeRefusedReason, type Logger } from '../logging/logger.js';
import type { PeerInfo } from '../security/security.js';
import { FrameSocket } from './frame-socket.js';
import { CallTable } from './call-table.js';
import { Cancellation } from './cancellation.js';
import { malformedFrame, type Frame } from './framing.js';
import { DEFAULT_DRAIN_MS } from './options.js';
import type { CallHandler, InboundCall, Listener, Reply, RequestHeader, TransportOptions } from './transport.js';

/** After the calls drained, how long clients get to close after a go-away (requests still on the wire are answered meanwhile). */
export const GO_AWAY_GRACE_MS = 1_000;

/** After draining, how long connections get to flush their last replies before being destroyed. */
export const CLOSE_GRACE_MS = 1_000;

interface Session {
  readonly frames: FrameSocket;
  readonly peer: PeerInfo;
  /**
   * Calls running on this connection, by id; each cancellation aborts when the client cancels
   * it or disconnects. An id stays here until its handler really finished, even after its
   * reply (a `408`) left, so reusing the id cannot start a second handler (attack F3).
   */
  readonly calls: CallTable<Cancellation>;
  /** Resolves when the connection closed, by either side. */
  readonly gone: Promise<void>;
}

/** One call as the listener hands it to the server; what it holds is kept only when something is. */
class ListenerCall implements InboundCall {
  held: Promise<unknown>[] | undefined = undefined;

  constructor(
    readonly header: RequestHeader,
    readonly body: Uint8Array,
    readonly peer: PeerInfo,
    readonly cancelled: Cancellation,
  ) {}

  holdUntil(work: Promise<unknown>): void {
    (this.held ??= []).push(work);
  }
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** How a listener admits connections: the transport decides, the listener only serves. */
export interface ListenerAdmission {
  /** The server event that hands over a connection ready for frames. */
  readonly readyEvent: 'secureConnection' | 'connection';
  /** What the server knows of the peer, or `undefined` to destroy the connection unserved. */
  peerOf(socket: Socket): PeerInfo | undefined;
  /** Called once when the listener closed. */
  detach?(): void;
}

/**
 * TLSListener serves framed calls on an mTLS server (and, in insecure mode, on a plain
 * TCP one): one session per admitted connection, concurrent calls per session, and a
 * drain-then-destroy close.
 */
export class TLSListener implements Listener {
  private readonly sessions = new Set<Session>();
  /** Every accepted TCP socket, including those still in their handshake. */
  private readonly connections = new Set<Socket>();
  /** Open connections by remote address, for `maxConnectionsPerAddress`. */
  private readonly perAddress = new Map<string, number>();
  private draining = false;
  /** Calls whose handler is still running, over every connection, for `maxInFlight`. */
  private running = 0;
  /** Set while shutting down with calls running; called when the last one ends. */
  private drained: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private bound: { host: string; port: number } | undefined;

  constructor(
    private readonly server: NetServer,
    private readonly handler: CallHandler,
    private readonly admission: ListenerAdmission,
    private readonly options: TransportOptions,
    private readonly logger: Logger,
  ) {
    // net.Server counts every socket, mid-handshake too, and drops those over the cap before any TLS work.
    server.maxConnections = options.maxConnections;
    server.on('drop', (dropped?: { remoteAddress?: string }) => this.refuseConnection('max_connections', dropped?.remoteAddress));
    // Prepended, so an address over its cap is destroyed before the TLS server starts a handshake on it.
    server.prependListener('connection', (socket: Socket) => this.track(socket));
    // Without this handler a socket that fails or stalls its handshake is not destroyed (B14).
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      this.logger.debug('transport_tls_client_error', { code: error.code, remoteAddress: socket.remoteAddress });
      // Node destroys a refused client certificate without an error of its own; the reason is in authorizationError.
      const code = socket.authorizationError === null || socket.authorizationError === undefined ? error.code : String(socket.authorizationError);
      const reason = handshakeRefusedReason(code);
      // A peer that hangs up mid-handshake (a client refusing our certificate, a port probe) was not refused by us.
      if (reason !== 'aborted') this.logger.warn(SECURITY_EVENTS.handshakeRefused, { side: 'server', reason, code, remoteAddress: socket.remoteAddress });
      socket.destroy();
    });
    server.on(admission.readyEvent, (socket: Socket) => this.accept(socket));
  }

  /** The address actually bound. */
  get host(): string {
    return this.bound?.host ?? '';
  }

  /** The port actually bound; an ephemeral one when 0 was asked for. */
  get port(): number {
    return this.bound?.port ?? 0;
  }

  /** Starts listening and resolves once bound. */
  async bind(address: { host: string; port: number }): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException): void => reject(cannotListen('server', address.host, address.port, error));
      this.server.once('error', failed);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', failed);
        resolve();
      });
    });
    this.server.on('error', (error: NodeJS.ErrnoException) => this.logger.error('transport_server_error', { code: error.code }));
    const bound = this.server.address();
    this.bound = typeof bound === 'object' && bound !== null ? { host: bound.address, port: bound.port } : { ...address };
    return this;
  }

  /** Stops accepting, lets in-flight calls finish up to `drainMs`, then closes every connection. */
  close(drainMs: number = DEFAULT_DRAIN_MS): Promise<void> {
    this.closing ??= this.shutdown(drainMs);
    return this.closing;
  }

  private async shutdown(drainMs: number): Promise<void> {
    this.draining = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // "Go away": each client sends nothing new on its connection and closes it once its calls
    // are answered; a request already on the wire gets SHUTTING_DOWN, which clients retry
    // elsewhere. Closing only after the client did means no request is lost in flight.
    const goAway = new BastionError('BST_ERR_SERVER_SHUTTING_DOWN').toWire();
    for (const session of this.sessions) session.frames.send({ kind: 'error', callId: 0, error: goAway });
    const started = Date.now();
    const sessions = [...this.sessions].map((session) => session.gone);
    const wait = delay(drainMs);
    // A counter and one resolver, not a set of call promises: no `finally` per call.
    const idle = this.running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.race([idle, wait.promise]);
    wait.cancel();
    // Bastion clients close at once when idle; a peer that ignores the go-away gets a short grace, not the whole drain.
    const grace = delay(Math.max(0, Math.min(GO_AWAY_GRACE_MS, drainMs - (Date.now() - started))));
    await Promise.race([Promise.all(sessions), grace.promise]);
    grace.cancel();
    // server.close() only stops accepting: sockets already open would keep it (and the
    // process) alive forever, so every accepted connection is closed by hand, as Nest's
    // server-tcp learned the hard way.
    const reason = new BastionError('BST_ERR_SERVER_SHUTTING_DOWN');
    await Promise.all([...this.sessions].map((session) => session.frames.end(CLOSE_GRACE_MS, reason)));
    for (const socket of this.connections) socket.destroy();
    await stopped;
    this.admission.detach?.();
  }

  private track(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.options.maxConnectionsPerAddress) {
      socket.destroy();
      this.refuseConnection('max_connections_per_address', address);
      return;
    }
    this.perAddress.set(address, open + 1);
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
  }

  private refuseConnection(reason: 'max_connections' | 'max_connections_per_address', remoteAddress: string | undefined): void {
    this.logger.warn(SECURITY_EVENTS.connectionRefused, { reason, remoteAddress });
  }

  private accept(socket: Socket): void {
    // A plain TCP listener hands over the sockets track() just refused, too.
    if (socket.destroyed) return;
    const peer = this.admission.peerOf(socket);
    if (this.draining || peer === undefined) {
      socket.destroy();
      return;
    }
    const calls = new CallTable<Cancellation>();
    let markGone: () => void = () => {};
    const session: Session = {
      peer,
      calls,
      gone: new Promise<void>((resolve) => (markGone = resolve)),
      frames: new FrameSocket(
        socket,
        {
          maxFrameBytes: this.options.maxFrameBytes,
          // Over TLS, a peer without a service identity can only reach open endpoints, so it gets a
          // small budget (attack F4). In insecure mode no peer has one and the budget would cap everyone.
          maxReadFrameBytes: this.admission.readyEvent === 'secureConnection' && peer.identity === undefined ? Math.min(this.options.maxUnauthenticatedFrameBytes, this.options.maxFrameBytes) : undefined,
          frameReadTimeoutMs: this.options.frameReadTimeoutMs,
          idleTimeoutMs: this.options.idleTimeoutMs,
          isBusy: () => calls.size > 0,
          pauseOnBackpressure: true,
          notifyPeerOnProtocolError: true,
        },
        {
          onFrame: (frame) => this.onFrame(session, frame),
          onClose: () => {
            this.sessions.delete(session);
            if (calls.size > 0) {
              const gone = new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client went away');
              for (const cancellation of calls.values()) cancellation.abort(gone);
            }
            markGone();
          },
        },
      ),
    };
    this.sessions.add(session);
  }

  private onFrame(session: Session, frame: Frame): void {
    switch (frame.kind) {
      case 'request': {
        if (frame.callId === 0) {
          session.frames.fail(malformedFrame('call id 0 is reserved for connection errors'));
        } else if (session.calls.has(frame.callId)) {
          session.frames.fail(malformedFrame('the call id is already in use'));
        } else if (this.draining) {
          this.reply(session, frame.callId, { kind: 'error', error: new BastionError('BST_ERR_SERVER_SHUTTING_DOWN').toWire() });
        } else if (session.calls.size >= this.options.maxInFlightPerConnection || this.running >= this.options.maxInFlight) {
          this.shed(session, frame);
        } else {
          const cancellation = new Cancellation();
          session.calls.set(frame.callId, cancellation);
          this.running += 1;
          this.invoke(session, frame, cancellation);
        }
        return;
      }
      case 'cancel':
        session.calls.get(frame.callId)?.abort(new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client cancelled the call'));
        return;
      case 'ping':
        session.frames.send({ kind: 'pong', callId: frame.callId, body: frame.body });
        return;
      case 'pong':
        return;
      default:
        session.frames.fail(malformedFrame(`a client may not send ${frame.kind} frames`));
    }
  }

  /** Answers `503` at once: an in-flight cap is reached, so the call never reaches the handler (attack F3). */
  private shed(session: Session, frame: Frame & { kind: 'request' }): void {
    const error = unavailable('Too many calls are in flight; retry later');
    const limit = session.calls.size >= this.options.maxInFlightPerConnection ? 'maxInFlightPerConnection' : 'maxInFlight';
    const { service, endpoint } = frame.header;
    const peer = session.peer.identity?.name ?? 'anonymous';
    this.logger.warn(SECURITY_EVENTS.shed, { service, endpoint, peer, remoteAddress: session.peer.remoteAddress, code: error.code, error: error.id, limit });
    this.reply(session, frame.callId, { kind: 'error', error: error.toWire() });
  }

  // Promise reactions, not an async function: two promises fewer per call, and nothing here can
  // reject a promise nobody handles (a log sink that throws is the only thing that could).
  private invoke(session: Session, frame: Frame & { kind: 'request' }, cancellation: Cancellation): void {
    const call = new ListenerCall(frame.header, frame.body, session.peer, cancellation);
    let answered: Reply | Promise<Reply>;
    try {
      answered = this.handler.now === undefined ? this.handler(call) : this.handler.now(call);
    } catch (error) {
      answered = rejection(error);
    }
    // A reply ready at once (the handler and every wrapper finished synchronously) goes out now.
    if (typeof (answered as { then?: unknown }).then !== 'function') {
      this.answer(session, frame.callId, call, answered as Reply);
      return;
    }
    (answered as Promise<Reply>).then(
      (reply) => this.answer(session, frame.callId, call, reply),
      (error: unknown) => {
        try {
          this.logger.error('transport_handler_threw', { endpoint: frame.header.endpoint });
        } finally {
          this.answer(session, frame.callId, call, { kind: 'error', error: toBastionError(error).toWire() });
        }
      },
    );
  }

  /** Sends the reply (unless the call was cancelled) and frees the call's id and slot once nothing it started still runs. */
  private answer(session: Session, callId: number, call: ListenerCall, reply: Reply): void {
    try {
      if (!call.cancelled.aborted) this.reply(session, callId, reply);
    } finally {
      if (call.held === undefined) this.release(session, callId);
      else void Promise.allSettled(call.held).then(() => this.release(session, callId));
    }
  }

  private release(session: Session, callId: number): void {
    session.calls.delete(callId);
    this.running -= 1;
    if (this.running === 0) this.drained?.();
  }


  private reply(session: Session, callId: number, reply: Reply): void {
    if (session.frames.closed) return;
    try {
      session.frames.send(
        reply.kind === 'response'
          ? { kind: 'response', callId, contentType: reply.contentType, body: reply.body }
          : { kind: 'error', callId, error: reply.error },
      );
    } catch (error) {
      // A reply over the frame limit (or not encodable) becomes an error the client can read.
      session.frames.send({ kind: 'error', callId, error: toBastionError(error).toWire() });
    }
  }
}
