import type { ScaffoldContext } from './scaffold-context.js';

/** `package.json`: build with tsc, test with node:test, start the service. */
export function packageJsonTemplate(ctx: ScaffoldContext): string {
  const run = `${ctx.packageManager} run build`;
  const pkg = {
    name: ctx.packageName,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      build: 'tsc -p tsconfig.json',
      // exec: node replaces the shell, so the SIGTERM npm forwards reaches the server, which deregisters and drains.
      start: `${run} && exec node dist/src/main.js`,
      test: `${run} && node --test dist/test/${ctx.service}.test.js`,
      audit: `${run} && bastion audit dist/src/app.js --strict`,
    },
    engines: { node: '>=20' },
    dependencies: {
      bastion: ctx.versions.bastion,
      'class-transformer': ctx.versions.classTransformer,
      'class-validator': ctx.versions.classValidator,
    },
    devDependencies: {
      '@types/node': ctx.versions.typesNode,
      typescript: ctx.versions.typescript,
    },
  };
  return JSON.stringify(pkg, null, 2) + '\n';
}
