import type { ScaffoldContext } from './scaffold-context.js';

/** `src/main.ts`: boots the service over mutual TLS; on SIGINT/SIGTERM it deregisters, drains and exits. */
export function mainTemplate(ctx: ScaffoldContext): string {
  return `import { Bastion } from 'bastion';
import { appOptions } from './app.js';

const app = await Bastion.create({ ...(await appOptions()), handleSignals: true });
const { host, port } = await app.start();
console.log(\`${ctx.service} listening on \${host}:\${port} (mutual TLS)\`);
console.log(\`try: npx bastion call ${ctx.service} ${ctx.className}.hello '{"name":"Ada"}' --identity ${ctx.clientIdentity} --address \${host}:\${port}\`);
`;
}
