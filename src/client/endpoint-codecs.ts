import type { EndpointRecord, Registry } from '../registry/registry.js';

/** How long the client reuses a service's endpoint codecs before reading the registry again. */
export const ENDPOINT_CODECS_TTL_MS = 5000;

interface Entry {
  readonly at: number;
  readonly endpoints: ReadonlyMap<string, EndpointRecord>;
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
    return (await this.lookup(service, endpoint))?.codec;
  }

  /** True when every record of `service` that lists `endpoint` registered it `@Idempotent()`. */
  async idempotent(service: string, endpoint: string): Promise<boolean> {
    return (await this.lookup(service, endpoint))?.idempotent === true;
  }

  /**
   * The record of `endpoint` (`undefined` when no record lists it): at once, without a
   * promise, while the service's entry is fresh, so a call costs no await for it.
   */
  lookup(service: string, endpoint: string): EndpointRecord | undefined | Promise<EndpointRecord | undefined> {
    const cached = this.cache.get(service);
    // A fresh entry answers misses too, so calls to an unlisted endpoint do not read the registry each time.
    if (cached !== undefined && Date.now() - cached.at < this.ttlMs) return cached.endpoints.get(endpoint);
    return this.load(service, endpoint);
  }

  private async load(service: string, endpoint: string): Promise<EndpointRecord | undefined> {
    const endpoints = new Map<string, EndpointRecord>();
    const records = await this.registry.getService(service);
    for (const record of records) {
      for (const entry of record.endpoints) {
        const seen = endpoints.get(entry.name);
        // One record not marking it idempotent (an older version still running) is enough to not retry.
        if (seen === undefined) endpoints.set(entry.name, entry);
        else if (seen.idempotent === true && entry.idempotent !== true) endpoints.set(entry.name, { ...seen, idempotent: false });
      }
    }
    // A service with no record yet is not cached: its first registration must be seen at once.
    if (records.length > 0) this.cache.set(service, { at: Date.now(), endpoints });
    return endpoints.get(endpoint);
  }
}
