import { connect } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { Bastion, BastionError, MemoryRegistry, ensureDevPki, type Logger, type TLSOptions } from '../../src/index.js';
import { Greeter, type HelloReply } from './greeter.service.js';

/** The outcome of one step of the demo: what happened, and whether it was what we expect. */
export interface DemoOutcome {
  readonly step: string;
  readonly ok: boolean;
  readonly summary: string;
}

export interface DemoOptions {
  /** Where the dev PKI lives (created at first run). */
  readonly pkiDir: string;
  readonly trustDomain?: string;
  readonly logger?: Logger;
}

const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function tlsOf(paths: { ca: string; cert: string; key: string }, trustDomain: string): TLSOptions {
  return { ca: { path: paths.ca }, cert: { path: paths.cert }, key: { path: paths.key }, trustDomain };
}

async function expectError(call: () => Promise<unknown>): Promise<BastionError | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    if (BastionError.is(error)) return error;
    throw error;
  }
}

/** A raw TLS caller that has the CA but no certificate of its own. */
async function callWithoutCertificate(port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca, checkServerIdentity: () => undefined });
    const done = (result: string) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(0);
      socket.write(header);
    });
    socket.once('data', () => done('answered'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(`refused (${error.code ?? error.message})`));
    socket.once('close', () => done('refused (connection closed by the server)'));
    socket.setTimeout(5000, () => done('timed out'));
  });
}

/**
 * Runs the greeter over mutual TLS and tries each protection once: a good call, an
 * invalid request, a burst over the rate limit, a caller without a certificate, and a
 * caller whose identity is not allowed.
 */
export async function runGreeterDemo(options: DemoOptions): Promise<DemoOutcome[]> {
  const trustDomain = options.trustDomain ?? 'bastion.local';
  const logger = options.logger ?? QUIET;
  const pki = await ensureDevPki(options.pkiDir, trustDomain, ['greeter', 'greeter-client', 'intruder']);
  const registry = new MemoryRegistry();
  const clientPolicy = { allowServices: ['greeter'] };

  const server = await Bastion.create({ services: [Greeter], tls: tlsOf(pki['greeter']!, trustDomain), registry, logger });
  const client = await Bastion.create({ tls: tlsOf(pki['greeter-client']!, trustDomain), registry, registryPolicy: clientPolicy, logger });
  const intruder = await Bastion.create({ tls: tlsOf(pki['intruder']!, trustDomain), registry, registryPolicy: clientPolicy, logger });
  const outcomes: DemoOutcome[] = [];
  try {
    const { port } = await server.start();

    const reply = await client.client.call<HelloReply>('greeter', 'Greeter.hello', { name: 'Ada' });
    outcomes.push({
      step: 'good call',
      ok: reply.message === 'Hello, Ada!' && reply.caller === 'greeter-client',
      summary: `Greeter.hello({ name: 'Ada' }) -> ${JSON.stringify(reply)}`,
    });

    const invalid = await expectError(() => client.client.call('greeter', 'Greeter.hello', { name: '', times: 9, admin: true }));
    const fields = invalid?.fields?.map((f) => f.path).sort() ?? [];
    outcomes.push({
      step: 'invalid request',
      ok: invalid?.code === 400 && fields.join(',') === 'admin,name,times',
      summary: `{ name: '', times: 9, admin: true } -> ${invalid?.code} ${invalid?.status}: ${
        invalid?.fields?.map((f) => `${f.path} (${f.constraints.join(', ')})`).join('; ') ?? 'no error'
      }`,
    });

    const burst = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => client.client.call('greeter', 'Greeter.hello', { name: `caller ${i}` })),
    );
    const limited = burst.flatMap((r) => (r.status === 'rejected' && BastionError.is(r.reason) && r.reason.code === 429 ? [r.reason] : []));
    const passed = burst.filter((r) => r.status === 'fulfilled').length;
    outcomes.push({
      step: 'rate limit',
      ok: passed <= 5 && limited.length === 20 - passed && limited.every((e) => (e.retryAfterMs ?? 0) > 0),
      summary: `burst of 20 calls (limit 5/s per caller; the 2 calls above took 2 tokens) -> ${passed} ok, ${limited.length} got 429 (retry after ${
        limited[0]?.retryAfterMs ?? '-'
      } ms)`,
    });

    const anonymous = await callWithoutCertificate(port, await readFile(pki['greeter']!.ca, 'utf8'));
    outcomes.push({
      step: 'no client certificate',
      ok: anonymous.startsWith('refused'),
      summary: `a caller without a client certificate -> ${anonymous}`,
    });

    const stranger = await expectError(() => intruder.client.call('greeter', 'Greeter.hello', { name: 'Mallory' }));
    outcomes.push({
      step: 'identity not allowed',
      ok: stranger?.code === 403,
      summary: `caller 'intruder' with a valid certificate -> ${stranger?.code} ${stranger?.status}: ${stranger?.detail}`,
    });
  } finally {
    await Promise.allSettled([client.stop(), intruder.stop()]);
    await server.stop();
  }
  return outcomes;
}
