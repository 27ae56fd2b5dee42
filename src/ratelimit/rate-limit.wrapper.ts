import { BastionError } from '../errors/bastion-error.js';
import { rateLimited } from '../errors/factories.js';
import type { RateLimitPolicy } from '../metadata/models.js';
import type { CallContext, EndpointDescriptor, HandlerWrapper, Next, WrapperFactory } from '../server/server.js';
import { cancelSignalOf } from '../server/call-signal.js';
import { passesValues } from '../server/wrapper.js';
import { rejection } from '../errors/rejection.js';
import { rateLimitPolicyProblem } from './options.js';
import { RATE_LIMIT_OUTCOMES, type BucketClaim, type RateLimitEvent, type RateLimiter, type RateLimitMetrics, type RateLimitOutcome, type TakeResult } from './ratelimit.js';
import { abortReason, WaitQueue } from './wait-queue.js';

type KeyOf = (ctx: CallContext) => string;

/** A bucket key: fixed for the endpoint (a string made once), or made per call from the verified caller. */
function keyOf(policy: RateLimitPolicy, endpoint: EndpointDescriptor, level: string): string | KeyOf {
  const { service } = endpoint;
  const name = `${service}/${endpoint.endpoint}`;
  const key = policy.key;
  if (typeof key === 'function') {
    const prefix = `${level}fn:${name}:`;
    // Only the verified identity reaches a key function, never the caller's metadata.
    return (ctx) => {
      const { identity, authorized, remoteAddress } = ctx.peer;
      const verified = authorized ? identity : undefined;
      return prefix + String(key({ service, endpoint: endpoint.endpoint, identity: verified, remoteAddress }));
    };
  }
  switch (key) {
    case 'peer': {
      const prefix = `${level}peer:${name}:`;
      // One key string per verified identity (frozen, made once per connection), not one per call.
      const byIdentity = new WeakMap<object, string>();
      return (ctx) => {
        const { identity, authorized } = ctx.peer;
        if (identity === undefined || !authorized) return `${level}anon:${ctx.peer.remoteAddress}`;
        let id = byIdentity.get(identity);
        if (id === undefined) {
          id = prefix + identity.name;
          if (Object.isFrozen(identity)) byIdentity.set(identity, id);
        }
        return id;
      };
    }
    case 'global':
    case 'service':
    case 'endpoint': {
      return level + (key === 'global' ? 'global' : key === 'service' ? `svc:${service}` : `ep:${name}`);
    }
    default:
      throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `${name}: unknown rate-limit key '${String(key)}'`);
  }
}

/**
 * Builds the `@RateLimit` wrapper of each endpoint that declares a policy, on the class,
 * the method or both. A call takes from every bucket at once or from none. The bucket key
 * comes from the policy's `key`: `global`, `svc:<service>`, `ep:<service>/<endpoint>`, for
 * `peer` the verified certificate identity (`anon:<remoteAddress>` without one), or a key
 * function given only the verified caller; never anything the caller claims in metadata.
 * In `reject` mode a call over the limit fails at once with a `429` carrying
 * `retryAfterMs`; in `wait` mode (the method's policy decides, else the class's) it
 * queues FIFO for all its buckets for up to `maxWaitMs`, or the caller's deadline if
 * sooner. A call whose signal aborts (deadline, cancel frame, disconnect) leaves the
 * line at once and is counted `abandoned`. The handler never runs for a refused or abandoned call.
 *
 * @see docs/security/rate-limiting.md
 */
export function rateLimitWrapper(limiter: RateLimiter, metrics?: RateLimitMetrics): WrapperFactory {
  const queue = new WaitQueue(limiter);
  return (endpoint: EndpointDescriptor): HandlerWrapper | undefined => {
    const policies = endpoint.rateLimits;
    if (policies.length === 0) return undefined;
    const name = `${endpoint.service}/${endpoint.endpoint}`;
    for (const policy of policies) {
      const problem = rateLimitPolicyProblem(policy);
      if (problem !== undefined) throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `${name}: invalid rate-limit policy: ${problem}`);
    }
    // The class policy comes first and keeps plain keys, so its buckets are shared by every
    // endpoint of the class; a method policy beside it gets its own even with the same key kind.
    const keys = policies.map((policy, i) => keyOf(policy, endpoint, i > 0 ? 'm|' : ''));
    // Global, service and endpoint keys make the same claims on every call: built once.
    const fixedClaims = keys.every((key) => typeof key === 'string')
      ? Object.freeze(policies.map((policy, i) => Object.freeze({ key: keys[i] as string, policy })))
      : undefined;
    const claimsOf = (ctx: CallContext): readonly BucketClaim[] =>
      fixedClaims ??
      policies.map((policy, i) => {
        const key = keys[i] as string | KeyOf;
        return { key: typeof key === 'string' ? key : key(ctx), policy };
      });
    const keyKind = policies.map((p) => (typeof p.key === 'function' ? 'custom' : p.key)).join('+');
    // The most specific policy (the method's, else the class's) decides whether calls wait.
    const { mode, maxWaitMs } = policies[policies.length - 1] as RateLimitPolicy;
    const wait = mode === 'wait';
    // One frozen event per outcome, made here: a call reports the same object every time.
    const events = Object.fromEntries(
      RATE_LIMIT_OUTCOMES.map((outcome) => [outcome, Object.freeze({ service: endpoint.service, endpoint: endpoint.endpoint, keyKind, outcome })]),
    ) as Record<RateLimitOutcome, RateLimitEvent>;
    const report = (outcome: RateLimitOutcome) => metrics?.record(events[outcome]);
    const takeNow = wait ? undefined : limiter.takeNow?.bind(limiter);
    if (takeNow !== undefined) {
      // Nothing waits and nothing is awaited, so nothing can abort between the check and the take.
      return passesValues((ctx: CallContext, next: Next) => {
        const signal = cancelSignalOf(ctx);
        if (signal.aborted) {
          report('abandoned');
          return rejection(abortReason(signal));
        }
        let result: TakeResult;
        try {
          result = takeNow(claimsOf(ctx));
        } catch (error) {
          return rejection(error);
        }
        report(result.allowed ? 'allowed' : 'rejected');
        return result.allowed ? next() : rejection(rateLimited(result.retryAfterMs));
      });
    }
    return passesValues(async (ctx: CallContext, next: Next) => {
      const claims = claimsOf(ctx);
      const signal = cancelSignalOf(ctx);
      // Waiting past the caller's own deadline would spend tokens on a call nobody awaits.
      const waitMs = ctx.timeoutMs > 0 ? Math.min(maxWaitMs, ctx.timeoutMs) : maxWaitMs;
      let result: TakeResult;
      try {
        // A call whose caller cancelled or went away leaves the line at once (attack F3).
        result = await queue.take(claims, wait, waitMs, signal);
      } catch (error) {
        if (signal.aborted) report('abandoned');
        throw error;
      }
      if (signal.aborted) {
        // Abandoned while its tokens were being taken: they stay spent, but the handler does not run.
        report('abandoned');
        throw abortReason(signal);
      }
      report(result.allowed ? 'allowed' : 'rejected');
      if (!result.allowed) throw rateLimited(result.retryAfterMs);
      return next();
    });
  };
}
