import 'reflect-metadata';
import { instanceToPlain, plainToInstance, type ClassTransformOptions } from 'class-transformer';
import { getMetadataStorage, type ValidatorOptions } from 'class-validator';
import type { FieldError } from '../errors/bastion-error.js';
import { injectable } from 'inversify';
import { badRequest } from '../errors/factories.js';
import { rejection } from '../errors/rejection.js';
import { Refused } from '../errors/refused.js';
import type { DtoClass } from '../metadata/models.js';
import { bindCompiled } from './compiled-binding.js';
import { compiledPlanFor, type CompiledPlan } from './compiled-plan.js';
import { validateCompiled } from './compiled-validation.js';
import { checkShape, planGraph } from './dto-plan.js';
import { BODY_PATH, fieldError, mergeFieldErrors, toFieldErrors } from './field-errors.js';
import { validateNow } from './run-validation.js';
import type { Binder } from './validation.js';

/** class-transformer options for request bodies: no implicit conversion (B03), no defaults exposed. */
export const STRICT_TRANSFORM_OPTIONS: Readonly<ClassTransformOptions> = Object.freeze({
  enableImplicitConversion: false,
  exposeDefaultValues: false,
  excludeExtraneousValues: false,
});

/** class-validator options: unknown properties and values refused (B01), no value in errors. */
export const STRICT_VALIDATOR_OPTIONS: Readonly<ValidatorOptions> = Object.freeze({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: Object.freeze({ target: false, value: false }),
});

/** Response validation checks the declared constraints and never copies values into errors. */
const RESPONSE_VALIDATOR_OPTIONS: Readonly<ValidatorOptions> = Object.freeze({
  forbidUnknownValues: true,
  validationError: Object.freeze({ target: false, value: false }),
});

/**
 * StrictBinder binds decoded bodies to DTO classes with class-transformer and
 * class-validator under strict options, and refuses what those libraries let through:
 * non-plain input, a result that is not exactly an instance of the DTO (B01) and nested
 * values of the wrong shape (B04). A DTO compiled at `prepare` (compiled-plan.ts) is bound
 * and checked without the libraries' per-call machinery, with the same answer.
 * See docs/security/codecs.md.
 */
@injectable()
export class StrictBinder implements Binder {
  readonly name = 'class-validator';
  private readonly prepared = new WeakMap<DtoClass, PreparedDto>();

  /** Checks `dto` and every DTO nested in it once; throws `BST_ERR_DECORATOR_INVALID_TARGET`. */
  prepare(dto: DtoClass): void {
    this.preparedOf(dto);
  }

  /** What binding `dto` needs, worked out once: one lookup per call. */
  private preparedOf(dto: DtoClass): PreparedDto {
    let prepared = this.prepared.get(dto);
    if (prepared === undefined) {
      const graph = planGraph(dto);
      compiledPlanFor(dto);
      // planGraph lists `dto` first; without nested DTOs the shape check is the key check alone.
      prepared = { compiled: this.compiledPlan(dto), flat: graph[0]?.nested.length === 0 };
      this.prepared.set(dto, prepared);
    }
    return prepared;
  }

  /** Builds and validates an instance of `dto` from a plain object; throws a `400` listing each field. */
  async toInstance<T extends object>(dto: DtoClass<T>, plain: unknown): Promise<T> {
    return this.bindNow(dto, plain);
  }

  bindNow<T extends object>(dto: DtoClass<T>, plain: unknown): T | Promise<T> {
    const bound = this.bindOrRefuse(dto, plain);
    return bound instanceof Refused ? rejection(bound.error) : bound;
  }

  bindOrRefuse<T extends object>(dto: DtoClass<T>, plain: unknown): T | Promise<T> | Refused {
    const { compiled, flat } = this.preparedOf(dto);
    if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
      return new Refused(badRequest([fieldError(BODY_PATH, 'isObject', 'an object was expected')]));
    }
    const proto: unknown = Object.getPrototypeOf(plain);
    if (proto !== Object.prototype && proto !== null) {
      return new Refused(badRequest([fieldError(BODY_PATH, 'isPlainObject', 'a plain object was expected')]));
    }
    const bound = compiled === undefined ? undefined : bindCompiled(compiled, plain);
    // Reported together with the constraints' errors, so one answer names every bad field. A flat
    // DTO bound by the compiled path had every key declared: its shape check has nothing to add.
    const structureErrors = bound !== undefined && flat ? NO_FIELD_ERRORS : checkShape(dto, plain);
    const instance: unknown = bound ?? plainToInstance(dto as new () => T, plain, STRICT_TRANSFORM_OPTIONS);
    // Never treat "no errors" on something that is not exactly a DTO instance as success (B01).
    if (typeof instance !== 'object' || instance === null || Object.getPrototypeOf(instance) !== dto.prototype) {
      return new Refused(badRequest([fieldError(BODY_PATH, 'isInstance', 'the body could not be bound to the request type')]));
    }
    const fields = compiled === undefined ? undefined : compiledFieldErrors(compiled, instance);
    const library = fields ?? libraryFieldErrors(instance);
    if (library instanceof Promise) {
      return library.then((errors) => {
        const settled = settle(instance as T, structureErrors, errors);
        // Inside a reaction a refusal is a rejection of the promise handed out already.
        if (settled instanceof Refused) throw settled.error;
        return settled;
      });
    }
    return settle(instance as T, structureErrors, library);
  }

  /** The compiled plan `toInstance` uses for `dto`; `undefined` sends every body through class-transformer and class-validator. */
  protected compiledPlan(dto: DtoClass): CompiledPlan | undefined {
    return compiledPlanFor(dto);
  }

  /** Validates a result built from a DTO class against that class's constraints, before `@Exclude` applies. */
  async validateResponse(value: unknown): Promise<FieldError[]> {
    const items = Array.isArray(value) ? value : [value];
    const fields: FieldError[] = [];
    for (const [index, item] of items.entries()) {
      if (typeof item !== 'object' || item === null || Object.getPrototypeOf(item) === Object.prototype) continue;
      if (!hasConstraints(item.constructor)) continue;
      const errors = await validateNow(item as object, RESPONSE_VALIDATOR_OPTIONS);
      const prefix = Array.isArray(value) ? `${index}.` : '';
      for (const field of toFieldErrors(errors)) fields.push({ ...field, path: prefix + field.path });
    }
    return fields;
  }

  /** Applies `@Exclude`/`@Expose` to objects, nested instances included; primitives pass through. */
  toPlain(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    // A plain object or array of primitives (the usual reply or request) carries nothing for
    // class-transformer to apply, and the codec's sanitising copy follows anyway.
    return isFlatPlain(value) ? value : instanceToPlain(value);
  }
}

/** What a DTO's binding needs, per binder (a subclass may keep a DTO off the compiled path). */
interface PreparedDto {
  readonly compiled: CompiledPlan | undefined;
  /** No nested DTO: a body's shape is right when every key is declared. */
  readonly flat: boolean;
}

const NO_FIELD_ERRORS: readonly FieldError[] = Object.freeze([]);
/** The compiled path's list, kept for the next call while it stays empty (the accepted call); taken while in use, so a re-entrant call gets its own. */
let spareFields: FieldError[] | undefined = [];

/** The field errors of the compiled path, or `undefined` when this instance needs class-validator. */
function compiledFieldErrors(plan: CompiledPlan, instance: object): readonly FieldError[] | undefined {
  const fields = spareFields ?? [];
  spareFields = undefined;
  const compiled = validateCompiled(plan, instance, '', fields);
  if (fields.length > 0) return compiled ? fields : undefined;
  spareFields = fields;
  return compiled ? NO_FIELD_ERRORS : undefined;
}

/** class-validator's answer: a promise only when a constraint really answered with one, so most DTOs cost none. */
function libraryFieldErrors(instance: object): FieldError[] | Promise<FieldError[]> {
  const pending = validateNow(instance, STRICT_VALIDATOR_OPTIONS);
  return Array.isArray(pending) ? toFieldErrors(pending) : pending.then(toFieldErrors);
}

function isFlatPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) return (value as unknown[]).every(isPrimitive);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) if (!isPrimitive((value as Record<string, unknown>)[key])) return false;
  return true;
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return value === null || type === 'string' || type === 'number' || type === 'boolean' || type === 'undefined';
}

// Looked up per call only in development mode (validateResponses); class-validator indexes it by class.
function hasConstraints(cls: unknown): boolean {
  return typeof cls === 'function' && getMetadataStorage().getTargetValidationMetadatas(cls, '', false, false).length > 0;
}

/** The instance when nothing failed; otherwise the `400` naming every bad field, structure errors first (returned as a value, not thrown). */
function settle<T>(instance: T, structureErrors: readonly FieldError[], errors: readonly FieldError[]): T | Refused {
  if (errors.length > 0 || structureErrors.length > 0) {
    // Below a value of the wrong shape, class-validator's paths describe nothing the caller sent.
    // With no structure error (the usual refusal: a wrong value) class-validator's list is
    // the answer as it is: one entry per path, each constraint once, already capped.
    if (structureErrors.length === 0) return new Refused(badRequest(errors));
    const refused = structureErrors.map((field) => `${field.path}.`);
    const inner = errors.filter((field) => !refused.some((prefix) => field.path.startsWith(prefix)));
    return new Refused(badRequest(mergeFieldErrors(structureErrors, inner)));
  }
  return instance;
}

