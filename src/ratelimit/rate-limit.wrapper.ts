import { BastionError } from '../errors/bastion-error.js';
import { rateLimited } from '../errors/factories.js';
import type { RateLimitPolicy } from '../metadata/models.js';
import type { CallContext, EndpointDescriptor, HandlerWrapper, Next, WrapperFactory } from '../server/server.js';
import { rateLimitPolicyProblem } from './options.js';
import type { RateLimiter } from './ratelimit.js';

function guarded(limiter: RateLimiter, policy: RateLimitPolicy, keyOf: (ctx: CallContext) => string): HandlerWrapper {
  return async (ctx: CallContext, next: Next) => {
    const result = await limiter.take(keyOf(ctx), policy);
    if (!result.allowed) throw rateLimited(result.retryAfterMs);
    return next();
  };
}

/**
 * Builds the `@RateLimit` wrapper of each endpoint that declares a policy. The bucket key
 * comes from the policy's `key`: `global`, `svc:<service>`, `ep:<service>/<endpoint>`, or
 * for `peer` the verified certificate identity, `peer:<service>/<endpoint>:<identity>`,
 * never anything the caller claims in metadata. A peer without a verified identity is
 * keyed by its address, `anon:<remoteAddress>`. Over the limit, the call fails with a
 * `429` carrying `retryAfterMs` and the handler does not run.
 *
 * @see docs/rate-limiting.md
 */
export function rateLimitWrapper(limiter: RateLimiter): WrapperFactory {
  return (endpoint: EndpointDescriptor): HandlerWrapper | undefined => {
    const policy = endpoint.rateLimit;
    if (policy === undefined) return undefined;
    const problem = rateLimitPolicyProblem(policy);
    if (problem !== undefined) {
      throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `${endpoint.service}/${endpoint.endpoint}: invalid rate-limit policy: ${problem}`);
    }
    switch (policy.key) {
      case 'peer': {
        const prefix = `peer:${endpoint.service}/${endpoint.endpoint}:`;
        return guarded(limiter, policy, (ctx) => {
          const { identity, authorized } = ctx.peer;
          return identity !== undefined && authorized ? prefix + identity.name : `anon:${ctx.peer.remoteAddress}`;
        });
      }
      case 'global':
      case 'service':
      case 'endpoint': {
        const key = policy.key === 'global' ? 'global' : policy.key === 'service' ? `svc:${endpoint.service}` : `ep:${endpoint.service}/${endpoint.endpoint}`;
        return guarded(limiter, policy, () => key);
      }
      default:
        throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `${endpoint.service}/${endpoint.endpoint}: unknown rate-limit key '${String(policy.key)}'`);
    }
  };
}
