// Serves service classes over mTLS with certificates from a dev PKI folder, as a running
// service would, so the CLI under test can find the same CA and client certificates there.
import { Bastion, ensureDevPki, type Registry } from '../../src/index.js';
import type { ServiceClass } from '../../src/server/server.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

/** A started application and the `host:port` it listens on. */
export interface Served {
  readonly app: Bastion;
  readonly address: string;
}

/** Issues `identity`'s certificate in `pkiDir` (creating the CA) and serves `services` with it. */
export async function serveWithDevPki(pkiDir: string, identity: string, services: readonly ServiceClass[], registry?: Registry | string): Promise<Served> {
  const own = (await ensureDevPki(pkiDir, 'bastion.local', [identity]))[identity]!;
  const app = await Bastion.create({
    services,
    ...(registry === undefined ? {} : { registry }),
    tls: { ca: { path: own.ca }, cert: { path: own.cert }, key: { path: own.key }, trustDomain: 'bastion.local' },
    logger: new RecordingLogger(),
  });
  const { host, port } = await app.start();
  return { app, address: `${host}:${port}` };
}
