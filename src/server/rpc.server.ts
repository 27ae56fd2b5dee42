import { randomUUID } from 'node:crypto';
import { inject, injectable, multiInject, optional } from 'inversify';
import type { CodecLimits, CodecLookup } from '../codec/codec.js';
import { encodeBody } from '../codec/pipeline.js';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import { LOCAL_ONLY_ERROR_IDS } from '../errors/catalogue.js';
import { internal, notFound, toBastionError } from '../errors/factories.js';
import type { Logger } from '../logging/logger.js';
import type { RegistrationSigner, Registry, ServiceRecord } from '../registry/registry.js';
import type { CertificateSource } from '../security/security.js';
import type { CallHandler, InboundCall, Listener, Reply, RequestHeader, Transport } from '../transport/transport.js';
import type { Binder } from '../validation/validation.js';
import type { ServerOptions } from './options.js';
import { HEALTH_ENDPOINT, type CallContext, type EndpointDescriptor, type HealthReport, type Server, type ServerAddress, type ServiceClass, type WrapperFactory } from './server.js';
import { keepCallScopes, withCall } from './call-scope.js';
import { holdWork, pendingWork, ServedCall } from './served-call.js';
import { requestBinding } from './bind-request.js';
import { isRejection, NOT_A_REJECTION, reasonOf, rejection } from '../errors/rejection.js';
import { Refused } from '../errors/refused.js';
import { deadlineJoined, isDeadlineWrapper } from './deadline.wrapper.js';
import { allPassValues, compose, isThenable, type Terminal } from './wrapper.js';

/** Resolves the instance of a service class (from the container). */
export type ServiceResolver = (cls: ServiceClass) => object;

type Handler = (request: unknown, ctx: CallContext) => unknown;

interface Route {
  readonly endpoint: EndpointDescriptor;
  /** The wrappers around the handler; resolves with the plain result. */
  readonly run: Terminal<ServedCall>;
  /** The result, encoded with the endpoint's codec. */
  readonly encode: (value: unknown) => Uint8Array;
  /** Some wrapper of the chain is not a built-in passing values: its answer may come before the work it started settled. */
  readonly foreignWrappers: boolean;
}

/**
 * RPCServer serves the endpoints the explorer found: one wrapper chain per endpoint,
 * built once at start, so nothing about an endpoint is looked up while serving a call
 * beyond one map read.
 */
@injectable()
export class RPCServer implements Server {
  readonly name = 'rpc';
  private readonly routes = new Map<string, Map<string, Route>>();
  private listener: Listener | undefined;
  private records: ServiceRecord[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    @inject(TOKENS.Transport) private readonly transport: Transport,
    @inject(TOKENS.Registry) private readonly registry: Registry,
    @inject(TOKENS.CodecLookup) private readonly codecs: CodecLookup,
    @inject(TOKENS.CodecLimits) private readonly limits: CodecLimits,
    @inject(TOKENS.Binder) private readonly binder: Binder,
    @multiInject(TOKENS.WrapperFactories) private readonly wrapperFactories: WrapperFactory[],
    @inject(TOKENS.Endpoints) private readonly endpoints: readonly EndpointDescriptor[],
    @inject(TOKENS.ServiceResolver) private readonly resolve: ServiceResolver,
    @inject(TOKENS.ServerOptions) private readonly options: ServerOptions,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.CertificateSource) @optional() private readonly certificates?: CertificateSource,
    @inject(TOKENS.RegistrationSigner) @optional() private readonly signer?: RegistrationSigner,
  ) {}

  async start(): Promise<ServerAddress> {
    if (this.listener !== undefined) return { host: this.listener.host, port: this.listener.port };
    if (this.endpoints.length === 0) throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', 'There is no service to serve');
    for (const endpoint of this.endpoints) this.route(endpoint);
    // A handler may reach the client in ways no one can see coming (a module-level app, a lazy
    // getter): a serving process keeps call scopes, so no nested call escapes its caller's deadline.
    keepCallScopes();
    this.listener = await this.transport.listen({ host: this.options.host, port: this.options.port }, this.handle);
    this.records = this.serviceRecords(this.listener.port);
    try {
      await this.register();
    } catch (error) {
      await this.listener.close(0);
      this.listener = undefined;
      throw error;
    }
    this.heartbeat = setInterval(() => {
      this.register().catch((error: unknown) => this.logger.error('registration_failed', { reason: toBastionError(error).detail }));
    }, Math.floor(this.options.registerTtlMs / 3));
    this.heartbeat.unref();
    this.logger.info('server_started', { host: this.listener.host, port: this.listener.port, transport: this.transport.name });
    return { host: this.listener.host, port: this.listener.port };
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    // Deregister first so callers stop choosing this node while it drains.
    await Promise.allSettled(this.records.map((record) => this.registry.deregister(this.signed(record), this.who())));
    await this.listener?.close(this.options.drainMs);
    this.logger.info('server_stopped', {});
  }

  private async register(): Promise<void> {
    for (const record of this.records) await this.registry.register(this.signed(record), { ttlMs: this.options.registerTtlMs, ...this.who() });
  }

  // Every (re-)registration is signed anew, so each carries a fresh nonce and is never a replay.
  private signed(record: ServiceRecord): ServiceRecord {
    return this.signer === undefined ? record : this.signer.sign(record);
  }

  private who(): { identity?: string } {
    // Read at each registration: a reloaded certificate may prove a new identity.
    return this.certificates === undefined ? {} : { identity: this.certificates.current().identity.name };
  }

  private serviceRecords(port: number): ServiceRecord[] {
    const byService = new Map<string, EndpointDescriptor[]>();
    for (const endpoint of this.endpoints) {
      const key = `${endpoint.service}\u0000${endpoint.version}`;
      byService.set(key, [...(byService.get(key) ?? []), endpoint]);
    }
    return [...byService.values()].map((endpoints) => {
      const first = endpoints[0] as EndpointDescriptor;
      return {
        name: first.service,
        version: first.version,
        metadata: {},
        endpoints: endpoints.map((e) => ({ name: e.endpoint, request: e.request?.name ?? '', codec: e.codec, ...(e.idempotent === true ? { idempotent: true } : {}) })),
        nodes: [{ id: `${first.service}-${randomUUID()}`, host: this.options.advertiseHost, port, metadata: {} }],
      };
    });
  }

  private route(endpoint: EndpointDescriptor): void {
    const wrappers = this.wrapperFactories.flatMap((factory) => factory(endpoint) ?? []);
    const codec = this.codecs.get(endpoint.codec);
    const { binder } = this;
    const lastWrapper = wrappers[wrappers.length - 1];
    const passValues = allPassValues(lastWrapper !== undefined && isDeadlineWrapper(lastWrapper) ? wrappers.slice(0, -1) : wrappers);
    // Where every wrapper passes values, a refused request goes up the chain as a value (errors/refused.ts).
    const bindRequest = requestBinding(endpoint, this.codecs, this.limits, binder, passValues);
    const responseBody = { endpoint: endpoint.endpoint, body: 'response' } as const;
    const { validateResponses } = this.options;
    const instance = this.resolve(endpoint.serviceClass) as Record<string, Handler>;
    const method = instance[endpoint.method] as Handler;
    const { toPlain } = binder;
    const answer = validateResponses
      ? async (result: unknown) => {
          const value = await result;
          await this.checkResponse(endpoint, value);
          return toPlain.call(binder, value);
        }
      : (result: unknown) => (isThenable(result) ? Promise.resolve(result).then((value) => toPlain.call(binder, value)) : toPlain.call(binder, result));
    const handle = (request: unknown, ctx: ServedCall): unknown => answer(method.call(instance, request, ctx));
    // Validation that had to be awaited may outlast the call: a 408 or a cancel meanwhile, or an
    // answer from a user's wrapper, means nobody waits for the handler any more (attack7 A7-D1b).
    const handleUnlessEnded = (request: unknown, ctx: ServedCall): unknown => (ctx.cancellation.aborted || ctx.answered ? rejection(ended(ctx, endpoint)) : handle(request, ctx));
    // Synchronous as far as the request binding and the handler are: a call whose validation and
    // handler need no await costs one promise here, not four.
    const terminal: Terminal<ServedCall> = (ctx) => {
      // A wrapper that reaches the handler only after the call was answered (408) or cancelled
      // must not start it: nobody waits for its result, and its slot may be gone (round 3 A1).
      // Nor one a wrapper reaches after the call was answered: its slots are given back (attack7 A7-S6).
      if (ctx.cancellation.aborted || ctx.answered) return rejection(ended(ctx, endpoint));
      try {
        const request = bindRequest(ctx.contentType, ctx.body);
        // A refused request (400, 413, 415) comes back refused: nothing runs, nothing to race.
        if (request instanceof Refused || isRejection(request)) return request as Promise<never>;
        const result = isThenable(request) ? Promise.resolve(request).then((value) => handleUnlessEnded(value, ctx)) : handle(request, ctx);
        // Built-in wrappers carry a plain value as it is (wrapper.ts, passesValues): the server answers it at once.
        if (!isThenable(result)) return passValues ? (result as Promise<unknown>) : Promise.resolve(result);
        const work = Promise.resolve(result);
        holdWork(ctx, work);
        return work;
      } catch (error) {
        return rejection(error);
      }
    };
    let services = this.routes.get(endpoint.service);
    if (services === undefined) this.routes.set(endpoint.service, (services = new Map()));
    // With no user wrapper between them, the deadline and the last step run as one (deadline.wrapper.ts).
    const last = wrappers[wrappers.length - 1];
    const joined = last !== undefined && isDeadlineWrapper(last);
    const chain = joined ? compose(wrappers.slice(0, -1), deadlineJoined(terminal)) : compose(wrappers, terminal);
    const encode = (value: unknown) => encodeBody(codec, value, responseBody);
    services.set(endpoint.endpoint, { endpoint, run: chain, encode, foreignWrappers: !passValues });
  }

  /** Development mode: a handler result failing its own DTO constraints is a `500` and one log line naming the fields. */
  private async checkResponse(endpoint: EndpointDescriptor, result: unknown): Promise<void> {
    const fields = await this.binder.validateResponse(result);
    if (fields.length === 0) return;
    this.logger.error('invalid_response', { endpoint: endpoint.endpoint, fields: fields.map((f) => `${f.path}: ${f.constraints.join('; ')}`) });
    throw internal(new TypeError(`${endpoint.endpoint} returned a response that fails validation`));
  }

  /**
   * The built-in health check of every service served here: no wrapper runs and no body is
   * read; a draining server never gets here (its transport answers `503`).
   */
  private health(header: RequestHeader): Reply {
    const codec = this.codecs.has(header.contentType) ? this.codecs.get(header.contentType) : this.codecs.get('application/json');
    const report: HealthReport = { service: header.service, status: 'serving' };
    return { kind: 'response', contentType: codec.contentType, body: encodeBody(codec, report, { endpoint: HEALTH_ENDPOINT, body: 'response' }) };
  }

  /**
   * Answers a call: at once when the chain settled synchronously (no await anywhere, every
   * wrapper a built-in that passes values), else through one promise reaction. Promise
   * reactions, not an async function: a refusal reaches its reply without being thrown back
   * into a frame and unwound.
   */
  private readonly answerNow = (call: InboundCall): Reply | Promise<Reply> => {
    const { header } = call;
    if (header.endpoint === HEALTH_ENDPOINT && this.routes.has(header.service)) return this.health(header);
    const route = this.routes.get(header.service)?.get(header.endpoint);
    if (route === undefined) return { kind: 'error', error: notFound(`${header.service}/${header.endpoint}`).toWire() };
    const ctx = new ServedCall(route.endpoint, call, route.foreignWrappers);
    let running: unknown;
    try {
      running = withCall(ctx, route.run);
    } catch (thrown) {
      return this.refused(ctx, call, thrown);
    }
    // The chain returns what the outermost wrapper returned, unchecked; `await` took a plain
    // value or another library's thenable, and so does this (a native promise comes back as it is).
    if (running instanceof Refused) return this.refused(ctx, call, running.error);
    if (!isThenable(running)) return this.served(ctx, call, route, running);
    // A refusal made synchronously (400, 401, 403, 429) is answered at once too.
    const reason = reasonOf(running);
    if (reason !== NOT_A_REJECTION) return this.refused(ctx, call, reason);
    // The call goes on past this tick: from now on its deadline and the client's cancel can end it.
    ctx.arm();
    return Promise.resolve(running).then(
      (value) => this.served(ctx, call, route, value),
      (thrown: unknown) => this.refused(ctx, call, thrown),
    );
  };

  /** The transports' handler: `answerNow` as a promise, and `answerNow` itself for a transport that takes a reply at once. */
  private readonly handle: CallHandler = Object.assign(
    (call: InboundCall): Promise<Reply> => {
      const reply = this.answerNow(call);
      return reply instanceof Promise ? reply : Promise.resolve(reply);
    },
    { now: this.answerNow },
  );

  private served(ctx: ServedCall, call: InboundCall, route: Route, value: unknown): Reply {
    // A refusal passed as a value through a wrapper that awaited it (rate limit in wait mode, max in flight).
    if (value instanceof Refused) return this.refused(ctx, call, value.error);
    this.finish(ctx, call);
    try {
      return { kind: 'response', contentType: route.endpoint.codec, body: route.encode(value) };
    } catch (thrown) {
      return this.failed(call, thrown);
    }
  }

  private refused(ctx: ServedCall, call: InboundCall, thrown: unknown): Reply {
    this.finish(ctx, call);
    ctx.refusalObserver?.refused(ctx, thrown);
    return this.failed(call, thrown);
  }

  private finish(ctx: ServedCall, call: InboundCall): void {
    ctx.answered = true;
    // The deadline answers 408 (or a cancel ends the call) while the handler may still run, and
    // a user's wrapper may answer without waiting for the handler it started: the transport holds
    // the call's id and in-flight slot until that work settles (attack F3, attack7 A7-S5).
    // Answered by built-ins only and without an abort, the chain waited for that work: it has settled.
    const pending = pendingWork(ctx);
    if (pending !== undefined) {
      // Answered at once, the call was never armed: work still running must still learn that the client went away.
      ctx.arm();
      call.holdUntil?.(pending);
    }
    ctx.dispose();
  }

  /** The reply to a call that failed or was refused: its error's wire form, the cause of a 5xx logged here. */
  private failed(call: InboundCall, thrown: unknown): Reply {
    const { header } = call;
    if (call.cancelled?.aborted === true && thrown === call.cancelled.reason) {
      // The client cancelled or went away: nobody reads an answer, and nothing failed here.
      this.logger.debug('call_cancelled', { endpoint: header.endpoint });
      return { kind: 'error', error: new BastionError('BST_ERR_TRANSPORT_CLOSED').toWire() };
    }
    const error = forwardable(thrown);
    if (error.code >= 500) {
      // The cause stays in the log; the peer only ever sees the catalogue message.
      this.logger.error('handler_failed', { endpoint: header.endpoint, error: describeThrown(thrown) });
    }
    return { kind: 'error', error: error.toWire() };
  }
}


/** Why a handler is not started for a call that ended before it could: the abort's reason, or a 500 for a wrapper calling next() too late. */
function ended(ctx: ServedCall, endpoint: EndpointDescriptor): unknown {
  return ctx.cancellation.aborted ? ctx.cancellation.reason : internal(new Error(`${endpoint.endpoint}: next() called after the call was answered`));
}

/** Text for the log about whatever a handler threw; never throws itself, whatever was thrown. */
function describeThrown(thrown: unknown): string {
  try {
    return thrown instanceof Error ? String(thrown.stack ?? thrown.message) : String(thrown);
  } catch {
    return `a value that cannot be shown (${typeof thrown})`;
  }
}

/**
 * What a handler's failure may tell the caller. Once the handler ran, an error saying the
 * call never reached a server (a downstream call's connection failure, a drain) would make
 * the caller retry a handler that did run, so it becomes an internal error (attack F2).
 */
function forwardable(thrown: unknown): BastionError {
  const error = toBastionError(thrown);
  return LOCAL_ONLY_ERROR_IDS.has(error.id) || error.id === 'BST_ERR_SERVER_SHUTTING_DOWN' ? internal(thrown) : error;
}
