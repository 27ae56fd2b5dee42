import type { ScaffoldContext } from './scaffold-context.js';

// Each is a TypeScript expression: the file registry's folder is resolved when the app starts.
const REGISTRY_URL: Record<ScaffoldContext['registry'], string> = {
  memory: "'memory:'",
  file: "pathToFileURL(resolve('.bastion/registry')).href",
  redis: "'redis://127.0.0.1:6379'",
  nats: "'nats://127.0.0.1:4222'",
};

/**
 * `src/app.ts`: the application's services and options, with no side effect, so that
 * \`bastion audit dist/src/app.js\` can load it without starting anything.
 */
export function appTemplate(ctx: ScaffoldContext): string {
  const imports = ctx.registry === 'file' ? "import { resolve } from 'node:path';\nimport { pathToFileURL } from 'node:url';\n" : '';
  return `${imports}import { ensureDevPki, type BastionOptions } from 'bastion';
import { ${ctx.className} } from './${ctx.service}.service.js';

/** The service classes of this application (what \`bastion audit\` reads). */
export const services = [${ctx.className}];

/** Where the development CA and certificates live; created on first run, ignored by git. */
export const PKI_DIR = process.env['BASTION_PKI'] ?? '.bastion/pki';
export const TRUST_DOMAIN = 'bastion.local';

/** The options to boot this application with, creating the dev certificates if they are missing. */
export async function appOptions(): Promise<BastionOptions> {
  const pki = await ensureDevPki(PKI_DIR, TRUST_DOMAIN, ['${ctx.service}', '${ctx.clientIdentity}']);
  const own = pki['${ctx.service}']!;
  return {
    services,
    strict: true,
    // memory: serves this process only; file://, redis:// and nats:// let other processes (and \`bastion call --registry\`) find it.
    registry: process.env['BASTION_REGISTRY'] ?? ${REGISTRY_URL[ctx.registry]},
    server: { port: Number(process.env['PORT'] ?? 4000) },
    tls: { ca: { path: own.ca }, cert: { path: own.cert }, key: { path: own.key }, trustDomain: TRUST_DOMAIN },
  };
}
`;
}
