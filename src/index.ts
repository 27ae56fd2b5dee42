// The public API of Bastion: nothing is public unless it is exported here.
import 'reflect-metadata';

export { Bastion, type ClientOnlyBastion } from './bastion.js';
export type { BastionOptions } from './container/options.js';
export { TOKENS } from './container/tokens.js';
export { InjectClient } from './container/inject-client.js';

export { Service, type ServiceOptions } from './decorators/service.decorator.js';
export { Handler, type HandlerOptions } from './decorators/handler.decorator.js';
export { RequireMutualTLS, type RequireMutualTLSOptions } from './decorators/require-mutual-tls.decorator.js';
export { RateLimit, type RateLimitOptions } from './decorators/rate-limit.decorator.js';
export { Codec, type CodecChoice, type CodecClass } from './decorators/codec.decorator.js';
export { MaxInFlight } from './decorators/max-in-flight.decorator.js';
export { UseWrappers } from './decorators/use-wrappers.decorator.js';
export { Subscribe, type SubscribeOptions } from './decorators/subscribe.decorator.js';
export { Idempotent } from './decorators/idempotent.decorator.js';
export { natsTransportModule } from './container/nats-transport.module.js';
export type { NatsTransportOptions } from './transport/nats.transport.js';
export type { CallIdentityOptions } from './transport/call-identity.js';
export type { Broker, BrokerMessage, Disposition, DeliveryInfo, MessageContext, MessageHandler, Subscription } from './broker/broker.js';
export { MemoryBroker } from './broker/memory.broker.js';
export type { NatsBrokerOptions } from './broker/nats.broker.js';
export type { Publisher, PublishOptions } from './broker/publisher.js';
export { brokerModule, natsBrokerModule } from './container/broker.module.js';

export { BastionError, type FieldError, type WireError } from './errors/bastion-error.js';
export { ERROR_CATALOGUE, type ErrorCode, type ErrorId } from './errors/catalogue.js';
export { appError, type AppErrorKind } from './errors/factories.js';

export type { AuditRow } from './metadata/audit.js';
export { auditTable, formatAuditTable } from './metadata/audit.js';
export type { RateLimitKey, RateLimitPolicy, MutualTLSPolicy } from './metadata/models.js';
export type { RateLimitCaller, RateLimitKeyFunction, RateLimitMode } from './metadata/models.js';
export type { BucketClaim, RateLimiter, RateLimitEvent, RateLimitMetrics, RateLimitOutcome, TakeResult } from './ratelimit/ratelimit.js';
export { MemoryRateLimitMetrics } from './ratelimit/memory.metrics.js';
export { clientRateLimitWrapper, type ClientRateLimitOptions } from './ratelimit/client-rate-limit.wrapper.js';
export type { RedisDownPolicy, RedisRateLimiterOptions } from './ratelimit/redis.options.js';
export { redisRateLimitModule } from './container/redis-rate-limit.module.js';

export type { CallContext, HandlerWrapper, Next, WrapperFactory, EndpointDescriptor, ServerAddress } from './server/server.js';
export type { Client, CallOptions, ClientCall, ClientWrapper } from './client/client.js';
export type { ServiceProxy, RemoteEndpoint, Plain } from './client/proxy.js';
export type { ClientOptions, ClientOptionsInput } from './client/options.js';
export type { RetryOptions } from './client/retry.js';
export type { BreakerOptions } from './client/circuit-breaker.js';
export type { PoolOptions } from './client/connection-pool.js';
export type { Codec as BodyCodec, BodyContext, CodecLimits } from './codec/codec.js';
export { defineCodec, type CodecDefinition } from './codec/define-codec.js';
export { MsgpackCodec, type MsgpackCodecOptions } from './codec/msgpack.codec.js';
export { ProtobufCodec, type ProtobufCodecOptions, type ProtobufMessages } from './codec/protobuf.codec.js';
export { DEFAULT_CODEC_LIMITS } from './codec/options.js';
export { toPlainData } from './codec/sanitize.js';
export type { Registry, ServiceRecord, ServiceNode, RegisterOptions, DeregisterOptions, RegistryEvent, RegistryWatcher } from './registry/registry.js';
export { MemoryRegistry } from './registry/memory.registry.js';
export { FileRegistry } from './registry/file.registry.js';
export { RedisRegistry } from './registry/redis.registry.js';
export { NATSRegistry } from './registry/nats.registry.js';
export { registryFromUrl } from './container/registry-url.js';
export type { RegistryPolicy, RegistrationCheck } from './registry/validating/policy.js';
export { ValidatingRegistry } from './registry/validating/validating.registry.js';
export { resolveRegistryPolicy } from './registry/validating/policy.js';
export { signedRegistrationCheck, identityBindingCheck, sourceAddressCheck, requiredMetadataCheck } from './registry/validating/checks.js';
export { createRegistrationKeys, RegistrationTokenSigner, trustedKeyEntry, type RegistrationKeyEntry, type RegistrationKeyPair, type RegistrationKeySet } from './registry/validating/registration-token.js';
export { loadRegistryPolicyFile, registryPolicyFromJSON } from './registry/validating/policy-file.js';
export type { NodeFilter } from './selector/selector.js';
export type { Logger, LogLevel } from './logging/logger.js';
export { ConsoleLogger, childLogger, SECURITY_EVENTS, HANDSHAKE_REFUSED_REASONS } from './logging/logger.js';
export type { ConsoleLoggerOptions, LogFields, SecurityEvent, HandshakeRefusedReason } from './logging/logger.js';
export { pinoLogger, type PinoLike } from './logging/pino.logger.js';
export type { ObservabilityOptions } from './container/observability.module.js';
export type { Counter, Gauge, Histogram, Labels, MetricDefinition, HistogramDefinition, MetricsRegistry, MetricsOptions, MetricsEndpointOptions } from './metrics/metrics.js';
export { PROMETHEUS_CONTENT_TYPE } from './metrics/metrics.js';
export { PrometheusRegistry } from './metrics/prometheus.registry.js';
export { BastionMetrics, METRIC_NAMES } from './metrics/bastion.metrics.js';
export { serveMetrics, type MetricsEndpoint } from './metrics/metrics.endpoint.js';
export { promClientRegistry, type PromClientLike } from './metrics/prom-client.registry.js';
export type { Span, SpanContext, SpanOptions, SpanStatus, Tracer, TracingOptions } from './tracing/tracing.js';
export { SPAN_KIND, SPAN_STATUS, TRACEPARENT } from './tracing/tracing.js';
export { MemoryTracer, type RecordedSpan } from './tracing/memory.tracer.js';
export { openTelemetryTracer, type OpenTelemetryApiLike } from './tracing/open-telemetry.tracer.js';
export { activeSpanContext } from './tracing/active-span.js';
export { parseTraceparent, formatTraceparent } from './tracing/trace-context.js';

export type { PeerIdentity, PeerInfo, TLSOptions, PemSource } from './security/security.js';
export type { CertificateSource, ClientAuthMode, IdentityOptions, PeerCertificateSummary, TLSMaterial } from './security/security.js';
export { DEFAULT_CIPHERS, MIN_TLS_VERSION } from './security/security.js';
export {
  createCertificateAuthority,
  issueServiceCertificate,
  ensureDevPki,
  ensureCertificateAuthority,
  createRevocationList,
  spiffeId,
  type KeyPairPem,
  type RevocationListOptions,
  type ServiceCertificatePaths,
} from './security/dev-pki.js';
