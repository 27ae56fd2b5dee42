import type { ScaffoldContext } from './scaffold-context.js';

/** `src/main.ts`: boots the service over mutual TLS and stops it cleanly on SIGINT/SIGTERM. */
export function mainTemplate(ctx: ScaffoldContext): string {
  return `import { Bastion } from 'bastion';
import { appOptions } from './app.js';

const app = await Bastion.create(await appOptions());
const { host, port } = await app.start();
console.log(\`${ctx.service} listening on \${host}:\${port} (mutual TLS)\`);
console.log(\`try: npx bastion call ${ctx.service} ${ctx.className}.hello '{"name":"Ada"}' --identity ${ctx.clientIdentity} --address \${host}:\${port}\`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
`;
}
