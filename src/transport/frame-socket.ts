import type { Socket } from 'node:net';
import { BastionError } from '../errors/bastion-error.js';
import { internal } from '../errors/factories.js';
import { encodeFrame, FrameDecoder, type Frame } from './framing.js';

/** How long a connection that broke the protocol may take to flush its error frame before it is destroyed. */
export const PROTOCOL_ERROR_GRACE_MS = 1_000;

/** Frames written in one tick after which the corked ones are flushed without waiting for the tick to end. */
export const FLUSH_EVERY_FRAMES = 32;

/** Replies queued for a peer (not yet taken by the kernel) above which the server stops reading its requests. */
export const PAUSE_ABOVE_QUEUED_BYTES = 1024 * 1024;

/** Settings of one FrameSocket. */
export interface FrameSocketOptions {
  readonly maxFrameBytes: number;
  /** Largest frame read from the peer when lower than `maxFrameBytes` (a peer without identity); sends keep `maxFrameBytes`. */
  readonly maxReadFrameBytes?: number;
  readonly frameReadTimeoutMs: number;
  /** Closes the socket after this long without traffic; `undefined` disables it. */
  readonly idleTimeoutMs?: number;
  /** While this returns true the idle timeout is postponed (a call is still running). */
  readonly isBusy?: () => boolean;
  /** Stops reading while replies pile up unread (server side only, or two peers could deadlock). */
  readonly pauseOnBackpressure: boolean;
  /** Sends an error frame (call id 0) before closing on a protocol error. */
  readonly notifyPeerOnProtocolError: boolean;
}

/** What a FrameSocket reports to its owner. */
export interface FrameSocketEvents {
  /** One decoded frame; must not throw. */
  onFrame(frame: Frame): void;
  /** The socket closed; `reason` says why when Bastion closed it or it failed. Called once. */
  onClose(reason: BastionError | undefined): void;
}

function transportClosed(detail: string): BastionError {
  return new BastionError('BST_ERR_TRANSPORT_CLOSED', detail);
}

/**
 * FrameSocket puts framing, limits, timeouts and write batching on one connected socket,
 * for the server and the client alike.
 */
export class FrameSocket {
  private readonly decoder: FrameDecoder;
  private frameTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private corked = false;
  private corkedFrames = 0;
  private paused = false;
  private failed = false;
  private reason: BastionError | undefined;
  private readonly closedPromise: Promise<void>;

  constructor(
    readonly socket: Socket,
    private readonly options: FrameSocketOptions,
    private readonly events: FrameSocketEvents,
  ) {
    this.decoder = new FrameDecoder(options.maxReadFrameBytes ?? options.maxFrameBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // Some TLS errors (a refused renegotiation, B19) are emitted without destroying the
    // socket, so every error ends the connection here.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.reason ??= transportClosed(`The connection failed (${error.code ?? 'unknown'})`);
      socket.destroy();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        clearTimeout(this.frameTimer);
        clearTimeout(this.graceTimer);
        events.onClose(this.reason);
        resolve();
      });
    });
    if (options.idleTimeoutMs !== undefined) {
      socket.setTimeout(options.idleTimeoutMs);
      socket.on('timeout', () => this.onIdle());
    }
  }

  /** True once the socket can no longer carry frames. */
  get closed(): boolean {
    return this.failed || this.socket.destroyed || !this.socket.writable;
  }

  /** Encodes and queues one frame; throws `FRAME_TOO_LARGE` (nothing sent) when it is over the limit. */
  send(frame: Frame): void {
    this.write(encodeFrame(frame, this.options.maxFrameBytes));
  }

  /**
   * Queues encoded bytes. Writes made in one tick are corked together and flushed on the
   * next tick, so a burst of replies leaves in a few TLS records instead of one each.
   */
  write(bytes: Buffer): void {
    if (this.closed) return;
    if (!this.corked) {
      this.corked = true;
      this.corkedFrames = 0;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        if (!this.socket.destroyed) this.socket.uncork();
      });
    }
    this.socket.write(bytes);
    // A long burst leaves in slices, so the peer starts on the first frames while this side
    // still produces the rest: one flush per tick made the two ends take turns.
    if (++this.corkedFrames >= FLUSH_EVERY_FRAMES && !this.socket.destroyed) {
      this.corkedFrames = 0;
      this.socket.uncork();
      this.socket.cork();
    }
    // Past the socket's own high-water mark (16 KiB) a batch of large replies is normal; reading
    // stops only once a peer leaves more than this unread, so what it can pile up stays bounded.
    if (this.options.pauseOnBackpressure && this.socket.writableLength > PAUSE_ABOVE_QUEUED_BYTES) this.pauseReading();
  }

  /** Closes after a protocol error, telling the peer first when configured to. */
  fail(error: BastionError): void {
    if (this.failed) return;
    this.failed = true;
    this.reason ??= error;
    clearTimeout(this.frameTimer);
    if (this.socket.destroyed) return;
    if (this.options.notifyPeerOnProtocolError && this.socket.writable) {
      this.socket.end(encodeFrame({ kind: 'error', callId: 0, error: error.toWire() }, Number.MAX_SAFE_INTEGER));
    } else {
      this.socket.end();
    }
    this.destroyAfter(PROTOCOL_ERROR_GRACE_MS);
  }

  /** Ends the connection gracefully and destroys it if the peer has not closed within `graceMs`. */
  end(graceMs: number, reason?: BastionError): Promise<void> {
    this.reason ??= reason;
    if (!this.socket.destroyed) {
      this.socket.end();
      this.destroyAfter(graceMs);
    }
    return this.closedPromise;
  }

  /** Destroys the connection at once. */
  destroy(reason?: BastionError): Promise<void> {
    this.reason ??= reason;
    this.socket.destroy();
    return this.closedPromise;
  }

  private destroyAfter(ms: number): void {
    if (this.graceTimer !== undefined) return;
    this.graceTimer = setTimeout(() => this.socket.destroy(), ms);
    this.graceTimer.unref();
  }

  private onData(chunk: Buffer): void {
    if (this.failed) return;
    let completed = 0;
    try {
      this.decoder.push(chunk, (frame) => {
        if (this.failed || this.socket.destroyed) return;
        completed += 1;
        this.events.onFrame(frame);
      });
    } catch (error) {
      // Never rethrow from a socket listener: it would be an uncaught exception that ends the
      // process. A non-Bastion error here is a bug in a frame handler; the peer learns nothing of it.
      this.fail(BastionError.is(error) ? error : internal(error));
      return;
    }
    if (!this.decoder.pending) {
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
    } else if (completed > 0 || this.frameTimer === undefined) {
      this.startFrameTimer();
    }
  }

  private startFrameTimer(): void {
    clearTimeout(this.frameTimer);
    // Measured from the start of the unfinished frame, not from its last byte, so a
    // peer trickling one byte at a time (B11, B13, B14c) cannot hold the frame open.
    this.frameTimer = setTimeout(() => {
      this.destroy(transportClosed('A frame was not completed within the frame-read timeout'));
    }, this.options.frameReadTimeoutMs);
    this.frameTimer.unref();
  }

  private pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
    // Our own pause must not count against the peer's frame-read time.
    clearTimeout(this.frameTimer);
    this.frameTimer = undefined;
    this.socket.once('drain', () => {
      this.paused = false;
      if (this.socket.destroyed) return;
      this.socket.resume();
      if (this.decoder.pending) this.startFrameTimer();
    });
  }

  private onIdle(): void {
    if (this.options.isBusy?.() === true && this.options.idleTimeoutMs !== undefined) {
      this.socket.setTimeout(this.options.idleTimeoutMs);
      return;
    }
    this.destroy(transportClosed('The connection was idle for too long'));
  }
}
