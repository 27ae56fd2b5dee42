import type { TransportOptions } from './transport.js';

/** The default frame limit, as grpc-js: 4 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** Safe defaults for every transport. */
export const DEFAULT_TRANSPORT_OPTIONS: TransportOptions = Object.freeze({
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  idleTimeoutMs: 120_000,
  handshakeTimeoutMs: 10_000,
  frameReadTimeoutMs: 30_000,
  // Each limit bounds what one misbehaving peer can hold (attack report F3, F4); the defaults
  // leave room for normal fan-in (hundreds of clients, a hundred calls per connection).
  maxConnections: 1024,
  maxConnectionsPerAddress: 64,
  maxInFlightPerConnection: 256,
  maxInFlight: 4096,
  maxUnauthenticatedFrameBytes: 64 * 1024,
});

/** Fills in defaults and refuses nonsense values. */
export function resolveTransportOptions(partial: Partial<TransportOptions> = {}): TransportOptions {
  const options = { ...DEFAULT_TRANSPORT_OPTIONS, ...partial };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`transport option ${name} must be a positive integer`);
  }
  if (options.maxFrameBytes > 0x7fffffff) throw new RangeError('transport option maxFrameBytes must be below 2 GiB');
  return options;
}

/** How long `Listener.close()` waits for in-flight calls when no drain time is given. */
export const DEFAULT_DRAIN_MS = 5_000;
