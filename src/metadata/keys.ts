import type { ServiceMetadata } from './models.js';

/** A typed metadata key: the symbol under which a value of type `T` is stored. */
export interface MetadataKey<T> {
  readonly symbol: symbol;
  readonly __type?: T;
}

function metadataKey<T>(name: string): MetadataKey<T> {
  // Symbol.for lets two copies of the package agree on the keys.
  return Object.freeze({ symbol: Symbol.for(`bastion:${name}`) });
}

/** The one record per service class, written by every Bastion decorator. */
export const SERVICE: MetadataKey<ServiceMetadata> = metadataKey('service');
