import { DEFAULT_CALL_TIMEOUT_MS } from './client.js';

/** Options of the RPC client. */
export interface ClientOptions {
  /** Deadline of a call that sets none. */
  readonly timeoutMs: number;
  /** Content type of request bodies that set none. */
  readonly contentType: string;
}

/** Fills in defaults. */
export function resolveClientOptions(partial: Partial<ClientOptions> = {}): ClientOptions {
  const options = { timeoutMs: DEFAULT_CALL_TIMEOUT_MS, contentType: 'application/json', ...partial };
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) throw new RangeError('client timeoutMs must be a positive integer');
  return options;
}
