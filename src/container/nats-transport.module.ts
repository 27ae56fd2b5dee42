import { ContainerModule } from 'inversify';
import { NatsTransport, type NatsTransportOptions } from '../transport/nats.transport.js';
import type { TransportOptions } from '../transport/transport.js';
import { TOKENS } from './tokens.js';

/**
 * Replaces the direct TLS transport with NATS request/reply (docs/transport-nats.md). The
 * app's server listens on a NATS subject and its client calls through NATS; codecs,
 * wrappers, limits and the registry work unchanged. The NATS connection closes at `stop()`.
 *
 * @example
 * ```ts
 * Bastion.create({ services: [Greeter], tls, modules: [natsTransportModule({ servers: 'tls://nats.internal:4222', tls: { ca, cert, key } })] });
 * ```
 */
export function natsTransportModule(options: NatsTransportOptions = {}): ContainerModule {
  return new ContainerModule(({ rebind }) => {
    rebind(TOKENS.Transport)
      .toDynamicValue((ctx) => new NatsTransport(options, ctx.get<TransportOptions>(TOKENS.TransportOptions)))
      .inSingletonScope();
  });
}
