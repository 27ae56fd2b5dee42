/**
 * Security concepts shared by the transport, the wrappers and the client: the verified
 * identity of a peer, and the TLS material one application uses for every server and
 * client it makes.
 */

/** The identity proven by a peer's verified certificate. */
export interface PeerIdentity {
  /** The service name: the last segment of `spiffe://<trust-domain>/service/<name>`. */
  readonly name: string;
  /** The trust domain of the SPIFFE URI SAN. */
  readonly trustDomain: string;
  /** Where the identity came from: the URI SAN, or `dns:<name>` / `cn:<name>` for the opt-in fallbacks. */
  readonly uri: string;
}

/** Which certificate fields may name a peer when it has no SPIFFE URI SAN; both off by default. */
export interface IdentityOptions {
  /** Accept the first DNS SAN as the identity. */
  readonly dnsSan?: boolean;
  /** Accept the subject common name as the identity (after the DNS SAN). */
  readonly commonName?: boolean;
}

/**
 * Whether a server demands a client certificate in the handshake (`require`, the default)
 * or only asks for one (`request`), so that endpoints without `@RequireMutualTLS` can serve
 * anonymous callers. A certificate that is presented must verify in both modes.
 */
export type ClientAuthMode = 'require' | 'request';

/** What the transport knows about the peer of a connection. */
export interface PeerInfo {
  /** Present only when the peer's certificate chain verified and held a usable identity. */
  readonly identity?: PeerIdentity;
  /** `socket.authorized` and a non-empty peer certificate, both (shared case B16). */
  readonly authorized: boolean;
  readonly remoteAddress: string;
  /** What the verified certificate says, for handlers that log or audit it; absent unless `authorized`. */
  readonly certificate?: PeerCertificateSummary;
}

/** The public parts of a verified peer certificate, in Node's text forms. */
export interface PeerCertificateSummary {
  /** The subject, e.g. `CN=orders`. */
  readonly subject: string;
  /** The SANs as Node prints them, e.g. `URI:spiffe://acme.test/service/orders, DNS:orders`. */
  readonly subjectAltName: string;
  readonly serialNumber: string;
  /** Not-after date, as the certificate states it. */
  readonly validTo: string;
  readonly fingerprint256: string;
}

/** PEM text or a path to a PEM file. */
export type PemSource = { readonly pem: string } | { readonly path: string };

/** The TLS set-up of one application, given once at boot. */
export interface TLSOptions {
  /** The CA bundle peers' certificates must chain to. */
  readonly ca: PemSource;
  /** This application's own certificate (chain) and key. */
  readonly cert: PemSource;
  readonly key: PemSource;
  /** The SPIFFE trust domain; certificates from another domain are refused. */
  readonly trustDomain: string;
  /** `require` (default) or `request`; see {@link ClientAuthMode}. */
  readonly clientAuth?: ClientAuthMode;
  /** OpenSSL cipher list (TLS 1.3 suites included); defaults to {@link DEFAULT_CIPHERS}. */
  readonly ciphers?: string;
  /** Fallback identity fields; the SPIFFE URI SAN always comes first. */
  readonly identity?: IdentityOptions;
  /** Certificate revocation lists; once given, every CA of the bundle needs one (B20). */
  readonly crl?: PemSource | readonly PemSource[];
}

/** Loaded TLS material, ready for `tls.createSecureContext`. */
export interface TLSMaterial {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly trustDomain: string;
  /** The identity this application's own certificate proves. */
  readonly identity: PeerIdentity;
  /** Absent means `require`. */
  readonly clientAuth?: ClientAuthMode;
  /** Absent means {@link DEFAULT_CIPHERS}. */
  readonly ciphers?: string;
  readonly identityOptions?: IdentityOptions;
  /** PEM CRLs, one per CA of the bundle, or none. */
  readonly crl?: readonly string[];
}

/**
 * Where the transport gets its TLS material: the current material, and a signal when it
 * changed (certificate rotation, a new CRL), so new connections use the new material.
 */
export interface CertificateSource {
  readonly name: string;
  /** The material to use for the next connection. */
  current(): TLSMaterial;
  /** Calls `listener` after each successful reload; returns the function that unsubscribes. */
  onChange(listener: (material: TLSMaterial) => void): () => void;
  /** Stops watching. Safe to call twice. */
  close(): Promise<void>;
}

/** A source that never changes, for material given as PEM strings or built by hand. */
export function fixedCertificateSource(material: TLSMaterial): CertificateSource {
  return { name: 'fixed', current: () => material, onChange: () => () => undefined, close: async () => undefined };
}

/** Forward-secret AEAD suites only: TLS 1.3 suites first, then their TLS 1.2 ECDHE equivalents. */
export const DEFAULT_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** The lowest TLS version Bastion ever negotiates, set on every context it makes (B18). */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;

/** The highest TLS version, preferred whenever both sides speak it. */
export const MAX_TLS_VERSION = 'TLSv1.3' as const;

// Errors raised (errors/catalogue.ts): BST_ERR_SECURITY_TLS_CONFIG, BST_ERR_SECURITY_NO_CLIENT_CERT,
// BST_ERR_SECURITY_PEER_NOT_ALLOWED, BST_ERR_SECURITY_SERVER_IDENTITY.
