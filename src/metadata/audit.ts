import type { SubscriberDescriptor } from '../broker/broker.js';
import type { EndpointDescriptor } from '../server/server.js';
import type { ServiceClass } from '../server/server.js';
import { SERVICE } from './keys.js';
import type { RateLimitPolicy } from './models.js';
import { getOwnMetadata } from './reflect.js';

/** One row of the protection table: what guards one endpoint or one `@Subscribe` method. */
export interface AuditRow {
  readonly service: string;
  readonly endpoint: string;
  readonly mutualTLS: 'required' | 'none';
  readonly allow: string;
  readonly rateLimit: string;
  /** Concurrency limits, `service/endpoint`; `-` where none. */
  readonly maxInFlight: string;
  readonly codec: string;
  readonly request: string;
  /** `call` for an RPC endpoint, `subscribe <topic>` for a `@Subscribe` method. */
  readonly kind: string;
}

function describeRateLimit(p: RateLimitPolicy): string {
  const key = typeof p.key === 'function' ? 'custom key' : p.key;
  const wait = p.mode === 'wait' ? ` wait ${p.maxWaitMs}ms` : '';
  return `${p.tokensPerInterval}/${p.intervalMs}ms burst ${p.bucketSize} per ${key}${wait}`;
}

/**
 * The protection table of a set of endpoints and subscribers, as logged at boot and
 * printed by `bastion audit`; a subscriber shows the same columns as an endpoint.
 */
export function auditTable(endpoints: readonly EndpointDescriptor[], subscribers: readonly SubscriberDescriptor[] = []): AuditRow[] {
  const row = (e: EndpointDescriptor, kind: string): AuditRow => ({
    service: e.service,
    endpoint: e.endpoint,
    mutualTLS: e.mutualTLS === undefined ? 'none' : 'required',
    allow: e.mutualTLS === undefined ? '-' : (e.mutualTLS.allow?.join(',') ?? 'any verified peer'),
    rateLimit: e.rateLimits.length === 0 ? 'none' : e.rateLimits.map(describeRateLimit).join(' + '),
    maxInFlight: [e.maxInFlight.service, e.maxInFlight.endpoint].map((n) => n ?? '-').join('/'),
    codec: e.codec,
    request: e.request?.name ?? '(none)',
    kind,
  });
  return [...endpoints.map((e) => row(e, 'call')), ...subscribers.map((s) => row(s, `subscribe ${s.topic}`))];
}

/** Renders rows as an aligned text table. */
export function formatAuditTable(rows: readonly AuditRow[]): string {
  const header: AuditRow = {
    service: 'service',
    endpoint: 'endpoint',
    mutualTLS: 'mTLS' as AuditRow['mutualTLS'],
    allow: 'allowed peers',
    rateLimit: 'rate limit',
    maxInFlight: 'in flight',
    codec: 'codec',
    request: 'validated request',
    kind: 'kind',
  };
  const columns = Object.keys(header) as (keyof AuditRow)[];
  const all = [header, ...rows];
  const widths = columns.map((c) => Math.max(...all.map((row) => row[c].length)));
  return all.map((row) => columns.map((c, i) => row[c].padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n');
}

/**
 * What strict mode refuses: endpoints without `@RequireMutualTLS` or without a rate limit,
 * one message per problem naming the endpoint. A handler that takes no parameter needs no
 * DTO: the server refuses any non-empty body for it.
 */
export function strictViolations(endpoints: readonly EndpointDescriptor[]): string[] {
  const problems: string[] = [];
  for (const e of endpoints) {
    const name = `${e.service}/${e.endpoint}`;
    if (e.mutualTLS === undefined) problems.push(`${name} has no @RequireMutualTLS()`);
    if (e.rateLimits.length === 0) problems.push(`${name} has no @RateLimit()`);
  }
  return problems;
}

/**
 * What every boot refuses in its subscribers, strict or not: `@RequireMutualTLS` on a
 * `@Subscribe` method, since a broker message carries no certificate to check. Boot and
 * `bastion audit` both call it, so they cannot disagree (attack F9).
 */
export function subscriberProblems(subscribers: readonly SubscriberDescriptor[]): string[] {
  return subscribers
    .filter((s) => s.mutualTLS !== undefined)
    .map((s) => `${s.service}/${s.endpoint}: @RequireMutualTLS cannot apply to @Subscribe, a message carries no certificate`);
}

/**
 * The exported values of a module that are classes decorated with `@Service` (the check
 * the explorer applies), in export order: what `bastion audit` finds in a compiled
 * service file that exports its class rather than a `services` list.
 */
export function decoratedServiceClasses(exports: Readonly<Record<string, unknown>>): ServiceClass[] {
  return Object.values(exports).filter(
    (value): value is ServiceClass => typeof value === 'function' && getOwnMetadata(SERVICE, value)?.name !== undefined,
  );
}
