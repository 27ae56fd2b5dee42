import { randomInt } from 'node:crypto';
import type { ConnectionOptions, Msg, NatsConnection, Subscription } from 'nats';
import { BastionError } from '../errors/bastion-error.js';
import { deadlineExceeded, toBastionError } from '../errors/factories.js';
import type { PeerInfo } from '../security/security.js';
import { CallSigner, CallVerifier, type CallIdentityOptions } from './call-identity.js';
import { CallTable } from './call-table.js';
import { encodeFrame, FrameDecoder, type Frame } from './framing.js';
import { DEFAULT_DRAIN_MS } from './options.js';
import type { CallHandler, ClientConnection, DialTarget, Listener, Reply, RequestHeader, Transport, TransportOptions } from './transport.js';
import { lazyPackage } from '../lazy/lazy.js';

// Loaded on first connect: an application on the TLS transport never pays for the client.
const nats = lazyPackage<typeof import('nats')>('nats');

/** Options of the NATS transport. */
export interface NatsTransportOptions {
  /** `nats://host:port` or a list; defaults to 127.0.0.1:4222. */
  readonly servers?: string | string[];
  /** The NATS client's TLS options (`ca`, `cert`, `key`): the connection to NATS is then TLS. */
  readonly tls?: ConnectionOptions['tls'];
  /** Request subjects are `<subjectPrefix>.<node>`; defaults to `bastion.rpc`. */
  readonly subjectPrefix?: string;
  /** Signed call identities, for callers without a client certificate (docs/transport-nats.md). */
  readonly identity?: CallIdentityOptions;
}

const IDENTITY_HEADER = 'Bastion-Identity';

function unavailable(detail: string): BastionError {
  return new BastionError('BST_ERR_CLIENT_CONNECTION', detail);
}

/** Decodes one frame of a message, with the same limits and header checks as on TLS. */
function frameOf(data: Uint8Array, maxFrameBytes: number): Frame {
  let decoded: Frame | undefined;
  let count = 0;
  const decoder = new FrameDecoder(maxFrameBytes);
  decoder.push(data, (frame) => {
    count += 1;
    decoded ??= frame;
  });
  if (decoded === undefined || count !== 1 || decoder.pending) throw new BastionError('BST_ERR_TRANSPORT_MALFORMED_FRAME', 'The frame is malformed: not exactly one frame');
  return decoded;
}

class NatsListener implements Listener {
  private readonly inFlight = new CallTable<Promise<void>>();
  private nextWorkId = 1;
  private draining = false;
  private closing: Promise<void> | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly subscription: Subscription,
  ) {}

  track(work: Promise<void>): void {
    const id = this.nextWorkId++;
    this.inFlight.set(id, work);
    // Both outcomes handled: `finally` would pass a rejection (a reply that could not be sent
    // because the connection closed: its caller is gone) on to a promise nobody handles.
    const done = (): void => void this.inFlight.delete(id);
    work.then(done, done);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  close(drainMs: number = DEFAULT_DRAIN_MS): Promise<void> {
    this.closing ??= (async () => {
      this.draining = true;
      let timer: NodeJS.Timeout | undefined;
      const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)));
      await Promise.race([Promise.allSettled(this.inFlight.values()), wait]);
      clearTimeout(timer);
      this.subscription.unsubscribe();
    })();
    return this.closing;
  }
}

class NatsClientConnection implements ClientConnection {
  private isClosed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly options: TransportOptions,
    private readonly signer: CallSigner | undefined,
  ) {}

  get closed(): boolean {
    return this.isClosed || this.nc.isClosed();
  }

  async request(header: RequestHeader, body: Uint8Array, signal?: AbortSignal): Promise<Reply> {
    if (this.closed) throw new BastionError('BST_ERR_TRANSPORT_CLOSED');
    const bytes = encodeFrame({ kind: 'request', callId: 1, header, body }, this.options.maxFrameBytes);
    const hdrs = nats().headers();
    if (this.signer !== undefined) hdrs.set(IDENTITY_HEADER, this.signer.token(header, body));
    // NATS needs a timeout; the call's own deadline is enforced by the client above this.
    const timeout = header.timeoutMs > 0 ? Math.min(header.timeoutMs, 2 ** 31 - 1) : 2 ** 31 - 1;
    const sent = this.nc.request(this.subject, bytes, { timeout, headers: hdrs });
    const aborted = signal === undefined ? undefined : new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    let msg: Msg;
    try {
      msg = await (aborted === undefined ? sent : Promise.race([sent, aborted]));
    } catch (error) {
      if (signal?.aborted === true) throw error;
      const code = (error as { code?: string }).code;
      // 503 from NATS means no responder: nothing received the request, as a refused dial.
      if (code === '503') throw unavailable(`No node answers on ${this.subject}`);
      if (code === 'TIMEOUT') throw deadlineExceeded();
      throw new BastionError('BST_ERR_TRANSPORT_CLOSED', `The NATS request failed (${code ?? 'nats'})`);
    }
    const frame = frameOf(msg.data, this.options.maxFrameBytes);
    if (frame.kind === 'response') return { kind: 'response', contentType: frame.contentType, body: frame.body };
    if (frame.kind === 'error') return { kind: 'error', error: frame.error };
    throw new BastionError('BST_ERR_TRANSPORT_MALFORMED_FRAME', 'The frame is malformed: a server may only answer a response or an error');
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }
}

/**
 * NatsTransport carries calls as NATS request/reply messages instead of direct TLS
 * connections: each listener subscribes to `<subjectPrefix>.<node>` and the node number is
 * registered as its port, so the registry, selector, client and wrappers work unchanged.
 * Each message holds exactly one Bastion frame (same limits, codecs and header checks).
 * The connection to NATS is TLS when `tls` is set. Without client certificates, a caller's
 * identity is an Ed25519-signed token in a message header, checked per call
 * (docs/transport-nats.md says what is and is not verified).
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  private connection: Promise<NatsConnection> | undefined;
  private readonly prefix: string;
  private readonly signer: CallSigner | undefined;
  private readonly verifier: CallVerifier;

  constructor(
    private readonly options: NatsTransportOptions,
    private readonly transportOptions: TransportOptions,
  ) {
    this.prefix = options.subjectPrefix ?? 'bastion.rpc';
    this.signer = options.identity?.self === undefined ? undefined : new CallSigner(options.identity.self);
    this.verifier = new CallVerifier(options.identity ?? {});
  }

  async listen(address: { host: string; port: number }, handler: CallHandler): Promise<Listener> {
    const nc = await this.connect();
    // The node number plays the port: registered like one, it names this listener's subject.
    const node = address.port === 0 ? randomInt(1024, 65_536) : address.port;
    const { maxFrameBytes } = this.transportOptions;
    let listener: NatsListener | undefined;
    const subscription = nc.subscribe(`${this.prefix}.${node}`, {
      callback: (error, msg) => {
        if (error !== null || listener === undefined || msg.reply === undefined) return;
        listener.track(this.serve(msg, handler, listener, maxFrameBytes));
      },
    });
    await nc.flush();
    listener = new NatsListener(address.host, node, subscription);
    return listener;
  }

  async dial(target: DialTarget): Promise<ClientConnection> {
    return new NatsClientConnection(await this.connect(), `${this.prefix}.${target.port}`, this.transportOptions, this.signer);
  }

  /** Drains the NATS connection (listeners should be closed first). */
  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    if (pending !== undefined) await (await pending.catch(() => undefined))?.drain().catch(() => {});
  }

  private async serve(msg: Msg, handler: CallHandler, listener: NatsListener, maxFrameBytes: number): Promise<void> {
    let reply: Reply;
    try {
      const frame = frameOf(msg.data, maxFrameBytes);
      if (frame.kind !== 'request') throw new BastionError('BST_ERR_TRANSPORT_MALFORMED_FRAME', 'The frame is malformed: a client may only send requests');
      if (listener.isDraining) {
        reply = { kind: 'error', error: new BastionError('BST_ERR_SERVER_SHUTTING_DOWN').toWire() };
      } else {
        const identity = this.verifier.verify(msg.headers?.get(IDENTITY_HEADER) || undefined, frame.header, frame.body);
        const peer: PeerInfo = identity === undefined ? { authorized: false, remoteAddress: 'nats' } : { authorized: true, remoteAddress: 'nats', identity };
        reply = await handler({ header: frame.header, body: frame.body, peer });
      }
    } catch (error) {
      reply = { kind: 'error', error: toBastionError(error).toWire() };
    }
    try {
      msg.respond(encodeFrame(reply.kind === 'response' ? { kind: 'response', callId: 1, contentType: reply.contentType, body: reply.body } : { kind: 'error', callId: 1, error: reply.error }, maxFrameBytes));
    } catch (error) {
      msg.respond(encodeFrame({ kind: 'error', callId: 1, error: toBastionError(error).toWire() }, maxFrameBytes));
    }
  }

  private connect(): Promise<NatsConnection> {
    this.connection ??= nats().connect({ servers: this.options.servers ?? 'nats://127.0.0.1:4222', ...(this.options.tls === undefined ? {} : { tls: this.options.tls }) }).catch((error: unknown) => {
      this.connection = undefined;
      throw unavailable(`NATS is not reachable (${(error as { code?: string }).code ?? 'connect'})`);
    });
    return this.connection;
  }
}
