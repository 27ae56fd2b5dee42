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
   * Set once the server answered the call: a wrapper that calls `next()` after that (a cache
   * refreshing in the background) would start a handler no slot bounds any more (attack7 A7-S6).
   */
  answered = false;
  /**
   * Told of the call's refusal by the server when its chain rejects: a wrapper that only
   * watches for refusals (the security-event log) registers here instead of chaining on
   * `next()`, which cost a promise per call, refused or not.
   */
  refusalObserver: RefusalObserver | undefined = undefined;

  constructor(
    readonly endpoint: EndpointDescriptor,
    call: InboundCall,
    /**
     * A wrapper that is not a built-in passing values (server/wrapper.ts) runs in this call's
     * chain: it may settle the chain without waiting for the work it started (it dropped what
     * `next()` returned), so the chain's answer does not prove `pending` settled (attack7 A7-S5).
     */
    readonly foreignWrappers = false,
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
 * The work of a call that may still run once its chain settled, for whatever holds a slot
 * of the call to wait for: when the deadline or a cancel answered (`408`, `503`), or when a
 * wrapper that is not a built-in could have settled the chain without waiting for the work
 * it started; `undefined` otherwise (the chain waited for it) and for any other context.
 */
export function pendingWork(ctx: CallContext): Promise<unknown> | undefined {
  return ctx instanceof ServedCall && (ctx.foreignWrappers || ctx.cancellation.aborted) ? ctx.pending : undefined;
}

/**
 * Records `work` as work of the call still to settle (see `ServedCall.pending`), beside any
 * recorded before: the deadline's wait on a user wrapper must not hide the handler that
 * wrapper started and then stopped waiting for (attack7 A7-S5).
 */
export function holdWork(ctx: CallContext, work: Promise<unknown>): void {
  if (!(ctx instanceof ServedCall)) return;
  const held = ctx.pending;
  ctx.pending = held === undefined || held === work ? work : Promise.allSettled([held, work]);
}
