import type { BastionOptions } from '../../src/index.js';

/**
 * The transport limits of the `crunch` server. Production values would stay near the
 * defaults (docs/wire-protocol.md); `maxInFlight` is tiny here so the example sheds load.
 */
export const transportLimits: BastionOptions['transport'] = {
  maxConnections: 512, // sockets at once, handshakes included
  maxConnectionsPerAddress: 32, // from one remote address
  maxInFlightPerConnection: 64, // handlers running for one connection
  maxInFlight: 4, // handlers running on the whole listener
  maxUnauthenticatedFrameBytes: 16 * 1024, // frames from a peer without a service identity
};
