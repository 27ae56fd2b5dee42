// Mutual TLS from files: a dev CA, an allow list, a CRL, certificate rotation and
// revocation while the server runs. The test test/examples/mutual-tls.example.int.test.ts
// asserts every outcome.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Bastion,
  BastionError,
  MemoryRegistry,
  TOKENS,
  createRevocationList,
  ensureCertificateAuthority,
  ensureDevPki,
  issueServiceCertificate,
  type CertificateSource,
  type TLSMaterial,
  type TLSOptions,
} from '../../src/index.js';
import { Accounts } from './accounts.service.js';

/** One step of the example and what happened. */
export interface ExampleOutcome {
  readonly step: string;
  readonly ok: boolean;
  readonly summary: string;
}

const TRUST_DOMAIN = 'example.local';

/** Writes a sibling file and renames it over `path`, as rotation tools do. */
async function replace(path: string, content: string): Promise<void> {
  await writeFile(`${path}.next`, content, { mode: 0o600 });
  await rename(`${path}.next`, path);
}

async function outcome(step: string, expected: RegExp, run: () => Promise<unknown>): Promise<ExampleOutcome> {
  let summary: string;
  try {
    summary = JSON.stringify(await run());
  } catch (error) {
    summary = BastionError.is(error) ? `${error.code} ${error.status}: ${error.detail}` : String(error);
  }
  return { step, ok: expected.test(summary), summary };
}

/** Waits (up to 10 s) until the app's certificate source has loaded material that passes `loaded`. */
async function reloaded(app: Bastion, loaded: (material: TLSMaterial) => boolean): Promise<void> {
  const source = app.container.get<CertificateSource>(TOKENS.CertificateSource);
  for (let waited = 0; !loaded(source.current()); waited += 50) {
    if (waited > 10_000) throw new Error('the new files were not loaded within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs every step against a dev PKI in `pkiDir` and returns the outcomes. */
export async function runMutualTLSExample(options: { pkiDir: string }): Promise<ExampleOutcome[]> {
  const dir = options.pkiDir;
  const pki = await ensureDevPki(dir, TRUST_DOMAIN, ['accounts', 'frontend', 'stranger']);
  const ca = await ensureCertificateAuthority(dir, TRUST_DOMAIN);
  const crlPath = join(dir, 'ca.crl');
  await writeFile(crlPath, await createRevocationList(ca));
  const files = (name: string): TLSOptions => {
    const paths = pki[name]!;
    return { ca: { path: paths.ca }, cert: { path: paths.cert }, key: { path: paths.key }, trustDomain: TRUST_DOMAIN, crl: { path: crlPath } };
  };
  // #region server
  const registry = new MemoryRegistry();
  const server = await Bastion.create({
    services: [Accounts],
    tls: { ...files('accounts'), clientAuth: 'request' },
    registry,
    logLevel: 'warn',
  });
  await server.start();
  // #endregion server
  const client = (name: string) => Bastion.create({ tls: files(name), registry, registryPolicy: { allowServices: ['accounts'] }, logLevel: 'error' });
  const apps = [server];
  try {
    const frontend = await client('frontend');
    const stranger = await client('stranger');
    apps.push(frontend, stranger);
    const results = [
      await outcome('allowed caller', /"openedBy":"frontend"/, () => frontend.client.call('accounts', 'Accounts.open', { owner: 'ada' })),
      await outcome('identity not allowed', /^403/, () => stranger.client.call('accounts', 'Accounts.open', { owner: 'ada' })),
      await outcome('open endpoint', /"status":"ok"/, () => stranger.client.call('accounts', 'Accounts.health', undefined)),
    ];

    // #region rotate
    const rotated = await issueServiceCertificate(ca, { service: 'accounts', trustDomain: TRUST_DOMAIN });
    await replace(pki['accounts']!.key, rotated.keyPem);
    await replace(pki['accounts']!.cert, rotated.certPem);
    // #endregion rotate
    await reloaded(server, (material) => material.cert === rotated.certPem);
    const afterRotation = await client('frontend');
    apps.push(afterRotation);
    results.push(await outcome('after rotation', /"openedBy":"frontend"/, () => afterRotation.client.call('accounts', 'Accounts.open', { owner: 'bob' })));

    // #region revoke
    const revoked = await readFile(pki['frontend']!.cert, 'utf8');
    const crl = await createRevocationList(ca, { revoked: [revoked] });
    await replace(crlPath, crl);
    // #endregion revoke
    await reloaded(server, (material) => material.crl?.[0] === crl);
    const afterRevocation = await client('frontend');
    apps.push(afterRevocation);
    results.push(await outcome('after revocation', /^503/, () => afterRevocation.client.call('accounts', 'Accounts.open', { owner: 'eve' })));
    return results;
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
  }
}
