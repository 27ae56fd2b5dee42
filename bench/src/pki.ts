// Certificates generated at run time, shared with the child processes through one file.
// Only the runner imports this module: it loads Bastion's dev PKI, which no contender's
// server process may carry (its RSS is measured).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, issueServiceCertificate } from '../../dist/src/security/dev-pki.js';
import { CLIENT_NAME, SERVER_DNS, SERVER_NAME, type BenchPki } from './contender.js';
import { PKI_FILE } from './pki-file.js';

/** Makes a CA, a server certificate (SPIFFE `echo` + DNS `localhost`) and a client certificate. */
export async function createBenchPki(dir: string): Promise<BenchPki> {
  const trustDomain = 'bench.local';
  const ca = await createCertificateAuthority({ trustDomain });
  const server = await issueServiceCertificate(ca, { service: SERVER_NAME, trustDomain, dnsNames: [SERVER_DNS] });
  const client = await issueServiceCertificate(ca, { service: CLIENT_NAME, trustDomain });
  const pki: BenchPki = {
    trustDomain,
    ca: ca.certPem,
    serverCert: server.certPem,
    serverKey: server.keyPem,
    clientCert: client.certPem,
    clientKey: client.keyPem,
  };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, PKI_FILE), JSON.stringify(pki), { mode: 0o600 });
  return pki;
}

/** Deletes the run's keys. */
export async function removeBenchPki(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
