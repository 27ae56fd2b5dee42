import type { EndpointDescriptor } from '../server/server.js';
import type { TLSOptions } from './security.js';

/** The settings that decide how an application's connections are secured. */
export interface TransportSecuritySettings {
  readonly tls?: TLSOptions | undefined;
  readonly insecure?: boolean | undefined;
  readonly strict?: boolean | undefined;
  /** `process.env.NODE_ENV`, passed in so the check stays a pure function. */
  readonly nodeEnv?: string | undefined;
}

/**
 * Combinations of TLS settings that boot refuses, one sentence each naming the setting
 * and why: plain TCP in production, in strict mode or next to a TLS set-up, and
 * `clientAuth: 'request'` in strict mode (strict demands `@RequireMutualTLS` on every
 * endpoint, so no endpoint could serve the anonymous callers that mode lets in).
 */
export function transportSecurityProblems(settings: TransportSecuritySettings): string[] {
  const problems: string[] = [];
  if (settings.insecure === true) {
    if (settings.tls !== undefined) problems.push('insecure: true and tls are both set; remove one (insecure serves plain TCP and ignores tls)');
    if (settings.nodeEnv === 'production') problems.push('insecure: true is refused when NODE_ENV=production; give a tls set-up');
    if (settings.strict === true) {
      problems.push('insecure: true is refused in strict mode: a client would dial without a certificate and servers would accept anonymous callers in clear');
    }
  }
  if (settings.strict === true && settings.tls?.clientAuth === 'request') {
    problems.push("tls.clientAuth 'request' is refused in strict mode: every endpoint must have @RequireMutualTLS, so none could serve an anonymous caller; use 'require'");
  }
  return problems;
}

/**
 * True when `clientAuth: 'request'` lets anonymous callers complete the handshake although
 * every endpoint requires mTLS, so all of them would get `401`: pointless, worth a log line.
 */
export function requestModeUnused(tls: TLSOptions | undefined, endpoints: readonly EndpointDescriptor[]): boolean {
  return tls?.clientAuth === 'request' && endpoints.length > 0 && endpoints.every((e) => e.mutualTLS !== undefined);
}
