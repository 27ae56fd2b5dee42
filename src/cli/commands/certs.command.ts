import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { identityFromSubjectAltName } from '../../security/identity.js';
import { ensureCertificateAuthority, ensureDevPki } from '../../security/dev-pki.js';
import { checkServiceName, CommandFailure, parseCommand, UsageError, type Command, type CommandResult } from '../command.js';
import { formatColumns, toJSON } from '../output.js';
import { pkiDir } from '../pki.js';

const HELP = `Usage:
  bastion certs init  [--dir DIR] [--trust-domain DOMAIN]
  bastion certs issue <service...> [--dir DIR] [--trust-domain DOMAIN]
  bastion certs inspect <file.crt> [--trust-domain DOMAIN] [--json]

init and issue create a development CA (ECDSA P-256) in DIR, and certificates for services
with the URI SAN spiffe://DOMAIN/service/<service>. Existing files are kept. Keys are
written with mode 0600. inspect prints the subject, SANs, Bastion identity, validity and
SHA-256 fingerprint of a PEM certificate.

Options:
  --dir DIR               where the PKI lives (default BASTION_PKI, else .bastion/pki)
  --trust-domain DOMAIN   the SPIFFE trust domain (default bastion.local)
  --json                  print inspect's result as JSON`;

/** What `bastion certs inspect` reports about one certificate. */
export interface CertificateReport {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltNames: readonly string[];
  readonly identity: string | null;
  readonly validFrom: string;
  readonly validTo: string;
  readonly expired: boolean;
  readonly ca: boolean;
  readonly fingerprintSHA256: string;
}

async function inspect(path: string, trustDomain: string): Promise<CertificateReport> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new CommandFailure(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (/PRIVATE KEY-----/.test(pem)) throw new CommandFailure(`${path} holds a private key, not a certificate; nothing of it is printed`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new CommandFailure(`${path} is not a PEM certificate`);
  }
  const validTo = new Date(cert.validTo);
  return {
    subject: cert.subject.replaceAll('\n', ', '),
    issuer: cert.issuer.replaceAll('\n', ', '),
    subjectAltNames: cert.subjectAltName?.split(', ') ?? [],
    identity: identityFromSubjectAltName(cert.subjectAltName, trustDomain)?.uri ?? null,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: validTo.toISOString(),
    expired: validTo.getTime() < Date.now(),
    ca: cert.ca,
    fingerprintSHA256: createHash('sha256').update(cert.raw).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:'),
  };
}

function render(report: CertificateReport): string {
  return formatColumns([
    ['field', 'value'],
    ['subject', report.subject],
    ['issuer', report.issuer],
    ['SANs', report.subjectAltNames.join(', ') || '(none)'],
    ['identity', report.identity ?? '(none in this trust domain)'],
    ['valid from', report.validFrom],
    ['valid to', `${report.validTo}${report.expired ? ' (EXPIRED)' : ''}`],
    ['CA', report.ca ? 'yes' : 'no'],
    ['SHA-256', report.fingerprintSHA256],
  ]).replace(/^field\s+value\n/, '');
}

async function run(argv: readonly string[]): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      dir: { type: 'string' },
      'trust-domain': { type: 'string', default: 'bastion.local' },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (values.help === true) return { code: 0, output: HELP };
  const [action, ...rest] = positionals;
  const { dir } = pkiDir('--dir', values.dir as string | undefined);
  const trustDomain = values['trust-domain'] as string;
  if (action === 'init') {
    await ensureCertificateAuthority(dir, trustDomain);
    return { code: 0, output: `CA ready in ${dir}/ca.crt (key ${dir}/ca.key, mode 0600)` };
  }
  if (action === 'issue') {
    if (rest.length === 0) throw new UsageError('bastion certs issue: name at least one service', HELP);
    for (const name of rest) checkServiceName(name, HELP);
    const paths = await ensureDevPki(dir, trustDomain, rest);
    const lines = Object.entries(paths).map(([service, p]) => `${service}: ${p.cert} (key ${p.key}) spiffe://${trustDomain}/service/${service}`);
    return { code: 0, output: lines.join('\n') };
  }
  if (action === 'inspect') {
    if (rest.length !== 1) throw new UsageError('bastion certs inspect: name one certificate file', HELP);
    const report = await inspect(rest[0] as string, trustDomain);
    return { code: 0, output: values.json === true ? toJSON(report) : render(report) };
  }
  throw new UsageError(`bastion certs: unknown action '${(action ?? '').slice(0, 64)}'`, HELP);
}

/** `bastion certs init|issue|inspect`: the dev CA, service certificates, and what a certificate proves. */
export const certsCommand: Command = { name: 'certs', help: HELP, run };
