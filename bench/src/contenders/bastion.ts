// Bastion: mTLS + @RequireMutualTLS({ allow }) + JSON codec + DTO validation + @RateLimit,
// and variants each missing one layer, to show what each layer costs.
import 'reflect-metadata';
import { ContainerModule } from 'inversify';
import {
  Bastion,
  BastionError,
  MemoryRegistry,
  TOKENS,
  type BastionOptions,
  type Logger,
  type TLSOptions,
} from '../../../dist/src/index.js';
import { StrictBinder } from '../../../dist/src/validation/strict-binder.js';
import type { DtoClass } from '../../../dist/src/metadata/models.js';
import { CLIENT_NAME, SERVER_NAME, type BenchClient, type BenchPki, type BenchServer, type Contender, type RejectKind } from '../contender.js';
import { defineEchoService } from '../../../dist/examples/echo-bench/echo.service.js';
import type { EchoRequest } from '../workload.js';

const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Which protection layers a Bastion contender keeps. */
interface Layers {
  readonly validation: boolean;
  readonly rateLimit: boolean;
  readonly allowList: boolean;
}

/** A limit far above anything the load reaches, so it is checked on every call and never refuses. */
const HIGH_LIMIT_PER_SECOND = 100_000_000;

/**
 * Binds without validating: the body is handed over as decoded (the no-validation variant).
 * Every binding entry point is overridden: the server binds through `bindOrRefuse` (and
 * `bindNow` before it), so overriding `toInstance` alone left this variant validating.
 */
class UncheckedBinder extends StrictBinder {
  override async toInstance<T extends object>(_dto: DtoClass<T>, plain: unknown): Promise<T> {
    return plain as T;
  }

  override bindNow<T extends object>(_dto: DtoClass<T>, plain: unknown): T {
    return plain as T;
  }

  override bindOrRefuse<T extends object>(_dto: DtoClass<T>, plain: unknown): T {
    return plain as T;
  }
}

function tls(pki: BenchPki, cert: string, key: string): TLSOptions {
  return { ca: { pem: pki.ca }, cert: { pem: cert }, key: { pem: key }, trustDomain: pki.trustDomain };
}

function bastionContender(name: string, layers: Layers): Contender {
  return {
    name,
    async serve(pki: BenchPki): Promise<BenchServer> {
      const options: BastionOptions = {
        services: [
          defineEchoService({
            ...(layers.allowList ? { allow: [CLIENT_NAME] } : {}),
            ...(layers.rateLimit ? { perSecond: HIGH_LIMIT_PER_SECOND } : {}),
          }),
        ],
        tls: tls(pki, pki.serverCert, pki.serverKey),
        registry: new MemoryRegistry(),
        logger: QUIET,
        modules: layers.validation
          ? []
          : [new ContainerModule(({ rebind }) => void rebind(TOKENS.Binder).toConstantValue(new UncheckedBinder()))],
      };
      const app = await Bastion.create(options);
      const { port } = await app.start();
      return { port, close: () => app.stop() };
    },
    async connect(pki: BenchPki, port: number): Promise<BenchClient> {
      // The server lives in another process, so its record is written here by hand.
      const registry = new MemoryRegistry();
      await registry.register(
        {
          name: SERVER_NAME,
          version: '1.0.0',
          metadata: {},
          // As the server registers them: a record without its endpoints would send the
          // client back to the registry on every call to learn the endpoint's codec.
          endpoints: ['Echo.echo', 'Echo.limited'].map((name) => ({ name, request: 'EchoRequest', codec: 'application/json' })),
          nodes: [{ id: `${SERVER_NAME}-bench`, host: '127.0.0.1', port, metadata: {} }],
        },
        { ttlMs: 300_000 },
      );
      const app = await Bastion.create({
        tls: tls(pki, pki.clientCert, pki.clientKey),
        registry,
        registryPolicy: { allowServices: [SERVER_NAME] },
        logger: QUIET,
      });
      const { client } = app;
      return {
        call: (request: EchoRequest) => client.call(SERVER_NAME, 'Echo.echo', request),
        reject: (kind: RejectKind, request: EchoRequest) =>
          kind === 'validation'
            ? expectCode(400, client.call(SERVER_NAME, 'Echo.echo', { name: request.count, count: request.name }))
            : expectCode(429, client.call(SERVER_NAME, 'Echo.limited', request)),
        close: () => app.stop(),
      };
    },
  };
}

/** Resolves when the call was refused with `code`; anything else is a failed measurement. */
async function expectCode(code: number, call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    if (BastionError.is(error) && error.code === code) return error;
    throw error;
  }
  if (code === 429) return undefined; // the one call the hourly budget lets through
  throw new Error(`expected a ${code} refusal, the call succeeded`);
}

/** Bastion with every protection on, and one variant per missing layer. */
export const bastionContenders: readonly Contender[] = [
  bastionContender('bastion', { validation: true, rateLimit: true, allowList: true }),
  bastionContender('bastion-no-validation', { validation: false, rateLimit: true, allowList: true }),
  bastionContender('bastion-no-ratelimit', { validation: true, rateLimit: false, allowList: true }),
  bastionContender('bastion-no-allowlist', { validation: true, rateLimit: true, allowList: false }),
];
