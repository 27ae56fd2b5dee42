// Fixtures of the observability tests: a service with one endpoint per protection, apps
// with metrics and tracing on, raw TLS dials and a plain HTTP reader for the metrics endpoint.
import 'reflect-metadata';
import { request } from 'node:http';
import { connect } from 'node:tls';
import { IsString, Length } from 'class-validator';
import {
  Bastion,
  Handler,
  MaxInFlight,
  MemoryRegistry,
  MemoryTracer,
  RateLimit,
  RequireMutualTLS,
  Service,
  activeSpanContext,
  type BastionOptions,
  type MetricsOptions,
  type CallContext,
} from '../../src/index.js';
import type { KeyPairPem } from '../../src/security/dev-pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { parsePrometheusText, type Exposition } from '../metrics/prometheus-text.js';
import type { TestPki } from '../fixtures/pki.js';

export class EntryRequest {
  @IsString()
  @Length(1, 16)
  memo!: string;
}

/** One endpoint per protection, so each test reads its own series. */
@Service({ name: 'ledger' })
export class Ledger {
  /** While set, `slow` waits on it. */
  gate: Promise<void> | undefined;

  @RequireMutualTLS({ allow: ['frontend'] })
  @Handler()
  guarded(): string {
    return 'ok';
  }

  @RateLimit({ tokensPerInterval: 1, interval: 'minute', key: 'peer' })
  @Handler()
  limited(): string {
    return 'ok';
  }

  @MaxInFlight(1)
  @Handler()
  async slow(): Promise<string> {
    await this.gate;
    return 'done';
  }

  @Handler()
  entry(request: EntryRequest): string {
    return request.memo;
  }

  @Handler()
  traced(_request: EntryRequest, ctx: CallContext): { traceparent: string | undefined; traceId: string | undefined; spanId: string | undefined } {
    const active = activeSpanContext();
    return { traceparent: ctx.metadata['traceparent'], traceId: active?.traceId, spanId: active?.spanId };
  }
}

/** A started app and what the tests read from it. */
export interface ObservedApp {
  readonly app: Bastion;
  readonly logger: RecordingLogger;
  readonly tracer: MemoryTracer;
}

/** Boots `ledger` with metrics (served on loopback) and tracing on. */
export async function serveLedger(pki: TestPki, registry: MemoryRegistry): Promise<ObservedApp & { readonly ledger: Ledger }> {
  const logger = new RecordingLogger();
  const tracer = new MemoryTracer();
  const app = await Bastion.create({
    services: [Ledger],
    tls: await pki.tlsFor('ledger'),
    registry,
    logger,
    observability: { metrics: { endpoint: true }, tracing: { tracer } },
  });
  await app.start();
  return { app, logger, tracer, ledger: app.container.get(Ledger) };
}

/** A client-only app named `name` that finds `ledger` in `registry`, with tracing and (unless `metrics` is false) metrics. */
export async function caller(pki: TestPki, registry: MemoryRegistry, name: string, metrics: boolean | MetricsOptions = true, extra: Partial<BastionOptions> = {}): Promise<ObservedApp> {
  const logger = new RecordingLogger();
  const tracer = new MemoryTracer();
  const app = await Bastion.create({
    tls: await pki.tlsFor(name),
    registry,
    registryPolicy: { allowServices: ['ledger'] },
    logger,
    observability: { metrics, tracing: { tracer } },
    ...extra,
  });
  return { app, logger, tracer };
}

/** A plain HTTP exchange, without keep-alive so nothing stays open. */
export function httpExchange(url: string, method = 'GET', body?: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Scrapes the app's metrics endpoint and parses the text. */
export async function scrape(app: Bastion): Promise<Exposition> {
  const endpoint = app.metricsEndpoint;
  if (endpoint === undefined) throw new Error('the app serves no metrics endpoint');
  const { status, body } = await httpExchange(`http://127.0.0.1:${endpoint.port}${endpoint.path}`);
  if (status !== 200) throw new Error(`metrics endpoint answered ${status}`);
  return parsePrometheusText(body);
}

/** Dials `port` with `pair` (or no certificate) and resolves once the server has closed or refused it. */
export function dialRaw(port: number, caPem: string, pair: KeyPairPem | undefined): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caPem, ...(pair === undefined ? {} : { cert: pair.certPem, key: pair.keyPem }), checkServerIdentity: () => undefined });
    socket.on('error', () => undefined);
    socket.on('secureConnect', () => socket.write('x'));
    socket.once('close', () => resolve());
  });
}

/** Polls until `check` holds; fails after `withinMs` (a test bound, not a timing assertion). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
