import type { CodecLimits, CodecLookup } from '../codec/codec.js';
import { decodeBody } from '../codec/pipeline.js';
import { BastionError } from '../errors/bastion-error.js';
import { deadlineExceeded } from '../errors/factories.js';
import { Cancellation } from '../transport/cancellation.js';
import type { Reply } from '../transport/transport.js';

/**
 * One call on its way out and back: the promise its caller holds, settled once, by the reply,
 * a failure or the deadline, whichever comes first. The attempts settle it directly, so a call
 * costs the caller's promise and the connection's, not a promise per step in between.
 */
export class PendingCall<T> {
  /** Aborts (cancelling the call on the wire) when the deadline passes. */
  readonly cancellation = new Cancellation();
  private readonly timer: NodeJS.Timeout;
  private readonly body: { readonly endpoint: string; readonly body: 'response' };

  constructor(
    endpoint: string,
    timeoutMs: number,
    private readonly codecs: CodecLookup,
    private readonly limits: CodecLimits,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.body = { endpoint, body: 'response' };
    this.timer = setTimeout(() => {
      const error = deadlineExceeded();
      this.cancellation.abort(error);
      reject(error);
    }, timeoutMs);
    // Unref'd (a ref'd timer costs three times as much to set and clear): what keeps the process
    // alive while the call is pending is its connection, its dial or its registry read.
    this.timer.unref();
  }

  /** The server's answer: its body decoded, or its error rebuilt. */
  answered(reply: Reply): void {
    clearTimeout(this.timer);
    if (reply.kind === 'error') {
      this.reject(BastionError.fromWire(reply.error));
      return;
    }
    let value: T;
    try {
      value = decodeBody(this.codecs.get(reply.contentType), reply.body, this.limits, this.body) as T;
    } catch (error) {
      this.reject(error);
      return;
    }
    this.resolve(value);
  }

  /** The call failed on this side (no node, a refused connection, a bad request) or its attempts ran out. */
  failed(error: unknown): void {
    clearTimeout(this.timer);
    this.reject(error);
  }

  /** Settles with `work`, the reply of attempts that went through an await. */
  follow(work: Promise<Reply>): void {
    work.then(
      (reply) => this.answered(reply),
      (error: unknown) => this.failed(error),
    );
  }
}
