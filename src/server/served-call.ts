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
  /** The transport's hook for work that outlives the reply (see `InboundCall.holdUntil`). */
  readonly holdUntil: ((work: Promise<unknown>) => void) | undefined;

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
    this.holdUntil = call.holdUntil;
  }
}
