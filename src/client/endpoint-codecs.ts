import type { Registry } from '../registry/registry.js';

/** How long the client reuses a service's endpoint codecs before reading the registry again. */
export const ENDPOINT_CODECS_TTL_MS = 5000;

interface Entry {
  readonly at: number;
  readonly codecs: ReadonlyMap<string, string>;
}

/**
 * EndpointCodecs tells the client which content type an endpoint was registered with
 * (`ServiceRecord.endpoints[].codec`), so a call to a MessagePack or protobuf endpoint
 * needs no option. Records come through the validating registry, so the content type is
 * one the registry policy accepted; the client still only uses codecs it has bound.
 */
export class EndpointCodecs {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly registry: Pick<Registry, 'getService'>,
    private readonly ttlMs = ENDPOINT_CODECS_TTL_MS,
  ) {}

  /** The content type `service` registered for `endpoint`, or `undefined` when no record lists it. */
  async contentType(service: string, endpoint: string): Promise<string | undefined> {
    const cached = this.cache.get(service);
    if (cached !== undefined && Date.now() - cached.at < this.ttlMs && cached.codecs.has(endpoint)) return cached.codecs.get(endpoint);
    const codecs = new Map<string, string>();
    for (const record of await this.registry.getService(service)) {
      for (const entry of record.endpoints) if (!codecs.has(entry.name)) codecs.set(entry.name, entry.codec);
    }
    this.cache.set(service, { at: Date.now(), codecs });
    return codecs.get(endpoint);
  }
}
