import 'reflect-metadata';
import type { MetadataKey } from './keys.js';

/** Reads the value stored under `key` on `target` itself (never inherited). */
export function getOwnMetadata<T>(key: MetadataKey<T>, target: object): T | undefined {
  return Reflect.getOwnMetadata(key.symbol, target) as T | undefined;
}

/** Stores `value` under `key` on `target`. */
export function defineMetadata<T>(key: MetadataKey<T>, value: T, target: object): void {
  Reflect.defineMetadata(key.symbol, value, target);
}

/** Replaces the value under `key` with `update(current ?? buildDefault())`. */
export function updateOwnMetadata<T>(
  key: MetadataKey<T>,
  target: object,
  buildDefault: () => T,
  update: (current: T) => T,
): void {
  defineMetadata(key, update(getOwnMetadata(key, target) ?? buildDefault()), target);
}

/** The parameter types TypeScript emitted for a decorated method. */
export function getParameterTypes(target: object, method: string | symbol): readonly unknown[] {
  return (Reflect.getMetadata('design:paramtypes', target, method) as unknown[] | undefined) ?? [];
}

/** True when TypeScript emitted parameter types for the method (`emitDecoratorMetadata`). */
export function hasParameterTypes(target: object, method: string | symbol): boolean {
  return Reflect.hasOwnMetadata('design:paramtypes', target, method);
}

/** The return type TypeScript emitted for a decorated method. */
export function getReturnType(target: object, method: string | symbol): unknown {
  return Reflect.getMetadata('design:returntype', target, method);
}
