// Small helpers shared by the registry tests.
import type { Clock } from '../../src/ratelimit/clock.js';
import type { DeregisterOptions, RegisterOptions, Registry, RegistryWatcher, ServiceNode, ServiceRecord } from '../../src/registry/registry.js';

/** A clock that moves only when the test says so. */
export class ManualClock implements Clock {
  private ms = 1_000;
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export { RecordingLogger } from '../fixtures/quiet-logger.js';

/** A registry in front of another that counts the writes reaching it. */
export class CountingRegistry implements Registry {
  readonly name: string;
  writes = 0;
  constructor(readonly inner: Registry) {
    this.name = inner.name;
  }
  register(record: ServiceRecord, options: RegisterOptions): Promise<void> {
    this.writes++;
    return this.inner.register(record, options);
  }
  deregister(record: ServiceRecord, options?: DeregisterOptions): Promise<void> {
    this.writes++;
    return this.inner.deregister(record, options);
  }
  getService(name: string): Promise<ServiceRecord[]> {
    return this.inner.getService(name);
  }
  listServices(): Promise<ServiceRecord[]> {
    return this.inner.listServices();
  }
  watch(service?: string): RegistryWatcher {
    return this.inner.watch(service);
  }
}

/** A well-formed node. */
export function node(id: string, overrides: Partial<ServiceNode> = {}): ServiceNode {
  return { id, host: '10.0.0.5', port: 7000, metadata: {}, ...overrides };
}

/** A well-formed record of `name` with one node unless told otherwise. */
export function record(name: string, overrides: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    name,
    version: '1.0.0',
    metadata: {},
    endpoints: [{ name: 'Inventory.reserve', request: 'ReserveRequest', codec: 'application/json' }],
    nodes: [node(`${name}-1`)],
    ...overrides,
  };
}
