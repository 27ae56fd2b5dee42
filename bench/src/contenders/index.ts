// Contenders by name, loaded lazily so a process only ever loads the framework it runs
// (the server's RSS must not include the other frameworks).
import type { Contender } from '../contender.js';

const LOADERS: Readonly<Record<string, () => Promise<Contender>>> = {
  'raw-tls': async () => (await import('./raw-tls.js')).rawTls,
  'grpc-js': async () => (await import('./grpc.js')).grpcJs,
  'nestjs-tcp': async () => (await import('./nest.js')).nestTcp,
  'moleculer-tcp': async () => (await import('./moleculer.js')).moleculerTcp,
  ...Object.fromEntries(
    ['bastion', 'bastion-no-validation', 'bastion-no-ratelimit', 'bastion-no-allowlist'].map((name) => [
      name,
      async () => (await import('./bastion.js')).bastionContenders.find((c) => c.name === name) as Contender,
    ]),
  ),
};

/** Every contender name, in table order. */
export const CONTENDERS: readonly string[] = Object.keys(LOADERS);

/** Loads one contender; throws on an unknown name. */
export async function loadContender(name: string): Promise<Contender> {
  const load = LOADERS[name];
  if (load === undefined) throw new Error(`unknown contender '${name}' (known: ${CONTENDERS.join(', ')})`);
  return load();
}

/** How each contender protects its bytes on the wire, for the table. */
export const WIRE_SECURITY: Readonly<Record<string, string>> = {
  'raw-tls': 'mTLS',
  'grpc-js': 'mTLS',
  'nestjs-tcp': 'mTLS',
  'moleculer-tcp': '**plaintext** (no TLS in its TCP transporter)',
  bastion: 'mTLS + allow list + validation + rate limit',
  'bastion-no-validation': 'mTLS + allow list + rate limit',
  'bastion-no-ratelimit': 'mTLS + allow list + validation',
  'bastion-no-allowlist': 'mTLS + validation + rate limit',
};
