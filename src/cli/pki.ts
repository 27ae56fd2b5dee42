import { resolve } from 'node:path';
import { BastionError } from '../errors/bastion-error.js';
import { handshakeRefusedReason } from '../logging/events.js';

/** Where the dev PKI lives when neither a flag nor `BASTION_PKI` says otherwise. */
export const DEFAULT_PKI_DIR = '.bastion/pki';

/** The dev PKI folder a command uses, and what chose it (said in messages). */
export interface PkiDir {
  readonly dir: string;
  /** `--pki`, `--dir`, `BASTION_PKI` or `default`. */
  readonly from: string;
}

/**
 * The flag's value, else `BASTION_PKI`, else `.bastion/pki`: the order a generated app's
 * `PKI_DIR` uses, so the CLI finds the CA and certificates the app created.
 */
export function pkiDir(flag: string, given: string | undefined, env: NodeJS.ProcessEnv = process.env): PkiDir {
  if (given !== undefined) return { dir: given, from: flag };
  const fromEnv = env['BASTION_PKI'];
  if (fromEnv !== undefined) return { dir: fromEnv, from: 'BASTION_PKI' };
  return { dir: DEFAULT_PKI_DIR, from: 'default' };
}

/** The certificate files a call used, to name them when a handshake fails. */
export interface CallerMaterial {
  readonly pki: PkiDir;
  readonly ca: string;
  /** `--ca` when the CA file was given, else the PKI folder's `ca.crt`. */
  readonly caFrom: string;
  readonly cert: string;
}

/** The TLS code a failed dial carries: the cause's own, else the one in the detail's parentheses. */
function tlsCode(error: BastionError): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : /\(([A-Z0-9_]+)\)$/.exec(error.detail)?.[1];
}

function describePki(pki: PkiDir): string {
  if (pki.from === 'default') return `PKI folder ${pki.dir}, the default: neither --pki nor BASTION_PKI is set`;
  return `PKI folder ${pki.dir}, from ${pki.from}`;
}

/**
 * What to tell the user when the handshake failed on trust: which CA file this call used
 * and where that came from, and how to point the CLI at the PKI the server uses. Undefined
 * for any other failure.
 */
export function untrustedHandshakeHint(error: BastionError, used: CallerMaterial, cwd: string): string | undefined {
  if (error.id !== 'BST_ERR_CLIENT_CONNECTION') return undefined;
  const code = tlsCode(error);
  if (code === undefined || handshakeRefusedReason(code) !== 'untrusted') return undefined;
  const ca = resolve(cwd, used.ca);
  const source = used.caFrom === '--ca' ? 'given with --ca' : describePki(used.pki);
  const fix = 'point the CLI at the PKI the server uses: --pki DIR or BASTION_PKI=DIR (or --ca FILE)';
  // An alert is the server refusing this caller's certificate; a verify code is this caller refusing the server's.
  if (code.includes('ALERT_')) {
    return `the server does not trust this caller's certificate ${resolve(cwd, used.cert)} (CA ${ca}, ${source}); ${fix}`;
  }
  return `the server's certificate does not chain to the CA this call trusts, ${ca} (${source}); ${fix}`;
}
