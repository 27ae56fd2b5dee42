/**
 * @peculiar/x509 (with its ASN.1 and tsyringe dependencies) is loaded the first time a
 * certificate or CRL is built or parsed here, not when `bastion` is imported: most
 * processes never need it, and it is several MiB of RSS.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { lazyPackage } from '../lazy/lazy.js';

/** The @peculiar/x509 module, loaded on first call with Node's WebCrypto as its provider. */
export const x509Package = lazyPackage<typeof X509>('@peculiar/x509', (x509) =>
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]),
);
