import type { EndpointDescriptor } from '../server/server.js';

/** One row of the protection table: what guards one endpoint. */
export interface AuditRow {
  readonly service: string;
  readonly endpoint: string;
  readonly mutualTLS: 'required' | 'none';
  readonly allow: string;
  readonly rateLimit: string;
  readonly codec: string;
  readonly request: string;
}

/** The protection table of a set of endpoints, as logged at boot and printed by `bastion audit`. */
export function auditTable(endpoints: readonly EndpointDescriptor[]): AuditRow[] {
  return endpoints.map((e) => ({
    service: e.service,
    endpoint: e.endpoint,
    mutualTLS: e.mutualTLS === undefined ? 'none' : 'required',
    allow: e.mutualTLS === undefined ? '-' : (e.mutualTLS.allow?.join(',') ?? 'any verified peer'),
    rateLimit:
      e.rateLimit === undefined
        ? 'none'
        : `${e.rateLimit.tokensPerInterval}/${e.rateLimit.intervalMs}ms burst ${e.rateLimit.bucketSize} per ${e.rateLimit.key}`,
    codec: e.codec,
    request: e.request?.name ?? '(none)',
  }));
}

/** Renders rows as an aligned text table. */
export function formatAuditTable(rows: readonly AuditRow[]): string {
  const header: AuditRow = {
    service: 'service',
    endpoint: 'endpoint',
    mutualTLS: 'mTLS' as AuditRow['mutualTLS'],
    allow: 'allowed peers',
    rateLimit: 'rate limit',
    codec: 'codec',
    request: 'validated request',
  };
  const columns = Object.keys(header) as (keyof AuditRow)[];
  const all = [header, ...rows];
  const widths = columns.map((c) => Math.max(...all.map((row) => row[c].length)));
  return all.map((row) => columns.map((c, i) => row[c].padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n');
}

/**
 * What strict mode refuses: endpoints without `@RequireMutualTLS`, without a rate limit,
 * or without a validated request type, one message per problem naming the endpoint.
 */
export function strictViolations(endpoints: readonly EndpointDescriptor[]): string[] {
  const problems: string[] = [];
  for (const e of endpoints) {
    const name = `${e.service}/${e.endpoint}`;
    if (e.mutualTLS === undefined) problems.push(`${name} has no @RequireMutualTLS()`);
    if (e.rateLimit === undefined) problems.push(`${name} has no @RateLimit()`);
    if (e.request === undefined) problems.push(`${name} takes no validated request DTO`);
  }
  return problems;
}
