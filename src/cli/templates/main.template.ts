import type { ScaffoldContext } from './scaffold-context.js';

/**
 * `src/main.ts`: boots the service over mutual TLS; on SIGINT/SIGTERM it deregisters, drains
 * and exits. A boot problem (an option, a certificate, a port in use) is printed as one line.
 */
export function mainTemplate(ctx: ScaffoldContext): string {
  return `import { Bastion, BastionError } from 'bastion';
import { appOptions } from './app.js';

const app = await Bastion.create({ ...(await appOptions()), handleSignals: true }).catch(exitOnBootError);
const { host, port } = await app.start().catch(async (error: unknown) => {
  await app.stop();
  return exitOnBootError(error);
});
console.log(\`${ctx.service} listening on \${host}:\${port} (mutual TLS)\`);
console.log(\`try: npx bastion call ${ctx.service} ${ctx.className}.hello '{"name":"Ada"}' --identity ${ctx.clientIdentity} --address \${host}:\${port}\`);

/** A boot problem is something to fix here (PORT, BASTION_PKI, BASTION_REGISTRY, app.ts), not a stack trace. */
function exitOnBootError(error: unknown): never {
  if (!BastionError.is(error)) throw error;
  console.error(\`${ctx.service} cannot start: \${error.detail}\`);
  process.exit(1);
}
`;
}
