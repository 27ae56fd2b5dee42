import type { PeerInfo } from '../security/security.js';
import type { CallMetadata, InboundCall } from '../transport/transport.js';
import { CallSignal } from './call-signal.js';
import type { CallContext, EndpointDescriptor } from './server.js';

/**
 * The context of one call being served: what wrappers and the handler see, plus the body and
 * the transport's hook the terminal step needs. One object per call, its methods on the
 * prototype, so serving a call allocates no closures for it.
 */
export class ServedCall extends CallSignal implements CallContext {
  readonly peer: PeerInfo;
  readonly metadata: CallMetadata;
  readonly timeoutMs: number;
  readonly body: Uint8Array;
  readonly contentType: string;
  /**
   * The handler's work when it did not settle synchronously: the server hands it to the
   * transport (`InboundCall.holdUntil`), which keeps the call's id until it settles (attack F3).
   */
  pending: Promise<unknown> | undefined = undefined;
  /**
   * Told of the call's refusal by the server when its chain rejects: a wrapper that only
   * watches for refusals (the security-event log) registers here instead of chaining on
   * `next()`, which cost a promise per call, refused or not.
   */
  refusalObserver: RefusalObserver | undefined = undefined;

  constructor(
    readonly endpoint: EndpointDescriptor,
    call: InboundCall,
  ) {
    const { header } = call;
    super(header.timeoutMs, call.cancelled);
    this.peer = call.peer;
    this.metadata = header.metadata;
    this.timeoutMs = header.timeoutMs;
    this.body = call.body;
    this.contentType = header.contentType;
  }
}

/** Watches a served call's refusal; one per endpoint, so a call allocates nothing for it. */
export interface RefusalObserver {
  refused(ctx: CallContext, thrown: unknown): void;
}

/**
 * Registers `observer` for the refusal of `ctx` when it is a served call with the slot free;
 * `false` otherwise (a subscriber's context, a second observer), and the caller watches `next()`.
 */
export function observeRefusal(ctx: CallContext, observer: RefusalObserver): boolean {
  if (!(ctx instanceof ServedCall) || ctx.refusalObserver !== undefined) return false;
  ctx.refusalObserver = observer;
  return true;
}

/**
 * The work of a call the server is still running, when a wrapper answered before it
 * settled (a `408`, a cancel); `undefined` for any other context.
 */
export function pendingWork(ctx: CallContext): Promise<unknown> | undefined {
  return ctx instanceof ServedCall ? ctx.pending : undefined;
}

/** Records `work` as the call's work still to settle (see `ServedCall.pending`). */
export function holdWork(ctx: CallContext, work: Promise<unknown>): void {
  if (ctx instanceof ServedCall) ctx.pending = work;
}
