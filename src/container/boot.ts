import { Container } from 'inversify';
import type { Client } from '../client/client.js';
import { resolveClientOptions } from '../client/options.js';
import type { Codec, CodecLookup } from '../codec/codec.js';
import { DEFAULT_CONTENT_TYPE } from '../codec/codecs.js';
import { resolveCodecLimits } from '../codec/options.js';
import { BastionError } from '../errors/bastion-error.js';
import { declaredCodecs } from '../decorators/codec.decorator.js';
import { ConsoleLogger } from '../logging/logger.js';
import { auditTable, strictViolations, subscriberProblems, type AuditRow } from '../metadata/audit.js';
import { exploreServices, exploreSubscribers } from '../metadata/explorer.js';
import { resolveRateLimiterOptions } from '../ratelimit/options.js';
import { MemoryRegistry } from '../registry/memory.registry.js';
import { resolveRegistryPolicy } from '../registry/validating/policy.js';
import { RegistrationTokenSigner, type RegistrationSignerOptions } from '../registry/validating/registration-token.js';
import { registryFromUrl } from './registry-url.js';
import { FileCertificateSource } from '../security/file.certificate-source.js';
import type { CertificateSource, TLSMaterial } from '../security/security.js';
import { requestModeUnused, transportSecurityProblems } from '../security/tls-policy.js';
import { resolveServerOptions } from '../server/options.js';
import { HEALTH_ENDPOINT, type EndpointDescriptor, type Server, type ServiceClass } from '../server/server.js';
import { resolveTransportOptions } from '../transport/options.js';
import type { Binder } from '../validation/validation.js';
import { defaultsModule } from './defaults.module.js';
import { observabilitySetup } from './observability.module.js';
import type { BastionOptions } from './options.js';
import { TOKENS } from './tokens.js';

/** A booted application: its container, endpoints and protection table. */
export interface BootedApp {
  readonly container: Container;
  readonly endpoints: readonly EndpointDescriptor[];
  readonly audit: readonly AuditRow[];
  /** The material in use at boot; `undefined` in insecure mode. */
  readonly tls: TLSMaterial | undefined;
  /** Where the transport reads (and reloads) the material; `undefined` in insecure mode. */
  readonly certificates: CertificateSource | undefined;
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
  if (options?.tls === undefined && options?.insecure !== true) {
    throw new BastionError('BST_ERR_SECURITY_TLS_CONFIG', 'Bastion needs a TLS set-up (ca, cert, key, trustDomain); it never serves in clear');
  }
  const security = { tls: options.tls, insecure: options.insecure, strict: options.strict, nodeEnv: process.env['NODE_ENV'] };
  const refused = transportSecurityProblems(security);
  if (refused.length > 0) throw bootError(refused);
  const observed = observabilitySetup(options.observability, options.logger ?? new ConsoleLogger({ level: options.logLevel ?? 'info', redact: options.logRedact ?? [] }));
  const logger = observed.logger;
  const certificates = options.tls === undefined ? undefined : await FileCertificateSource.open(options.tls, logger);
  if (certificates === undefined) logger.warn('insecure_mode', { detail: 'insecure: true, plain TCP: nothing is encrypted and no peer is authenticated' });
  const services: readonly ServiceClass[] = options.services ?? [];
  const problems: string[] = [];
  const endpoints = exploreServices(services, { codec: DEFAULT_CONTENT_TYPE });
  const subscribers = exploreSubscribers(services, { codec: DEFAULT_CONTENT_TYPE });
  for (const endpoint of endpoints) {
    if (endpoint.endpoint === HEALTH_ENDPOINT) problems.push(`${endpoint.service}/${HEALTH_ENDPOINT} is reserved for the built-in health check; rename the handler`);
  }
  problems.push(...subscriberProblems(subscribers));
  if (options.strict === true) problems.push(...strictViolations(endpoints));
  if (requestModeUnused(options.tls, endpoints)) {
    logger.warn('tls_request_mode_unused', { detail: "clientAuth 'request' lets anonymous callers in, but every endpoint has @RequireMutualTLS" });
  }
  const ownNames = [...new Set(endpoints.map((e) => e.service))];
  const identity = certificates?.current().identity.name;
  for (const name of ownNames) {
    // A certificate proves one identity; clients would refuse every node of any other service.
    if (identity !== undefined && name !== identity) {
      problems.push(`service '${name}' cannot be served with the certificate of '${identity}'; each service needs its own certificate`);
    }
  }
  const config = {
    certificates,
    logger,
    endpoints,
    subscribers,
    wrappers: options.wrappers ?? [],
    clientWrappers: [...observed.clientWrappers, ...(options.clientWrappers ?? [])],
    innerRegistry: optionProblems('registry', () => (typeof options.registry === 'string' ? registryFromUrl(options.registry) : (options.registry ?? new MemoryRegistry())), problems),
    registrationSigner: options.registrationKey === undefined ? undefined : optionProblems('registrationKey', () => new RegistrationTokenSigner(options.registrationKey as RegistrationSignerOptions).forServices(ownNames), problems),
    transport: optionProblems('transport', () => resolveTransportOptions(options.transport), problems),
    codecLimits: optionProblems('codecLimits', () => resolveCodecLimits(options.codecLimits), problems),
    registryPolicy: optionProblems('registryPolicy', () => resolveRegistryPolicy({ ...options.registryPolicy, allowServices: [...ownNames, ...(options.registryPolicy?.allowServices ?? [])] }), problems),
    rateLimiter: optionProblems('rateLimiter', () => resolveRateLimiterOptions(options.rateLimiter), problems),
    server: optionProblems('server', () => resolveServerOptions(options.server), problems),
    client: optionProblems('client', () => resolveClientOptions(options.client), problems),
  };
  if (problems.length > 0) throw await closing(certificates, bootError(problems));

  // Injectable classes a handler depends on resolve without a binding, one instance per app.
  const container = new Container({ autobind: true, defaultScope: 'Singleton' });
  container.load(observed.first, defaultsModule(config as Parameters<typeof defaultsModule>[0]), observed.last, ...(options.modules ?? []));
  for (const cls of services) container.bind(cls).toSelf().inSingletonScope();
  // Codecs given as options or named by @Codec(instance | class), each bound once next to the defaults.
  const extraCodecs = new Set<Codec>([...(options.codecs ?? []), ...services.flatMap((cls) => declaredCodecs(cls))]);
  for (const codec of extraCodecs) container.bind(TOKENS.Codecs).toConstantValue(codec);
  container.bind(TOKENS.ServiceResolver).toConstantValue((cls: ServiceClass) => container.get(cls));

  const codecs = container.get<CodecLookup>(TOKENS.CodecLookup);
  const binder = container.get<Binder>(TOKENS.Binder);
  for (const endpoint of [...endpoints, ...subscribers]) {
    const name = `${endpoint.service}/${endpoint.endpoint}`;
    if (!codecs.has(endpoint.codec)) problems.push(`${name} uses codec '${endpoint.codec}', which is not bound`);
    else {
      try {
        codecs.get(endpoint.codec).supports?.(endpoint.endpoint);
      } catch (error) {
        problems.push(`${name}: ${BastionError.is(error) ? error.detail : String(error)}`);
      }
    }
    if (endpoint.request !== undefined) {
      try {
        binder.prepare(endpoint.request);
      } catch (error) {
        problems.push(`${name}: ${BastionError.is(error) ? error.detail : String(error)}`);
      }
    }
  }
  if (problems.length > 0) throw await closing(certificates, bootError(problems));

  const audit = auditTable(endpoints);
  if (endpoints.length > 0) logger.info('endpoints', { table: audit });
  return {
    container,
    endpoints,
    audit,
    tls: certificates?.current(),
    certificates,
    server: container.get<Server>(TOKENS.Server),
    // Resolved when asked for: handing the client out is what makes served calls keep their scope.
    get client(): Client {
      return container.get<Client>(TOKENS.Client);
    },
  };
}

function bootError(problems: readonly string[]): BastionError {
  return new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `Bastion cannot boot:\n  - ${problems.join('\n  - ')}`);
}

/** Stops watching certificate files of an app that will not boot, and hands back its error. */
async function closing(certificates: CertificateSource | undefined, error: BastionError): Promise<BastionError> {
  await certificates?.close();
  return error;
}
