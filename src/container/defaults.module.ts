import { ContainerModule, type ContainerModuleLoadOptions, type Newable } from 'inversify';
import type { Client, ClientWrapper } from '../client/client.js';
import { keepCallScopes } from '../server/call-scope.js';
import type { ClientOptions } from '../client/options.js';
import { RPCClient } from '../client/rpc.client.js';
import type { SubscriberDescriptor } from '../broker/broker.js';
import { MemoryBroker } from '../broker/memory.broker.js';
import { Publisher } from '../broker/publisher.js';
import { Subscribers } from '../broker/subscribers.js';
import type { CodecLimits } from '../codec/codec.js';
import { CodecRegistry } from '../codec/codecs.js';
import { JSONCodec } from '../codec/json.codec.js';
import { MsgpackCodec } from '../codec/msgpack.codec.js';
import type { Logger } from '../logging/logger.js';
import { maxInFlightWrapper } from '../ratelimit/max-in-flight.wrapper.js';
import { MemoryRateLimitMetrics } from '../ratelimit/memory.metrics.js';
import { MemoryRateLimiter } from '../ratelimit/memory.rate-limiter.js';
import type { RateLimiterOptions } from '../ratelimit/ratelimit.js';
import { rateLimitWrapper } from '../ratelimit/rate-limit.wrapper.js';
import type { RegistrationSigner, Registry } from '../registry/registry.js';
import type { RegistryPolicy } from '../registry/validating/policy.js';
import { ValidatingRegistry } from '../registry/validating/validating.registry.js';
import { mutualTLSWrapper } from '../security/mutual-tls.wrapper.js';
import type { CertificateSource } from '../security/security.js';
import { RoundRobinSelector } from '../selector/round-robin.selector.js';
import { deadlineWrapper } from '../server/deadline.wrapper.js';
import type { ServerOptions } from '../server/options.js';
import { RPCServer } from '../server/rpc.server.js';
import type { EndpointDescriptor, WrapperFactory } from '../server/server.js';
import { chain, endpointWrappers } from '../server/wrapper.js';
import { TCPTransport } from '../transport/tcp.transport.js';
import { TLSTransport } from '../transport/tls.transport.js';
import type { TransportOptions } from '../transport/transport.js';
import { StrictBinder } from '../validation/strict-binder.js';
import { TOKENS } from './tokens.js';

/** Resolved values the default bindings are made from. */
export interface DefaultsConfig {
  /** The app's certificates; `undefined` only in insecure mode, which binds the plain TCP transport. */
  readonly certificates: CertificateSource | undefined;
  readonly transport: TransportOptions;
  readonly codecLimits: CodecLimits;
  readonly innerRegistry: Registry;
  readonly registryPolicy: RegistryPolicy;
  readonly registrationSigner?: RegistrationSigner | undefined;
  readonly rateLimiter: RateLimiterOptions;
  readonly server: ServerOptions;
  readonly client: ClientOptions;
  readonly endpoints: readonly EndpointDescriptor[];
  readonly subscribers: readonly SubscriberDescriptor[];
  readonly wrappers: readonly WrapperFactory[];
  readonly clientWrappers: readonly ClientWrapper[];
  readonly logger: Logger;
}

/**
 * Binds `implementation` once, as a singleton of its own, and `token` as a redirect to it:
 * whichever identifier resolves it (the token, or the class itself, which autobinding would
 * otherwise serve as a second singleton) gets the same instance (shared case B31).
 */
function singleton<T>(bind: ContainerModuleLoadOptions['bind'], token: symbol, implementation: Newable<T>): void {
  bind(implementation).toSelf().inSingletonScope();
  bind<T>(token).toService(implementation);
}

/**
 * The default bindings, one line each: TLS transport, JSON and MessagePack codecs, strict binder, the
 * ValidatingRegistry over the given registry, round-robin selector, in-memory rate
 * limiter and its metrics, the wrapper factories in their documented order (identity
 * check, load shedding, rate limit, deadline, then user wrappers), and the chained client
 * wrappers.
 */
export function defaultsModule(config: DefaultsConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    if (config.certificates !== undefined) bind(TOKENS.CertificateSource).toConstantValue(config.certificates);
    bind(TOKENS.TransportOptions).toConstantValue(config.transport);
    bind(TOKENS.CodecLimits).toConstantValue(config.codecLimits);
    bind(TOKENS.InnerRegistry).toConstantValue(config.innerRegistry);
    bind(TOKENS.RegistryPolicy).toConstantValue(config.registryPolicy);
    if (config.registrationSigner !== undefined) bind(TOKENS.RegistrationSigner).toConstantValue(config.registrationSigner);
    bind(TOKENS.RateLimiterOptions).toConstantValue(config.rateLimiter);
    bind(TOKENS.ServerOptions).toConstantValue(config.server);
    bind(TOKENS.ClientOptions).toConstantValue(config.client);
    bind(TOKENS.Endpoints).toConstantValue(config.endpoints);
    bind(TOKENS.Logger).toConstantValue(config.logger);
    if (config.certificates === undefined) singleton(bind, TOKENS.Transport, TCPTransport);
    else singleton(bind, TOKENS.Transport, TLSTransport);
    bind(TOKENS.Codecs).to(JSONCodec).inSingletonScope();
    bind(TOKENS.Codecs).toConstantValue(new MsgpackCodec());
    singleton(bind, TOKENS.CodecLookup, CodecRegistry);
    singleton(bind, TOKENS.Binder, StrictBinder);
    singleton(bind, TOKENS.Registry, ValidatingRegistry);
    singleton(bind, TOKENS.Selector, RoundRobinSelector);
    singleton(bind, TOKENS.RateLimiter, MemoryRateLimiter);
    singleton(bind, TOKENS.RateLimitMetrics, MemoryRateLimitMetrics);
    bind(TOKENS.WrapperFactories).toConstantValue(mutualTLSWrapper());
    bind(TOKENS.WrapperFactories).toDynamicValue((ctx) => maxInFlightWrapper(ctx.get(TOKENS.RateLimitMetrics))).inSingletonScope();
    bind(TOKENS.WrapperFactories).toDynamicValue((ctx) => rateLimitWrapper(ctx.get(TOKENS.RateLimiter), ctx.get(TOKENS.RateLimitMetrics))).inSingletonScope();
    bind(TOKENS.WrapperFactories).toConstantValue(deadlineWrapper());
    for (const wrapper of config.wrappers) bind(TOKENS.WrapperFactories).toConstantValue(wrapper);
    bind(TOKENS.WrapperFactories).toConstantValue(endpointWrappers());
    singleton(bind, TOKENS.Server, RPCServer);
    if (config.clientWrappers.length > 0) bind(TOKENS.ClientWrapper).toConstantValue(chain(config.clientWrappers));
    bind(RPCClient).toSelf().inSingletonScope();
    // Transient, so every resolution of the token (an injection, a container.get) is seen: whoever
    // gets the client may call from inside a handler, so served calls keep their scope from then on.
    bind<Client>(TOKENS.Client)
      .toDynamicValue((context) => {
        keepCallScopes();
        return context.get(RPCClient);
      })
      .inTransientScope();
    bind(TOKENS.Subscribers).toConstantValue(config.subscribers);
    bind(TOKENS.Broker).toConstantValue(
      new MemoryBroker((message, reason) => config.logger.warn('message_dropped', { topic: message.topic, reason })),
    );
    singleton(bind, TOKENS.Publisher, Publisher);
    singleton(bind, TOKENS.SubscriberRunner, Subscribers);
  });
}
