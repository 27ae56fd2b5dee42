import { Container } from 'inversify';
import type { Client } from '../client/client.js';
import { resolveClientOptions } from '../client/options.js';
import type { CodecLookup } from '../codec/codec.js';
import { DEFAULT_CONTENT_TYPE } from '../codec/codecs.js';
import { resolveCodecLimits } from '../codec/options.js';
import { BastionError } from '../errors/bastion-error.js';
import { ConsoleLogger } from '../logging/logger.js';
import { auditTable, strictViolations, type AuditRow } from '../metadata/audit.js';
import { exploreServices } from '../metadata/explorer.js';
import { resolveRateLimiterOptions } from '../ratelimit/options.js';
import { MemoryRegistry } from '../registry/memory.registry.js';
import { resolveRegistryPolicy } from '../registry/validating/policy.js';
import type { TLSMaterial } from '../security/security.js';
import { loadTLSMaterial } from '../security/tls-material.js';
import { resolveServerOptions } from '../server/options.js';
import type { EndpointDescriptor, Server, ServiceClass } from '../server/server.js';
import { resolveTransportOptions } from '../transport/options.js';
import type { Binder } from '../validation/validation.js';
import { defaultsModule } from './defaults.module.js';
import type { BastionOptions } from './options.js';
import { TOKENS } from './tokens.js';

/** A booted application: its container, endpoints and protection table. */
export interface BootedApp {
  readonly container: Container;
  readonly endpoints: readonly EndpointDescriptor[];
  readonly audit: readonly AuditRow[];
  readonly tls: TLSMaterial;
  readonly server: Server;
  readonly client: Client;
}

function optionProblems<T>(name: string, resolve: () => T, problems: string[]): T | undefined {
  try {
    return resolve();
  } catch (error) {
    problems.push(`${name}: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Boots an application: loads the TLS material, reads every service's metadata once,
 * wires the container, and checks everything it can before anything listens. All
 * problems are reported together, one line each.
 */
export async function boot(options: BastionOptions): Promise<BootedApp> {
  if (options?.tls === undefined) {
    throw new BastionError('BST_ERR_SECURITY_TLS_CONFIG', 'Bastion needs a TLS set-up (ca, cert, key, trustDomain); it never serves in clear');
  }
  const tls = await loadTLSMaterial(options.tls);
  const logger = options.logger ?? new ConsoleLogger(options.logLevel ?? 'info');
  const services: readonly ServiceClass[] = options.services ?? [];
  const problems: string[] = [];
  const endpoints = exploreServices(services, { codec: DEFAULT_CONTENT_TYPE });
  if (options.strict === true) problems.push(...strictViolations(endpoints));
  const ownNames = [...new Set(endpoints.map((e) => e.service))];
  const config = {
    tls,
    logger,
    endpoints,
    wrappers: options.wrappers ?? [],
    innerRegistry: options.registry ?? new MemoryRegistry(),
    transport: optionProblems('transport', () => resolveTransportOptions(options.transport), problems),
    codecLimits: optionProblems('codecLimits', () => resolveCodecLimits(options.codecLimits), problems),
    registryPolicy: optionProblems('registryPolicy', () => resolveRegistryPolicy({ allowServices: ownNames, ...options.registryPolicy }), problems),
    rateLimiter: optionProblems('rateLimiter', () => resolveRateLimiterOptions(options.rateLimiter), problems),
    server: optionProblems('server', () => resolveServerOptions(options.server), problems),
    client: optionProblems('client', () => resolveClientOptions(options.client), problems),
  };
  if (problems.length > 0) throw bootError(problems);

  // Injectable classes a handler depends on resolve without a binding, one instance per app.
  const container = new Container({ autobind: true, defaultScope: 'Singleton' });
  container.load(defaultsModule(config as Parameters<typeof defaultsModule>[0]), ...(options.modules ?? []));
  for (const cls of services) container.bind(cls).toSelf().inSingletonScope();
  container.bind(TOKENS.ServiceResolver).toConstantValue((cls: ServiceClass) => container.get(cls));

  const codecs = container.get<CodecLookup>(TOKENS.CodecLookup);
  const binder = container.get<Binder>(TOKENS.Binder);
  for (const endpoint of endpoints) {
    const name = `${endpoint.service}/${endpoint.endpoint}`;
    if (!codecs.has(endpoint.codec)) problems.push(`${name} uses codec '${endpoint.codec}', which is not bound`);
    if (endpoint.request !== undefined) {
      try {
        binder.prepare(endpoint.request);
      } catch (error) {
        problems.push(`${name}: ${BastionError.is(error) ? error.detail : String(error)}`);
      }
    }
  }
  if (problems.length > 0) throw bootError(problems);

  const audit = auditTable(endpoints);
  if (endpoints.length > 0) logger.info('endpoints', { table: audit });
  return {
    container,
    endpoints,
    audit,
    tls,
    server: container.get<Server>(TOKENS.Server),
    client: container.get<Client>(TOKENS.Client),
  };
}

function bootError(problems: readonly string[]): BastionError {
  return new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `Bastion cannot boot:\n  - ${problems.join('\n  - ')}`);
}
