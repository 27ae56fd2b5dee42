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
  /** The full URI SAN the identity came from. */
  readonly uri: string;
}

/** What the transport knows about the peer of a connection. */
export interface PeerInfo {
  /** Present only when the peer's certificate chain verified and held a usable identity. */
  readonly identity?: PeerIdentity;
  /** `socket.authorized` and a non-empty peer certificate, both (shared case B16). */
  readonly authorized: boolean;
  readonly remoteAddress: string;
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
}

/** Loaded TLS material, ready for `tls.createSecureContext`. */
export interface TLSMaterial {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly trustDomain: string;
  /** The identity this application's own certificate proves. */
  readonly identity: PeerIdentity;
}

/** The lowest TLS version Bastion ever negotiates, set on every context it makes (B18). */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;

// Errors raised (errors/catalogue.ts): BST_ERR_SECURITY_TLS_CONFIG, BST_ERR_SECURITY_NO_CLIENT_CERT,
// BST_ERR_SECURITY_PEER_NOT_ALLOWED, BST_ERR_SECURITY_SERVER_IDENTITY.
