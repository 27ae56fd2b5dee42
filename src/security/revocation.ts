import type * as X509 from '@peculiar/x509';
import { BastionError } from '../errors/bastion-error.js';
import { x509Package } from './x509-package.js';

/** One CRL as read from its source, with the label errors name it by (a file path, never its content). */
export interface LoadedCrl {
  readonly pem: string;
  readonly label: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function configError(detail: string): BastionError {
  return new BastionError('BST_ERR_SECURITY_TLS_CONFIG', detail);
}

function parseCrl(crl: LoadedCrl): X509.X509Crl {
  const x509 = x509Package();
  try {
    return new x509.X509Crl(crl.pem);
  } catch {
    throw configError(`The ${crl.label} is not a valid certificate revocation list`);
  }
}

/**
 * Checks CRLs against the CA bundle before they are used (shared case B20). OpenSSL checks
 * revocation for every CA once any CRL is loaded, so a CA without a CRL would fail all its
 * clients at run time with "unable to get certificate CRL"; instead this refuses the set-up
 * and names the CA. A CRL must also be signed by its CA and not be past its next update.
 */
export async function checkRevocationLists(caBundle: string, crls: readonly LoadedCrl[], now: Date): Promise<void> {
  // Without a CRL (the usual case) the X.509 package is never loaded.
  if (crls.length === 0) return;
  const x509 = x509Package();
  const parsed = crls.map((crl) => ({ crl, list: parseCrl(crl) }));
  for (const { crl, list } of parsed) {
    if (list.nextUpdate !== undefined && list.nextUpdate < now) {
      throw configError(`The ${crl.label} expired on ${list.nextUpdate.toISOString()}; publish a fresh one`);
    }
  }
  for (const pem of caBundle.match(PEM_CERTIFICATE) ?? []) {
    const ca = new x509.X509Certificate(pem);
    let covered = false;
    for (const { crl, list } of parsed) {
      if (list.issuer !== ca.subject) continue;
      if (!(await list.verify({ publicKey: ca }))) throw configError(`The ${crl.label} is not signed by the CA '${ca.subject}'`);
      covered = true;
    }
    if (!covered) throw configError(`A CRL is configured but missing for the CA '${ca.subject}'; give one CRL per trusted CA`);
  }
}
