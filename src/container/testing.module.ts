import { ContainerModule, type ServiceIdentifier } from 'inversify';
import type { Transport } from '../transport/transport.js';
import { memoryPeer, MemoryTransport } from '../transport/memory.transport.js';
import { TOKENS } from './tokens.js';

/** One binding to replace: the token (or class) and the value to resolve instead. */
export interface BindingOverride {
  readonly provide: ServiceIdentifier;
  readonly useValue: unknown;
}

/** In-process transports sharing one network: the server's, and one per caller identity. */
export interface MemoryNetwork {
  /** The transport the served application listens on; it claims `serviceIdentity`. */
  readonly server: Transport;
  /** A transport whose calls present a verified-looking certificate of `identity`. */
  callerAs(identity: string): Transport;
}

/** A memory network whose listeners claim `serviceIdentity` in `trustDomain`. */
export function memoryNetwork(serviceIdentity: string, trustDomain: string): MemoryNetwork {
  const server = new MemoryTransport().serveAs(serviceIdentity);
  return { server, callerAs: (identity) => server.asPeer(memoryPeer(identity, trustDomain)) };
}

/** Replaces the transport of one application (the memory transport in tests). */
export function transportModule(transport: Transport): ContainerModule {
  return new ContainerModule(({ rebind }) => {
    rebind(TOKENS.Transport).toConstantValue(transport);
  });
}

/** Binds each override in place of whatever the defaults or autobinding would resolve. */
export function overridesModule(overrides: readonly BindingOverride[]): ContainerModule {
  return new ContainerModule(({ bind, rebind, isBound }) => {
    for (const { provide, useValue } of overrides) {
      (isBound(provide) ? rebind(provide) : bind(provide)).toConstantValue(useValue);
    }
  });
}
