import type { RateLimitEvent, RateLimitMetrics } from '../ratelimit/ratelimit.js';
import { DEFAULT_LATENCY_BUCKETS, type Counter, type Gauge, type Histogram, type MetricsRegistry } from './metrics.js';

/** Every metric Bastion declares, by what it measures; docs/observability.md lists the same names. */
export const METRIC_NAMES = Object.freeze({
  serverCalls: 'bastion_server_calls_total',
  serverDuration: 'bastion_server_call_duration_seconds',
  serverInFlight: 'bastion_server_calls_in_flight',
  clientCalls: 'bastion_client_calls_total',
  clientDuration: 'bastion_client_call_duration_seconds',
  rateLimitDecisions: 'bastion_ratelimit_decisions_total',
  handshakeFailures: 'bastion_tls_handshake_failures_total',
  registrations: 'bastion_registry_registrations_total',
  recordsDropped: 'bastion_registry_records_dropped_total',
  securityEvents: 'bastion_security_events_total',
} as const);

/** How a registration attempt ended. */
export type RegistrationOutcome = 'accepted' | 'refused';

/**
 * BastionMetrics declares Bastion's metrics on a registry and records into them: calls by
 * service, endpoint and outcome code, latency, calls in flight, rate-limit decisions
 * (it is a RateLimitMetrics), TLS handshake failures by reason, registry registrations
 * and refusals, and security events. Every label value comes from a fixed set or from the
 * app's own endpoints, never from a peer.
 */
export class BastionMetrics implements RateLimitMetrics {
  readonly name = 'bastion';
  private readonly serverCalls: Counter;
  private readonly serverDuration: Histogram;
  private readonly serverInFlight: Gauge;
  private readonly clientCalls: Counter;
  private readonly clientDuration: Histogram;
  private readonly rateLimitDecisions: Counter;
  private readonly handshakeFailures: Counter;
  private readonly registrations: Counter;
  private readonly recordsDropped: Counter;
  private readonly securityEvents: Counter;

  constructor(readonly registry: MetricsRegistry, buckets: readonly number[] = DEFAULT_LATENCY_BUCKETS) {
    const call = ['service', 'endpoint'];
    this.serverCalls = registry.counter({ name: METRIC_NAMES.serverCalls, help: 'Calls served, by service, endpoint and outcome code', labelNames: [...call, 'code'] });
    this.serverDuration = registry.histogram({ name: METRIC_NAMES.serverDuration, help: 'Time to serve a call, wrappers included, in seconds', labelNames: call, buckets });
    this.serverInFlight = registry.gauge({ name: METRIC_NAMES.serverInFlight, help: 'Calls being served now', labelNames: call });
    this.clientCalls = registry.counter({ name: METRIC_NAMES.clientCalls, help: 'Calls made, by service, endpoint and outcome code', labelNames: [...call, 'code'] });
    this.clientDuration = registry.histogram({ name: METRIC_NAMES.clientDuration, help: 'Time a call took as the caller saw it, in seconds', labelNames: call, buckets });
    this.rateLimitDecisions = registry.counter({
      name: METRIC_NAMES.rateLimitDecisions,
      help: 'Rate-limit and load-shedding decisions, by outcome (allowed, rejected, shed)',
      labelNames: [...call, 'key_kind', 'outcome'],
    });
    this.handshakeFailures = registry.counter({ name: METRIC_NAMES.handshakeFailures, help: 'TLS handshakes refused, by reason', labelNames: ['reason'] });
    this.registrations = registry.counter({ name: METRIC_NAMES.registrations, help: 'Registrations and deregistrations, by outcome', labelNames: ['outcome'] });
    this.recordsDropped = registry.counter({ name: METRIC_NAMES.recordsDropped, help: 'Registry records read and ignored because they failed their checks' });
    this.securityEvents = registry.counter({ name: METRIC_NAMES.securityEvents, help: 'Security events logged, by event name', labelNames: ['event'] });
  }

  /** One served call: its outcome code (200 for success) and duration. */
  serverCall(service: string, endpoint: string, code: number, seconds: number): void {
    this.serverCalls.inc({ service, endpoint, code });
    this.serverDuration.observe({ service, endpoint }, seconds);
  }

  /** A call started (`+1`) or finished (`-1`) being served. */
  inFlight(service: string, endpoint: string, delta: 1 | -1): void {
    this.serverInFlight.inc({ service, endpoint }, delta);
  }

  /** One call made by this app's client. */
  clientCall(service: string, endpoint: string, code: number, seconds: number): void {
    this.clientCalls.inc({ service, endpoint, code });
    this.clientDuration.observe({ service, endpoint }, seconds);
  }

  record(event: RateLimitEvent): void {
    this.rateLimitDecisions.inc({ service: event.service, endpoint: event.endpoint, key_kind: event.keyKind, outcome: event.outcome });
  }

  handshakeFailure(reason: string): void {
    this.handshakeFailures.inc({ reason });
  }

  registration(outcome: RegistrationOutcome): void {
    this.registrations.inc({ outcome });
  }

  recordDropped(): void {
    this.recordsDropped.inc();
  }

  securityEvent(event: string): void {
    this.securityEvents.inc({ event });
  }
}
