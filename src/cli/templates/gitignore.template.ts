import type { ScaffoldContext } from './scaffold-context.js';

/** `.gitignore`: build output, dependencies, and every key or certificate the dev PKI writes. */
export function gitignoreTemplate(_ctx: ScaffoldContext): string {
  return ['node_modules/', 'dist/', '.bastion/', '*.key', '*.pem', '*.p12', '.env', ''].join('\n');
}
