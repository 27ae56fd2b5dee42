import { ContainerModule, type BindingConstraints } from 'inversify';
import type { ClientWrapper } from '../client/client.js';
import { childLogger, unfailingLogger, type Logger } from '../logging/logger.js';
import { securityEventsClientWrapper, securityEventsWrapper } from '../logging/security-events.wrapper.js';
import { EventThrottle } from '../logging/event-throttle.js';
import { BastionMetrics } from '../metrics/bastion.metrics.js';
import { EventCountingLogger } from '../metrics/event-counting.logger.js';
import { serveMetrics, type MetricsEndpoint } from '../metrics/metrics.endpoint.js';
import type { MetricsEndpointOptions, MetricsOptions, MetricsRegistry } from '../metrics/metrics.js';
import { metricsClientWrapper, metricsWrapper } from '../metrics/metrics.wrapper.js';
import { PrometheusRegistry } from '../metrics/prometheus.registry.js';
import { tracingClientWrapper, tracingWrapper } from '../tracing/tracing.wrapper.js';
import type { TracingOptions } from '../tracing/tracing.js';
import { RPCClient } from '../client/rpc.client.js';
import { MemoryRateLimiter } from '../ratelimit/memory.rate-limiter.js';
import { ValidatingRegistry } from '../registry/validating/validating.registry.js';
import { RPCServer } from '../server/rpc.server.js';
import { TCPTransport } from '../transport/tcp.transport.js';
import { TLSTransport } from '../transport/tls.transport.js';
import { TOKENS } from './tokens.js';

/**
 * The component name of each part's child logger, by the token the part is bound to and by
 * the default implementation class: tokens redirect to a singleton bound under its class
 * (B31), so the class is what injects the logger.
 */
const COMPONENTS: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  [TOKENS.Server, 'server'],
  [RPCServer, 'server'],
  [TOKENS.Client, 'client'],
  [RPCClient, 'client'],
  [TOKENS.Transport, 'transport'],
  [TLSTransport, 'transport'],
  [TCPTransport, 'transport'],
  [TOKENS.Registry, 'registry'],
  [ValidatingRegistry, 'registry'],
  [TOKENS.RateLimiter, 'ratelimit'],
  [MemoryRateLimiter, 'ratelimit'],
]);

/** `BastionOptions.observability`: what is switched on at boot. */
export interface ObservabilityOptions {
  /** Log refused calls as security events (`call_refused_identity`, `rate_limited`, …); on unless `false`. */
  readonly securityEvents?: boolean;
  /** Count calls, latency, in-flight calls, rate-limit decisions and security events; off by default. */
  readonly metrics?: boolean | MetricsOptions;
  /** Trace each call with this tracer (an OpenTelemetry one through `openTelemetryTracer()`); off by default. */
  readonly tracing?: TracingOptions;
}

/** What boot needs to switch observability on. */
export interface ObservabilitySetup {
  /** The app's logger; with metrics on, it also counts the security events logged through it. */
  readonly logger: Logger;
  /** Loaded before the defaults, so its server wrappers run outermost (tracing, metrics, security events). */
  readonly first: ContainerModule;
  /** Loaded after the defaults: rate-limit decisions go to the metrics, and each component gets a child logger. */
  readonly last: ContainerModule;
  /** Client wrappers to put before the app's own, outermost first. */
  readonly clientWrappers: readonly ClientWrapper[];
}

/**
 * Builds the bindings of `options.observability`: the outermost server wrappers (a span,
 * then the call metrics, then the security-event log), the same on the client, the
 * metrics registry (`TOKENS.MetricsRegistry`) and the opt-in endpoint's options.
 *
 * @see docs/observability.md
 */
export function observabilitySetup(options: ObservabilityOptions = {}, logger: Logger): ObservabilitySetup {
  const metricsOptions: MetricsOptions | undefined = options.metrics === true ? {} : options.metrics === false ? undefined : options.metrics;
  const metrics = metricsOptions === undefined ? undefined : new BastionMetrics(metricsOptions.registry ?? new PrometheusRegistry(), metricsOptions.buckets);
  const appLogger = metrics === undefined ? logger : new EventCountingLogger(logger, metrics);
  // The framework's own parts log on paths a peer drives (a refusal, a handler's 500, a bad
  // handshake): a record their sink cannot write is lost there, never thrown (attack7 A7-L5).
  const securityLogger = unfailingLogger(childLogger(appLogger, { component: 'security' }));
  const events = options.securityEvents !== false;
  // One record per (event, peer, endpoint) per second; the metrics still count every event.
  const throttle = new EventThrottle(metrics === undefined ? {} : { onSuppressed: (event) => metrics.securityEvent(event) });
  const tracer = options.tracing?.tracer;
  const endpoint = metricsOptions?.endpoint === true ? {} : metricsOptions?.endpoint === false ? undefined : metricsOptions?.endpoint;
  const first = new ContainerModule(({ bind }) => {
    if (tracer !== undefined) bind(TOKENS.WrapperFactories).toConstantValue(tracingWrapper(tracer));
    if (metrics !== undefined) {
      bind(TOKENS.Metrics).toConstantValue(metrics);
      bind(TOKENS.MetricsRegistry).toConstantValue(metrics.registry);
      bind(TOKENS.WrapperFactories).toConstantValue(metricsWrapper(metrics));
      if (endpoint !== undefined) bind(TOKENS.MetricsEndpointOptions).toConstantValue(endpoint);
    }
    if (events) bind(TOKENS.WrapperFactories).toConstantValue(securityEventsWrapper(securityLogger, throttle));
  });
  const last = new ContainerModule(({ bind, rebind }) => {
    if (metrics !== undefined) rebind(TOKENS.RateLimitMetrics).toConstantValue(metrics);
    // One logger, and a child per component for whatever injects it (server, transport, …).
    const componentOf = (c: BindingConstraints) => COMPONENTS.get(c.getAncestor()?.serviceIdentifier);
    rebind(TOKENS.Logger).toConstantValue(appLogger).when((c) => componentOf(c) === undefined);
    for (const [id, component] of COMPONENTS) {
      bind(TOKENS.Logger).toConstantValue(unfailingLogger(childLogger(appLogger, { component }))).when((c) => c.getAncestor()?.serviceIdentifier === id);
    }
  });
  const clientWrappers: ClientWrapper[] = [];
  if (tracer !== undefined) clientWrappers.push(tracingClientWrapper(tracer));
  if (metrics !== undefined) clientWrappers.push(metricsClientWrapper(metrics));
  if (events) clientWrappers.push(securityEventsClientWrapper(securityLogger, throttle));
  return { logger: appLogger, first, last, clientWrappers };
}

/** Starts the metrics endpoint when `observability.metrics.endpoint` asked for one. */
export async function startMetricsEndpoint(container: { isBound(id: symbol): boolean; get<T>(id: symbol): T }): Promise<MetricsEndpoint | undefined> {
  if (!container.isBound(TOKENS.MetricsEndpointOptions)) return undefined;
  return serveMetrics(container.get<MetricsRegistry>(TOKENS.MetricsRegistry), container.get<MetricsEndpointOptions>(TOKENS.MetricsEndpointOptions));
}
