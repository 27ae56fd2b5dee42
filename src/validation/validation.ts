/**
 * Validation turns a decoded plain value into a validated DTO instance, and a handler's
 * result back into a plain value exposing only what the DTO exposes. A failure is a `400`
 * BastionError whose `fields` name each failing property path and constraint, never the
 * offending value.
 */
import type { FieldError } from '../errors/bastion-error.js';
import type { DtoClass } from '../metadata/models.js';
import type { Refused } from '../errors/refused.js';

/** Binder binds plain values to DTO classes and back. */
export interface Binder {
  readonly name: string;
  /** Throws at boot when a DTO class cannot be validated safely (for example B04). */
  prepare(dto: DtoClass): void;
  /** Plain value -> validated instance of `dto`; throws a `400` BastionError. */
  toInstance<T extends object>(dto: DtoClass<T>, plain: unknown): Promise<T>;
  /**
   * `toInstance` for the hot path: the instance itself when no constraint had to be awaited
   * (a promise of it otherwise); a refusal is returned as a rejected promise, not thrown
   * (errors/rejection.ts says why).
   */
  bindNow?<T extends object>(dto: DtoClass<T>, plain: unknown): T | Promise<T>;
  /** `bindNow`, a refusal made synchronously returned as a `Refused` value (the server's own path). */
  bindOrRefuse?<T extends object>(dto: DtoClass<T>, plain: unknown): T | Promise<T> | Refused;
  /** The failing fields of a handler result that is a DTO instance (or an array of them); empty when it is valid or not a DTO. */
  validateResponse(value: unknown): Promise<FieldError[]>;
  /** Instance -> plain value with excluded properties removed. */
  toPlain(value: unknown): unknown;
}

// Errors raised (errors/catalogue.ts): BST_ERR_VALIDATION_FAILED, BST_ERR_DECORATOR_INVALID_TARGET.
