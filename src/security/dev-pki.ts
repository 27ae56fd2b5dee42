import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { x509Package } from './x509-package.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface KeyPairPem {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options for a certificate authority. */
export interface CertificateAuthorityOptions {
  readonly trustDomain: string;
  readonly commonName?: string;
  readonly validityDays?: number;
}

/** Options for one service certificate. */
export interface ServiceCertificateOptions {
  readonly service: string;
  readonly trustDomain: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly dnsNames?: readonly string[];
  /** Leave the SPIFFE URI SAN out (to test CN/DNS fallbacks or refusals). */
  readonly omitSpiffeUri?: boolean;
}

/** The SPIFFE URI that names `service` in `trustDomain`. */
export function spiffeId(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/service/${service}`;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const x509 = x509Package();
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const x509 = x509Package();
  const der = x509.PemConverter.decode(pem)[0];
  if (der === undefined) throw new Error('the CA key is not PEM');
  return (await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign'])) as CryptoKey;
}

/** Creates a self-signed ECDSA P-256 certificate authority for development and tests. */
export async function createCertificateAuthority(options: CertificateAuthorityOptions): Promise<KeyPairPem> {
  const x509 = x509Package();
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${options.commonName ?? `Bastion dev CA (${options.trustDomain})`}`,
    keys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.validityDays ?? 3650) * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Issues a certificate for `service`, signed by `ca`, usable as both TLS server and client. */
export async function issueServiceCertificate(ca: KeyPairPem, options: ServiceCertificateOptions): Promise<KeyPairPem> {
  const x509 = x509Package();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await keyPair();
  const now = Date.now();
  const names: { type: 'url' | 'dns'; value: string }[] = [];
  if (options.omitSpiffeUri !== true) names.push({ type: 'url', value: spiffeId(options.trustDomain, options.service) });
  for (const dns of options.dnsNames ?? []) names.push({ type: 'dns', value: dns });
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.service}`,
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    notBefore: options.notBefore ?? new Date(now - 60_000),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Options for a certificate revocation list. */
export interface RevocationListOptions {
  /** PEM certificates (issued by the CA) to revoke. */
  readonly revoked?: readonly string[];
  readonly thisUpdate?: Date;
  /** When relying parties should expect a newer list; Bastion refuses a CRL past this date. */
  readonly nextUpdate?: Date;
}

/** Creates a CRL signed by `ca` that revokes `options.revoked`; PEM. */
export async function createRevocationList(ca: KeyPairPem, options: RevocationListOptions = {}): Promise<string> {
  const x509 = x509Package();
  const caCert = new x509.X509Certificate(ca.certPem);
  const now = Date.now();
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCert.subject,
    signingKey: await importPrivateKey(ca.keyPem),
    signingAlgorithm: ALGORITHM,
    thisUpdate: options.thisUpdate ?? new Date(now - 60_000),
    nextUpdate: options.nextUpdate ?? new Date(now + 7 * DAY_MS),
    entries: (options.revoked ?? []).map((pem) => ({
      serialNumber: new x509.X509Certificate(pem).serialNumber,
      revocationDate: new Date(now - 1_000),
      reason: x509.X509CrlReason.keyCompromise,
    })),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey)],
  });
  // OpenSSL reads only the 'X509 CRL' PEM label, not the 'CRL' one the library writes.
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL');
}

/** Paths of one service's files in a dev PKI folder. */
export interface ServiceCertificatePaths {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeSecret(path: string, pem: string): Promise<void> {
  await writeFile(path, pem, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Creates the CA in `dir` unless it exists; returns it. Keys are written with mode 0600. */
export async function ensureCertificateAuthority(dir: string, trustDomain: string): Promise<KeyPairPem> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  const [certPem, keyPem] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (certPem !== undefined && keyPem !== undefined) return { certPem, keyPem };
  const ca = await createCertificateAuthority({ trustDomain });
  await writeSecret(keyPath, ca.keyPem);
  await writeFile(certPath, ca.certPem);
  return ca;
}

/**
 * Makes sure `dir` holds a dev CA and a certificate for each service, creating whatever
 * is missing, and returns the paths per service.
 */
export async function ensureDevPki(
  dir: string,
  trustDomain: string,
  services: readonly string[],
): Promise<Record<string, ServiceCertificatePaths>> {
  const ca = await ensureCertificateAuthority(dir, trustDomain);
  const paths: Record<string, ServiceCertificatePaths> = {};
  for (const service of services) {
    if (!/^[a-z0-9][a-z0-9.-]{0,62}$/.test(service)) throw new Error(`'${service}' is not a valid service name`);
    const cert = join(dir, `${service}.crt`);
    const key = join(dir, `${service}.key`);
    if ((await readIfPresent(cert)) === undefined || (await readIfPresent(key)) === undefined) {
      const issued = await issueServiceCertificate(ca, { service, trustDomain });
      await writeSecret(key, issued.keyPem);
      await writeFile(cert, issued.certPem);
    }
    paths[service] = { ca: join(dir, 'ca.crt'), cert, key };
  }
  return paths;
}
