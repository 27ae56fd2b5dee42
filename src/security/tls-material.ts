import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { BastionError } from '../errors/bastion-error.js';
import { identityFromCertificate } from './identity.js';
import { checkRevocationLists } from './revocation.js';
import { DEFAULT_CIPHERS, MIN_TLS_VERSION, type PemSource, type TLSMaterial, type TLSOptions } from './security.js';

function describe(source: PemSource, what: string): string {
  return 'path' in source ? `${what} file '${source.path}'` : `${what} PEM`;
}

function configError(detail: string): BastionError {
  return new BastionError('BST_ERR_SECURITY_TLS_CONFIG', detail);
}

async function readPem(source: PemSource, what: string): Promise<string> {
  let text: string;
  if ('path' in source) {
    try {
      text = await readFile(source.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw configError(`The ${describe(source, what)} cannot be read (${code})`);
    }
  } else {
    text = source.pem;
  }
  if (!text.includes('-----BEGIN ')) throw configError(`The ${describe(source, what)} is not PEM`);
  return text;
}

/** The PEM sources of an application's TLS set-up, in a fixed order: CA, certificate, key, then each CRL. */
export function pemSourcesOf(options: TLSOptions): PemSource[] {
  const crl: readonly PemSource[] = options.crl === undefined ? [] : Array.isArray(options.crl) ? options.crl : [options.crl as PemSource];
  return [options.ca, options.cert, options.key, ...crl];
}

function checkPolicy(options: TLSOptions): void {
  if (options.clientAuth !== undefined && options.clientAuth !== 'require' && options.clientAuth !== 'request') {
    throw configError(`The TLS clientAuth must be 'require' or 'request', not '${String(options.clientAuth)}'`);
  }
  if (options.ciphers !== undefined) {
    try {
      createSecureContext({ ciphers: options.ciphers, minVersion: MIN_TLS_VERSION });
    } catch {
      throw configError(`The TLS cipher list '${options.ciphers}' names no cipher this Node.js supports`);
    }
  }
}

/**
 * Loads and checks an application's TLS set-up: every part present and PEM, the key
 * matching the certificate, the certificate currently valid and proving an identity in
 * the trust domain, the cipher list usable, and a CRL for every CA once CRLs are given.
 * Errors name the file, never the key material.
 */
export async function loadTLSMaterial(options: TLSOptions, now: Date = new Date()): Promise<TLSMaterial> {
  if (typeof options.trustDomain !== 'string' || !/^[a-z0-9.-]{1,253}$/.test(options.trustDomain)) {
    throw configError('The TLS trust domain must be lowercase letters, digits, dots and hyphens');
  }
  checkPolicy(options);
  const crlSources = pemSourcesOf(options).slice(3);
  const reads = await Promise.allSettled([
    readPem(options.ca, 'CA'),
    readPem(options.cert, 'certificate'),
    readPem(options.key, 'private key'),
    ...crlSources.map((source) => readPem(source, 'CRL')),
  ]);
  // Every unreadable part at once, in a fixed order (CA, certificate, key, CRLs), not whichever failed first.
  const failed = reads.flatMap((read) => (read.status === 'rejected' ? [read.reason as BastionError] : []));
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw configError(failed.map((error) => error.detail).join('; '));
  const [ca, cert, key, ...crl] = reads.map((read) => (read as PromiseFulfilledResult<string>).value) as [string, string, string, ...string[]];
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
    new X509Certificate(ca);
  } catch {
    throw configError(`The ${describe(options.cert, 'certificate')} or ${describe(options.ca, 'CA')} is not a valid certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw configError(`The ${describe(options.key, 'private key')} is not a valid private key`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw configError(`The ${describe(options.key, 'private key')} does not match the ${describe(options.cert, 'certificate')}`);
  }
  if (new Date(leaf.validTo) < now) throw configError(`The ${describe(options.cert, 'certificate')} expired on ${leaf.validTo}`);
  if (new Date(leaf.validFrom) > now) throw configError(`The ${describe(options.cert, 'certificate')} is not valid before ${leaf.validFrom}`);
  const identityOptions = Object.freeze({ ...options.identity });
  const cn = /^CN=(.*)$/m.exec(leaf.subject)?.[1];
  const identity = identityFromCertificate({ subjectaltname: leaf.subjectAltName, subject: { CN: cn } }, options.trustDomain, identityOptions);
  if (identity === undefined) {
    throw configError(
      `The ${describe(options.cert, 'certificate')} has no URI SAN spiffe://${options.trustDomain}/service/<name>`,
    );
  }
  await checkRevocationLists(ca, crl.map((pem, i) => ({ pem, label: describe(crlSources[i] as PemSource, 'CRL') })), now);
  return Object.freeze({
    ca,
    cert,
    key,
    trustDomain: options.trustDomain,
    identity,
    clientAuth: options.clientAuth ?? 'require',
    ciphers: options.ciphers ?? DEFAULT_CIPHERS,
    identityOptions,
    crl: Object.freeze(crl),
  });
}
