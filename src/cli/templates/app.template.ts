import type { ScaffoldContext } from './scaffold-context.js';

const REGISTRY: Record<ScaffoldContext['registry'], { import: string; make: string }> = {
  memory: { import: 'MemoryRegistry', make: 'new MemoryRegistry()' },
  redis: { import: 'registryFromUrl', make: "registryFromUrl(process.env['BASTION_REGISTRY'] ?? 'redis://127.0.0.1:6379')" },
  nats: { import: 'registryFromUrl', make: "registryFromUrl(process.env['BASTION_REGISTRY'] ?? 'nats://127.0.0.1:4222')" },
};

/**
 * `src/app.ts`: the application's services and options, with no side effect, so that
 * \`bastion audit dist/src/app.js\` can load it without starting anything.
 */
export function appTemplate(ctx: ScaffoldContext): string {
  const registry = REGISTRY[ctx.registry];
  return `import { ensureDevPki, ${registry.import}, type BastionOptions } from 'bastion';
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
    registry: ${registry.make},
    server: { port: Number(process.env['PORT'] ?? 4000) },
    tls: { ca: { path: own.ca }, cert: { path: own.cert }, key: { path: own.key }, trustDomain: TRUST_DOMAIN },
  };
}
`;
}
