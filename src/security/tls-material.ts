import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BastionError } from '../errors/bastion-error.js';
import { identityFromSubjectAltName } from './identity.js';
import type { PemSource, TLSMaterial, TLSOptions } from './security.js';

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

/**
 * Loads and checks an application's TLS set-up: every part present and PEM, the key
 * matching the certificate, the certificate currently valid and proving a SPIFFE
 * identity in the trust domain. Errors name the file, never the key material.
 */
export async function loadTLSMaterial(options: TLSOptions, now: Date = new Date()): Promise<TLSMaterial> {
  if (typeof options.trustDomain !== 'string' || !/^[a-z0-9.-]{1,253}$/.test(options.trustDomain)) {
    throw configError('The TLS trust domain must be lowercase letters, digits, dots and hyphens');
  }
  const [ca, cert, key] = await Promise.all([
    readPem(options.ca, 'CA'),
    readPem(options.cert, 'certificate'),
    readPem(options.key, 'private key'),
  ]);
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
  const identity = identityFromSubjectAltName(leaf.subjectAltName, options.trustDomain);
  if (identity === undefined) {
    throw configError(
      `The ${describe(options.cert, 'certificate')} has no URI SAN spiffe://${options.trustDomain}/service/<name>`,
    );
  }
  return Object.freeze({ ca, cert, key, trustDomain: options.trustDomain, identity });
}
