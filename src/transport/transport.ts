/**
 * Transport moves framed calls between a client and a server and owns their TLS.
 * A server `listen`s with a handler that turns one request into one reply; a client
 * `dial`s a node and sends requests that are multiplexed over one connection by id.
 */
import type { WireError } from '../errors/bastion-error.js';
import type { PeerInfo, TLSMaterial } from '../security/security.js';
import type { CancelSignal } from './cancellation.js';

/** The longest call timeout honoured: a Node timer cannot hold more (a longer one fires at once). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Metadata of one call carried in its header. */
export type CallMetadata = Readonly<Record<string, string>>;

/** The header of a request frame. */
export interface RequestHeader {
  readonly service: string;
  readonly endpoint: string;
  readonly contentType: string;
  readonly metadata: CallMetadata;
  /** Time left for the call when it was sent, in milliseconds; 0 means none. */
  readonly timeoutMs: number;
}

/** A request as the server transport hands it to the server. */
export interface InboundCall {
  readonly header: RequestHeader;
  readonly body: Uint8Array;
  readonly peer: PeerInfo;
  /** Aborts (reason: a `503` BastionError) when the client cancels this call (a `cancel` frame) or its connection closes. */
  readonly cancelled?: CancelSignal;
  /**
   * Reports work of this call that may outlive its reply (a handler still running after its
   * deadline answered `408`): the transport keeps the call id and its in-flight slot until it settles.
   */
  readonly holdUntil?: (work: Promise<unknown>) => void;
}

/** The server's answer to one call: a body, or an error in its wire form. */
export type Reply =
  | { readonly kind: 'response'; readonly contentType: string; readonly body: Uint8Array }
  | { readonly kind: 'error'; readonly error: WireError };

/** Turns one inbound call into its reply. It must not throw; errors become error replies. */
export type CallHandler = ((call: InboundCall) => Promise<Reply>) & {
  /** Optional: the same answer, as the reply itself when it is ready at once (a listener saves a promise per call). */
  readonly now?: (call: InboundCall) => Reply | Promise<Reply>;
};

/** A listening server endpoint. */
export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets in-flight calls finish up to `drainMs`, then destroys every connection. */
  close(drainMs?: number): Promise<void>;
}

/** Where a client connects, and who it expects to find there. */
export interface DialTarget {
  readonly host: string;
  readonly port: number;
  /** The service name the server's certificate must prove. */
  readonly expectedService: string;
}

/** A client's connection to one node; calls on it are multiplexed. */
/** Where `ClientConnection.requestTo` tells a call's outcome. */
export interface ReplySink {
  replied(reply: Reply): void;
  failed(error: unknown): void;
}

export interface ClientConnection {
  readonly closed: boolean;
  /**
   * Sends one request and resolves with its reply; rejects on a transport failure. When
   * `signal` aborts, the call is cancelled (the server is told, if the transport can) and
   * the promise rejects with the signal's reason.
   */
  request(header: RequestHeader, body: Uint8Array, signal?: CancelSignal): Promise<Reply>;
  /**
   * Optional: `request` without a promise, its outcome told to `sink` exactly once (a
   * transport failure, or the signal's reason when it aborts, goes to `failed`).
   */
  requestTo?(header: RequestHeader, body: Uint8Array, signal: CancelSignal | undefined, sink: ReplySink): void;
  /**
   * Sends a keep-alive ping and resolves on its pong; when none comes within `timeoutMs`
   * the peer is taken for dead: the connection is destroyed and its calls fail.
   */
  ping?(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Options shared by every transport. */
export interface TransportOptions {
  /** Largest frame accepted or sent; checked from the length prefix before buffering. */
  readonly maxFrameBytes: number;
  /** A connection that sends nothing for this long is closed. */
  readonly idleTimeoutMs: number;
  /** A TLS handshake must finish within this time. */
  readonly handshakeTimeoutMs: number;
  /** Once a frame has started, the rest of it must arrive within this time. */
  readonly frameReadTimeoutMs: number;
  /** Connections open at once on one listener, handshakes included; beyond it new sockets are destroyed unserved. */
  readonly maxConnections: number;
  /** Connections open at once from one remote address; beyond it new sockets from there are destroyed unserved. */
  readonly maxConnectionsPerAddress: number;
  /** Calls running at once on one connection; beyond it a request is answered `503` without reaching the handler. */
  readonly maxInFlightPerConnection: number;
  /** Calls running at once on one listener, over all connections; beyond it a request is answered `503`. */
  readonly maxInFlight: number;
  /** Largest frame accepted from a peer without a verified service identity (it can only reach open endpoints). */
  readonly maxUnauthenticatedFrameBytes: number;
}

/** Transport moves calls between clients and servers. */
export interface Transport {
  readonly name: string;
  listen(address: { host: string; port: number }, handler: CallHandler): Promise<Listener>;
  dial(target: DialTarget): Promise<ClientConnection>;
  /** Releases what the transport holds beyond its listeners and connections (a broker connection). */
  close?(): Promise<void>;
}

/** The TLS material a transport uses; the container binds it from the app's TLS options. */
export type TransportTLS = TLSMaterial;

// Errors raised (errors/catalogue.ts): BST_ERR_TRANSPORT_FRAME_TOO_LARGE, BST_ERR_TRANSPORT_MALFORMED_FRAME,
// BST_ERR_TRANSPORT_CLOSED, BST_ERR_CLIENT_CONNECTION, BST_ERR_SECURITY_SERVER_IDENTITY.
