import { ensureCertificateAuthority, ensureDevPki } from '../../security/dev-pki.js';
import type { CommandResult } from '../command.js';

/** Options of `bastion certs`. */
export interface CertsArguments {
  readonly action: string | undefined;
  readonly services: readonly string[];
  readonly dir: string;
  readonly trustDomain: string;
}

export const CERTS_HELP = `Usage:
  bastion certs init  [--dir DIR] [--trust-domain DOMAIN]
  bastion certs issue <service...> [--dir DIR] [--trust-domain DOMAIN]

Creates a development CA (ECDSA P-256) in DIR, and certificates for services with the URI SAN
spiffe://DOMAIN/service/<service>. Existing files are kept. Keys are written with mode 0600.

Options:
  --dir DIR               where the PKI lives (default .bastion/pki)
  --trust-domain DOMAIN   the SPIFFE trust domain (default bastion.local)`;

/** `bastion certs init|issue`: the dev CA and service certificates. */
export async function certsCommand(args: CertsArguments): Promise<CommandResult> {
  if (args.action === 'init') {
    await ensureCertificateAuthority(args.dir, args.trustDomain);
    return { code: 0, output: `CA ready in ${args.dir}/ca.crt (key ${args.dir}/ca.key, mode 0600)` };
  }
  if (args.action === 'issue') {
    if (args.services.length === 0) return { code: 2, output: 'bastion certs issue: name at least one service\n\n' + CERTS_HELP };
    const paths = await ensureDevPki(args.dir, args.trustDomain, args.services);
    const lines = Object.entries(paths).map(
      ([service, p]) => `${service}: ${p.cert} (key ${p.key}) spiffe://${args.trustDomain}/service/${service}`,
    );
    return { code: 0, output: lines.join('\n') };
  }
  return { code: 2, output: `bastion certs: unknown action '${args.action ?? ''}'\n\n${CERTS_HELP}` };
}
