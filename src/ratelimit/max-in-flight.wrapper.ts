import { unavailable } from '../errors/factories.js';
import type { CallContext, EndpointDescriptor, HandlerWrapper, Next, ServiceClass, WrapperFactory } from '../server/server.js';
import { pendingWork } from '../server/served-call.js';
import type { RateLimitMetrics } from './ratelimit.js';
import { passesValues } from '../server/wrapper.js';

interface Gauge {
  count: number;
  readonly limit: number;
}

/**
 * Builds the load-shedding wrapper of each endpoint with `@MaxInFlight` on its class (one
 * gauge shared by the class's endpoints) or method. A call beyond either limit fails at
 * once with `503 BST_ERR_SERVER_OVERLOADED` instead of queueing, so a flood of slow calls
 * cannot pile up memory; the handler does not run for it.
 *
 * @see docs/security/rate-limiting.md
 */
export function maxInFlightWrapper(metrics?: RateLimitMetrics): WrapperFactory {
  const perClass = new Map<ServiceClass, Gauge>();
  return (endpoint: EndpointDescriptor): HandlerWrapper | undefined => {
    const { service: classLimit, endpoint: methodLimit } = endpoint.maxInFlight;
    const gauges: Gauge[] = [];
    if (classLimit !== undefined) {
      let gauge = perClass.get(endpoint.serviceClass);
      if (gauge === undefined) perClass.set(endpoint.serviceClass, (gauge = { count: 0, limit: classLimit }));
      gauges.push(gauge);
    }
    if (methodLimit !== undefined) gauges.push({ count: 0, limit: methodLimit });
    if (gauges.length === 0) return undefined;
    const event = { service: endpoint.service, endpoint: endpoint.endpoint, keyKind: 'in-flight' } as const;
    return passesValues(async (ctx: CallContext, next: Next) => {
      if (gauges.some((g) => g.count >= g.limit)) {
        metrics?.record({ ...event, outcome: 'shed' });
        throw unavailable(`${endpoint.service}/${endpoint.endpoint} is overloaded; retry later`);
      }
      metrics?.record({ ...event, outcome: 'allowed' });
      for (const g of gauges) g.count++;
      const release = (): void => {
        for (const g of gauges) g.count--;
      };
      // Refused by the deadline (or a cancel) while the handler may still run, or answered by a user
      // wrapper that did not wait for the handler it started: the slot is given back only when that
      // work settles, or the limit would not bound the handlers (round 3 A2, attack7 A7-S5).
      const giveBack = (): void => {
        const pending = pendingWork(ctx);
        if (pending === undefined) release();
        else pending.then(release, release);
      };
      let value: unknown;
      try {
        value = await next();
      } catch (error) {
        giveBack();
        throw error;
      }
      giveBack();
      return value;
    });
  };
}
