/**
 * Deep-frozen copies of registry data. Registries hand these out, so a caller can never
 * change what the store holds through a record it was given.
 */
import type { EndpointRecord, ServiceNode, ServiceRecord } from './registry.js';

/** The part of a record shared by all its nodes. */
export type RecordHead = Omit<ServiceRecord, 'nodes'>;

/** A frozen copy of a metadata map. */
export function freezeMetadata(metadata: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return Object.freeze({ ...metadata });
}

/** A deep-frozen copy of a node, holding only the fields of `ServiceNode`. */
export function freezeNode(node: ServiceNode): ServiceNode {
  return Object.freeze({ id: node.id, host: node.host, port: node.port, metadata: freezeMetadata(node.metadata) });
}

function freezeEndpoint(endpoint: EndpointRecord): EndpointRecord {
  const idempotent = endpoint.idempotent === true ? { idempotent: true } : {};
  return Object.freeze({ name: endpoint.name, request: endpoint.request, codec: endpoint.codec, ...idempotent });
}

/** A deep-frozen copy of a record's head, holding only the fields of `ServiceRecord`. */
export function freezeHead(record: RecordHead): RecordHead {
  return Object.freeze({
    name: record.name,
    version: record.version,
    metadata: freezeMetadata(record.metadata),
    endpoints: Object.freeze(record.endpoints.map(freezeEndpoint)),
  });
}

/** A frozen record made of a head from `freezeHead` and nodes from `freezeNode`. */
export function frozenRecord(head: RecordHead, nodes: readonly ServiceNode[]): ServiceRecord {
  return Object.freeze({ ...head, nodes: Object.freeze([...nodes]) });
}
