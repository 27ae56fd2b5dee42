// Boots the CSV service and a client, makes one good call and one hostile one.
import { Bastion, BastionError, MemoryRegistry, ensureDevPki, type TLSOptions } from '../../src/index.js';
import { csvLineCodec } from './csv-line.codec.js';
import { Orders } from './service.js';

/** What one call of the example produced. */
export interface CsvOutcome {
  readonly step: string;
  readonly result: unknown;
}

/** Runs the example with a dev PKI in `pkiDir`; returns each outcome. */
export async function runCsvExample(pkiDir: string): Promise<CsvOutcome[]> {
  const trustDomain = 'example.test';
  const pki = await ensureDevPki(pkiDir, trustDomain, ['orders', 'shop']);
  const tlsFor = (name: string): TLSOptions => {
    const paths = pki[name] as { ca: string; cert: string; key: string };
    return { ca: { path: paths.ca }, cert: { path: paths.cert }, key: { path: paths.key }, trustDomain };
  };
  const registry = new MemoryRegistry();
  const server = await Bastion.create({ services: [Orders], tls: tlsFor('orders'), registry, logLevel: 'error' });
  // The client binds the same codec; it then picks text/csv from the registered endpoint.
  const client = await Bastion.create({ tls: tlsFor('shop'), registry, registryPolicy: { allowServices: ['orders'] }, codecs: [csvLineCodec], logLevel: 'error' });
  await server.start();
  try {
    const good = await client.client.call('orders', 'Orders.add', { sku: 'A-1', quantity: 3 });
    const hostile = await client.client.call('orders', 'Orders.add', { sku: 'A-1', quantity: 'lots', isAdmin: true }).catch((e: unknown) => e);
    return [
      { step: 'good order', result: good },
      { step: 'hostile order', result: BastionError.is(hostile) ? hostile.toWire() : hostile },
    ];
  } finally {
    await client.stop();
    await server.stop();
  }
}
