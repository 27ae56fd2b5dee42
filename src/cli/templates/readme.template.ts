import type { ScaffoldContext } from './scaffold-context.js';

/** `README.md`: what the project is, and its two commands. */
export function readmeTemplate(ctx: ScaffoldContext): string {
  const pm = ctx.packageManager;
  const url = { memory: 'memory:', file: 'file://$PWD/.bastion/registry', redis: 'redis://127.0.0.1:6379', nats: 'nats://127.0.0.1:4222' }[ctx.registry];
  const registry =
    ctx.registry === 'memory'
      ? 'an in-memory registry (one process)'
      : `the ${ctx.registry} registry at \`BASTION_REGISTRY\` (default ${ctx.registry === 'file' ? '.bastion/registry, for processes on this host' : url})`;
  const where = ctx.registry === 'memory' ? '--address 127.0.0.1:4000' : `--registry ${url}`;
  const call = `npx bastion call ${ctx.service} ${ctx.className}.hello '{"name":"Ada"}' --identity ${ctx.clientIdentity} ${where}`;
  return `# ${ctx.packageName}

A Bastion service, \`${ctx.service}\`, with one
endpoint, \`${ctx.className}.hello\`: mutual TLS with an allow list (\`${ctx.clientIdentity}\`),
a validated request DTO, a per-caller rate limit and the JSON codec. It uses ${registry}.

\`\`\`sh
${pm} test    # builds, boots the service in-process and calls it as allowed and refused peers
${pm} start   # serves on 127.0.0.1:4000 (PORT to change it); dev certificates go to .bastion/pki
\`\`\`

While it runs, call it from another terminal as the allowed client:

\`\`\`sh
${call}
\`\`\`

\`${pm} run audit\` prints each endpoint's protections and fails if one is missing.
The dev CA and keys in \`.bastion/\` are for development only and are ignored by git.
`;
}
