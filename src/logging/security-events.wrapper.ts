import type { ClientWrapper } from '../client/client.js';
import { BastionError } from '../errors/bastion-error.js';
import type { CallContext, HandlerWrapper, WrapperFactory } from '../server/server.js';
import { isThenable, passesValues } from '../server/wrapper.js';
import { observeRefusal, type RefusalObserver } from '../server/served-call.js';
import { EventThrottle, ThrottleKeys } from './event-throttle.js';
import { SECURITY_EVENTS, type SecurityEvent } from './events.js';
import type { LogFields, Logger } from './logger.js';

/** The security event a refused call is logged as, by error id; other errors are not security events. */
const EVENT_BY_ERROR: Readonly<Record<string, SecurityEvent>> = Object.freeze({
  BST_ERR_SECURITY_PEER_NOT_ALLOWED: SECURITY_EVENTS.callRefusedIdentity,
  BST_ERR_SECURITY_NO_CLIENT_CERT: SECURITY_EVENTS.callRefusedUnauthenticated,
  BST_ERR_RATELIMIT_EXCEEDED: SECURITY_EVENTS.rateLimited,
  BST_ERR_RATELIMIT_COST_TOO_HIGH: SECURITY_EVENTS.rateLimited,
  BST_ERR_SERVER_OVERLOADED: SECURITY_EVENTS.shed,
  BST_ERR_VALIDATION_FAILED: SECURITY_EVENTS.validationRefused,
  BST_ERR_CODEC_DECODE: SECURITY_EVENTS.validationRefused,
  BST_ERR_CODEC_FORBIDDEN_KEY: SECURITY_EVENTS.validationRefused,
  BST_ERR_CODEC_TOO_DEEP: SECURITY_EVENTS.validationRefused,
  BST_ERR_CODEC_TOO_LARGE: SECURITY_EVENTS.validationRefused,
  BST_ERR_CODEC_UNSUPPORTED: SECURITY_EVENTS.validationRefused,
});

/** Most services whose keys the client side keeps; it starts over beyond it. */
const MAX_CLIENT_SERVICES = 256;

/** Most field paths one record lists, and the longest path kept: an unknown key is the caller's text. */
export const MAX_LOGGED_FIELDS = 20;
const MAX_PATH_LENGTH = 64;

/** The fields of a refusal record: who, what, and the code; for a `400` the field paths only, never their values. */
function refusalFields(error: BastionError): LogFields {
  const fields: LogFields = { code: error.code, error: error.id };
  if (error.fields !== undefined) {
    fields['fields'] = error.fields.slice(0, MAX_LOGGED_FIELDS).map((f) => (f.path.length > MAX_PATH_LENGTH ? `${f.path.slice(0, MAX_PATH_LENGTH)}…` : f.path));
    if (error.fields.length > MAX_LOGGED_FIELDS) fields['moreFields'] = error.fields.length - MAX_LOGGED_FIELDS;
  }
  if (error.retryAfterMs !== undefined) fields['retryAfterMs'] = error.retryAfterMs;
  return fields;
}

function peerFields(ctx: CallContext): { peer: string; remoteAddress: string | undefined } {
  const { identity, authorized, remoteAddress } = ctx.peer;
  return { peer: authorized && identity !== undefined ? identity.name : 'anonymous', remoteAddress };
}

/** `suppressed` on a record that follows suppressed ones; nothing on the others. */
function suppressedField(suppressed: number): LogFields {
  return suppressed === 0 ? {} : { suppressed };
}

/**
 * Logs calls a protection refused as `warn` records with a stable `event`
 * (`call_refused_identity`, `call_refused_unauthenticated`, `rate_limited`, `shed`,
 * `validation_refused`), the endpoint and the verified peer identity: at most one per
 * (event, peer, endpoint) per interval of `throttle`, the next one with `suppressed`.
 * It runs outermost, so it sees every protection's answer; the error goes on unchanged.
 */
export function securityEventsWrapper(logger: Logger, throttle: EventThrottle = new EventThrottle()): WrapperFactory {
  return (endpoint) => {
    const where = { service: endpoint.service, endpoint: endpoint.endpoint };
    const keys = new ThrottleKeys((peer) => [peer, where.service, where.endpoint]);
    const observer: RefusalObserver = {
      refused(ctx, thrown) {
        const event = BastionError.is(thrown) ? EVENT_BY_ERROR[thrown.id] : undefined;
        if (event === undefined) return;
        // A log sink that throws must not turn a refusal into an unhandled rejection (round 3 C).
        try {
          const peer = peerFields(ctx);
          const admitted = throttle.admitKey(event, keys.key(event, peer.peer));
          if (admitted !== undefined) logger.warn(event, { ...where, ...peer, ...refusalFields(thrown as BastionError), ...suppressedField(admitted.suppressed) });
        } catch {
          // The refusal still reaches the caller; only its record is lost.
        }
      },
    };
    // The refusal is observed, not caught and rethrown: the caller gets the very promise `next()`
    // returned, and a refusal costs no second throw on its way out. A served call tells the
    // observer itself (no promise per call); any other context is watched through `next()`.
    return passesValues<HandlerWrapper>((ctx, next) => {
      if (observeRefusal(ctx, observer)) return next();
      const result: unknown = next();
      // A plain value (a chain that passes values) is no refusal.
      if (isThenable(result)) result.then(undefined, (thrown: unknown) => observer.refused(ctx, thrown));
      return result as Promise<unknown>;
    });
  };
}

/**
 * The client side: a `429`, from this client's own pacing or from the server, is a
 * `rate_limited` record with `side: 'client'`, at `debug` (the server warns about its own
 * refusals; a caller pacing itself is working as meant), throttled per (service, endpoint)
 * like the server's. (A server certificate the client refuses is logged by the transport,
 * as `handshake_refused` with `side: 'client'`.)
 */
export function securityEventsClientWrapper(logger: Logger, throttle: EventThrottle = new EventThrottle()): ClientWrapper {
  // ':client' is no identity name, so the server's windows of a peer named 'client' stay apart.
  const keys = new Map<string, ThrottleKeys>();
  const keyOf = (service: string, endpoint: string): string => {
    let byService = keys.get(service);
    if (byService === undefined) {
      if (keys.size >= MAX_CLIENT_SERVICES) keys.clear();
      keys.set(service, (byService = new ThrottleKeys((name) => [':client', service, name])));
    }
    return byService.key(SECURITY_EVENTS.rateLimited, endpoint);
  };
  return (call, next) => {
    const result = next();
    result.then(undefined, (thrown: unknown) => {
      if (!BastionError.hasId(thrown, 'BST_ERR_RATELIMIT_EXCEEDED')) return;
      try {
        const admitted = throttle.admitKey(SECURITY_EVENTS.rateLimited, keyOf(call.service, call.endpoint));
        if (admitted !== undefined) {
          logger.debug(SECURITY_EVENTS.rateLimited, { side: 'client', service: call.service, endpoint: call.endpoint, ...refusalFields(thrown), ...suppressedField(admitted.suppressed) });
        }
      } catch {
        // A log sink that throws must not turn a refusal into an unhandled rejection (round 3 C).
      }
    });
    return result;
  };
}
