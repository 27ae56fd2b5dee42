import type { Socket } from 'node:net';
import { BastionError } from '../errors/bastion-error.js';
import { CallTable } from './call-table.js';
import type { CancelSignal } from './cancellation.js';
import { FrameSocket } from './frame-socket.js';
import { encodeFrame, malformedFrame, MAX_CALL_ID, type Frame } from './framing.js';
import type { ClientConnection, Reply, ReplySink, RequestHeader, TransportOptions } from './transport.js';

/** How long `close()` waits for the server to acknowledge the end before destroying the socket. */
export const CLIENT_CLOSE_GRACE_MS = 1_000;

interface PendingCall {
  readonly sink: ReplySink;
  /** The caller's signal and this call's listener on it, removed when the call settles. */
  readonly signal: CancelSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

function settled(call: PendingCall): void {
  if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort);
}

function transportClosed(detail?: string): BastionError {
  return new BastionError('BST_ERR_TRANSPORT_CLOSED', detail);
}

/**
 * TLSClientConnection multiplexes calls over one verified TLS connection (or, in insecure
 * mode, one plain TCP connection): each request gets a call id and its reply is matched
 * by that id, in whatever order replies come.
 */
export class TLSClientConnection implements ClientConnection {
  private readonly frames: FrameSocket;
  private readonly pending = new CallTable<PendingCall>();
  private nextCallId = 1;
  private isClosed = false;
  /** The server is draining: no new call goes on this connection, which closes once its calls are answered. */
  private goingAway = false;
  private readonly pings = new Map<number, () => void>();
  private nextPingId = 1;

  constructor(socket: Socket, private readonly options: TransportOptions) {
    this.frames = new FrameSocket(
      socket,
      {
        maxFrameBytes: options.maxFrameBytes,
        frameReadTimeoutMs: options.frameReadTimeoutMs,
        pauseOnBackpressure: false,
        notifyPeerOnProtocolError: false,
      },
      { onFrame: (frame) => this.onFrame(frame), onClose: (reason) => this.onClose(reason) },
    );
  }

  /** True once the connection can carry no more calls. */
  get closed(): boolean {
    return this.isClosed || this.goingAway || this.frames.closed;
  }

  /** Sends one request and resolves with its reply; a body over the frame limit is refused unsent. */
  request(header: RequestHeader, body: Uint8Array, signal?: CancelSignal): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => this.requestTo(header, body, signal, { replied: resolve, failed: reject }));
  }

  /** `request`, its outcome told to `sink` instead of a promise (the client's own calls). */
  requestTo(header: RequestHeader, body: Uint8Array, signal: CancelSignal | undefined, sink: ReplySink): void {
    // The server never saw it, so the client may retry it elsewhere whatever the endpoint.
    if (this.goingAway && !this.isClosed) return sink.failed(new BastionError('BST_ERR_SERVER_SHUTTING_DOWN'));
    if (this.closed) return sink.failed(transportClosed());
    if (signal?.aborted === true) return sink.failed(signal.reason as Error);
    const callId = this.allocateCallId();
    let bytes: Buffer;
    try {
      bytes = encodeFrame({ kind: 'request', callId, header, body }, this.options.maxFrameBytes);
    } catch (error) {
      return sink.failed(error);
    }
    let onAbort: (() => void) | undefined;
    if (signal !== undefined) {
      // The server is told, so it aborts the handler's signal and sends no reply.
      onAbort = () => {
        if (!this.pending.delete(callId)) return;
        if (!this.closed) this.frames.send({ kind: 'cancel', callId, body: new Uint8Array(0) });
        sink.failed(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort);
    }
    this.pending.set(callId, { sink, signal, onAbort });
    this.frames.write(bytes);
  }

  /** Pings the server; without a pong within `timeoutMs` the connection is destroyed and its calls fail. */
  ping(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(transportClosed());
    const id = this.nextPingId;
    this.nextPingId = id >= MAX_CALL_ID ? 1 : id + 1;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        const error = transportClosed('The server did not answer a keep-alive ping');
        void this.frames.destroy(error);
        reject(error);
      }, timeoutMs);
      this.pings.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.frames.send({ kind: 'ping', callId: id, body: new Uint8Array(0) });
    });
  }

  /** Ends the connection; calls still pending are rejected with `BST_ERR_TRANSPORT_CLOSED`. */
  async close(): Promise<void> {
    this.isClosed = true;
    await this.frames.end(CLIENT_CLOSE_GRACE_MS, transportClosed('The connection was closed by the client'));
  }

  private allocateCallId(): number {
    // Id 0 is reserved for connection-level errors; ids still in use are skipped after wrapping.
    for (;;) {
      const id = this.nextCallId;
      this.nextCallId = id >= MAX_CALL_ID ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private settle(callId: number, reply: Reply): void {
    const call = this.pending.get(callId);
    if (call === undefined) return;
    this.pending.delete(callId);
    settled(call);
    call.sink.replied(reply);
    if (this.goingAway && this.pending.size === 0) void this.close();
  }

  private onFrame(frame: Frame): void {
    switch (frame.kind) {
      case 'response':
        this.settle(frame.callId, { kind: 'response', contentType: frame.contentType, body: frame.body });
        return;
      case 'error':
        if (frame.callId === 0 && frame.error.id === 'BST_ERR_SERVER_SHUTTING_DOWN') {
          this.goingAway = true;
          if (this.pending.size === 0) void this.close();
        } else if (frame.callId === 0) {
          void this.frames.destroy(transportClosed(`The server closed the connection (${frame.error.id})`));
        } else {
          this.settle(frame.callId, { kind: 'error', error: frame.error });
        }
        return;
      case 'ping':
        this.frames.send({ kind: 'pong', callId: frame.callId, body: frame.body });
        return;
      case 'pong': {
        const answered = this.pings.get(frame.callId);
        this.pings.delete(frame.callId);
        answered?.();
        return;
      }
      case 'cancel':
        return;
      default:
        this.frames.fail(malformedFrame('a server may not send request frames'));
    }
  }

  private onClose(reason: BastionError | undefined): void {
    this.isClosed = true;
    const error = reason !== undefined && reason.id === 'BST_ERR_TRANSPORT_CLOSED' ? reason : transportClosed(reason?.detail);
    for (const call of this.pending.values()) {
      settled(call);
      call.sink.failed(error);
    }
    this.pending.clear();
  }
}
