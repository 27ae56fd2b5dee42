import { forbidden, unauthenticated } from '../errors/factories.js';
import { rejection } from '../errors/rejection.js';
import type { HandlerWrapper, WrapperFactory } from '../server/server.js';
import { passesValues } from '../server/wrapper.js';
import { matchesAllowList } from './allow-list.js';

/**
 * The wrapper behind `@RequireMutualTLS`: the call goes on only when the transport
 * verified the caller's certificate and found an identity in it (`401` otherwise), and,
 * with an allow list, only for those identities (`403`).
 */
export function mutualTLSWrapper(): WrapperFactory {
  return (endpoint) => {
    const policy = endpoint.mutualTLS;
    if (policy === undefined) return undefined;
    const allow = policy.allow;
    return passesValues<HandlerWrapper>((ctx, next) => {
      const identity = ctx.peer.identity;
      if (!ctx.peer.authorized || identity === undefined) return rejection(unauthenticated());
      if (allow !== undefined && !matchesAllowList(identity.name, allow)) return rejection(forbidden(identity.name));
      return next();
    });
  };
}
