/**
 * The security events Bastion logs as records of their own, each with a stable `event`
 * name operators can alert on. docs/observability.md lists the same names, and a test
 * keeps the two in step.
 */

/** Every security event name, by what it reports. */
export const SECURITY_EVENTS = Object.freeze({
  /** A TLS connection refused at or right after its handshake; `reason` is a {@link HandshakeRefusedReason}. */
  handshakeRefused: 'handshake_refused',
  /** A verified caller whose identity the endpoint's allow list refuses (`403`). */
  callRefusedIdentity: 'call_refused_identity',
  /** A call without a verified client certificate on a `@RequireMutualTLS` endpoint (`401`). */
  callRefusedUnauthenticated: 'call_refused_unauthenticated',
  /** A call refused by `@RateLimit` (`429`), server side or by the client's own pacing. */
  rateLimited: 'rate_limited',
  /** A TCP connection destroyed before its handshake because a connection cap was reached; `reason` names the cap. */
  connectionRefused: 'connection_refused',
  /** A call shed by `@MaxInFlight` or by the transport's in-flight caps (`503`). */
  shed: 'shed',
  /** A request refused before the handler ran (`400`/`413`/`415`); only field names are logged. */
  validationRefused: 'validation_refused',
  /** A registration or deregistration the ValidatingRegistry refused; `reason` says why. */
  registrationRefused: 'registration_refused',
  /** A deregistration the ValidatingRegistry refused (not the owner). */
  deregistrationRefused: 'deregistration_refused',
  /** A record read from the store that failed its checks (forged, unsigned, expired) and was ignored. */
  registryRecordDropped: 'registry_record_dropped',
  /** New certificate files were loaded and are used for new connections. */
  certificateReloaded: 'tls_reloaded',
  /** Changed certificate files failed to load; the previous material stays in use. */
  certificateReloadFailed: 'tls_reload_failed',
} as const);

/** A security event name. */
export type SecurityEvent = (typeof SECURITY_EVENTS)[keyof typeof SECURITY_EVENTS];

/** Why a TLS handshake was refused. */
export type HandshakeRefusedReason = 'no_cert' | 'untrusted' | 'expired' | 'revoked' | 'wrong_identity' | 'timeout' | 'aborted' | 'other';

/** Every handshake refusal reason, in the order docs/observability.md lists them. */
export const HANDSHAKE_REFUSED_REASONS: readonly HandshakeRefusedReason[] = Object.freeze([
  'no_cert',
  'untrusted',
  'expired',
  'revoked',
  'wrong_identity',
  'timeout',
  'aborted',
  'other',
]);

const REASON_BY_CODE: Readonly<Record<string, HandshakeRefusedReason>> = Object.freeze({
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  CERT_REVOKED: 'revoked',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  CERT_SIGNATURE_FAILURE: 'untrusted',
  CERT_UNTRUSTED: 'untrusted',
  CERT_CHAIN_TOO_LONG: 'untrusted',
  INVALID_CA: 'untrusted',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'no_cert',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'no_cert',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong_identity',
  BST_ERR_SECURITY_SERVER_IDENTITY: 'wrong_identity',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'timeout',
  ECONNRESET: 'aborted',
  EPIPE: 'aborted',
});

/**
 * Maps a TLS error code (OpenSSL verify code, Node `ERR_SSL_*`, or a Bastion error id)
 * to a refusal reason; an absent code means the peer sent no certificate.
 */
export function handshakeRefusedReason(code: string | undefined): HandshakeRefusedReason {
  if (code === undefined || code === '' || code === 'no certificate') return 'no_cert';
  if (code.includes('ALERT_CERTIFICATE_EXPIRED')) return 'expired';
  if (code.includes('ALERT_CERTIFICATE_REVOKED')) return 'revoked';
  if (code.includes('ALERT_UNKNOWN_CA') || code.includes('ALERT_BAD_CERTIFICATE')) return 'untrusted';
  return REASON_BY_CODE[code] ?? 'other';
}
