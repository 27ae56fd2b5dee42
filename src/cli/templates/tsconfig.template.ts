import type { ScaffoldContext } from './scaffold-context.js';

/**
 * `tsconfig.json`: decorators with emitted metadata (Bastion reads each handler's request
 * DTO from it), class fields left to the constructor as class-transformer expects, and
 * `types: ["node"]` so no stray global types leak in.
 */
export function tsconfigTemplate(_ctx: ScaffoldContext): string {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      lib: ['ES2022'],
      types: ['node'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: false,
      sourceMap: true,
      outDir: 'dist',
      rootDir: '.',
      skipLibCheck: true,
    },
    include: ['src', 'test'],
  };
  return JSON.stringify(config, null, 2) + '\n';
}
