import type { ContainerModule } from 'inversify';
import type { ClientWrapper } from '../client/client.js';
import type { ClientOptionsInput } from '../client/options.js';
import type { Codec, CodecLimits } from '../codec/codec.js';
import type { LogLevel, Logger } from '../logging/logger.js';
import type { ObservabilityOptions } from './observability.module.js';
import type { RateLimiterOptions } from '../ratelimit/ratelimit.js';
import type { Registry } from '../registry/registry.js';
import type { RegistryPolicy } from '../registry/validating/policy.js';
import type { RegistrationSignerOptions } from '../registry/validating/registration-token.js';
import type { TLSOptions } from '../security/security.js';
import type { ServerOptions } from '../server/options.js';
import type { ServiceClass, WrapperFactory } from '../server/server.js';
import type { TransportOptions } from '../transport/transport.js';

/** Everything an application decides at boot. Only `tls` is required (unless `insecure`). */
export interface BastionOptions {
  /** The service classes this application serves; none for a client-only application. */
  readonly services?: readonly ServiceClass[];
  /** The one TLS set-up used by every server and client of the application. */
  readonly tls?: TLSOptions;
  /**
   * Plain TCP without TLS, for tests and local play only: no encryption, every caller
   * unauthenticated (`@RequireMutualTLS` answers 401). Warned at every start; refused when
   * `NODE_ENV=production`, in strict mode, and together with `tls`.
   */
  readonly insecure?: boolean;
  readonly server?: Partial<ServerOptions>;
  readonly client?: ClientOptionsInput;
  readonly transport?: Partial<TransportOptions>;
  readonly codecLimits?: Partial<CodecLimits>;
  /** Codecs bound next to JSON and MessagePack (a ProtobufCodec, a `defineCodec` codec); a client needs them to call such endpoints. */
  readonly codecs?: readonly Codec[];
  /**
   * The registry to store records in, or its URL (`memory:`, `file:///dir`, `redis://host:port`,
   * `nats://host:port`); wrapped by the ValidatingRegistry. Defaults to an in-memory one.
   */
  readonly registry?: Registry | string;
  /** The Ed25519 key this app's server signs each (re-)registration with (docs/registry.md). */
  readonly registrationKey?: RegistrationSignerOptions;
  /** Who may register and which records are trusted on read; defaults to this app's own services. */
  readonly registryPolicy?: Partial<RegistryPolicy>;
  readonly rateLimiter?: Partial<RateLimiterOptions>;
  /** User wrappers, run after the identity check, load shedding, rate limit and deadline. */
  readonly wrappers?: readonly WrapperFactory[];
  /** Client wrappers (go-micro's `WrapClient`), outermost first, around every call of `app.client`. */
  readonly clientWrappers?: readonly ClientWrapper[];
  /**
   * Stop gracefully on SIGTERM/SIGINT once started (deregister, stop accepting, drain up to
   * `server.drainMs`, close), then exit the process; off by default (docs/lifecycle.md).
   */
  readonly handleSignals?: boolean;
  /** Refuse to boot when any endpoint lacks mTLS, a rate limit or a validated request. */
  readonly strict?: boolean;
  readonly logger?: Logger;
  readonly logLevel?: LogLevel;
  /** Field and call-metadata names the default logger writes as `[redacted]` (key material always is). */
  readonly logRedact?: readonly string[];
  /** Security events (on by default), metrics and tracing (docs/observability.md). */
  readonly observability?: ObservabilityOptions;
  /** Extra container modules, loaded after the defaults (use `rebind` to replace one). */
  readonly modules?: readonly ContainerModule[];
}
