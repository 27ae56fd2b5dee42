/**
 * A DTO class's validation compiled once from class-validator's and class-transformer's
 * metadata: per property, in the executor's order, the constraint instances class-validator
 * itself would call. Checking a body then costs direct calls, with no metadata lookup, no
 * `ValidationError` tree and no class-transformer pass. Only a class whose every decorator
 * the compiled path reproduces exactly gets a plan (see `compiledPlanFor`); any other keeps
 * the library path, whole.
 */
import { createRequire } from 'node:module';
import { TransformationType } from 'class-transformer';
import type { MetadataStorage as TransformerMetadata } from 'class-transformer/types/MetadataStorage.js';
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata.js';
import type { DtoClass } from '../metadata/models.js';
import { isBuiltInConstraint } from './built-in-constraints.js';
import { planFor, planGraph } from './dto-plan.js';

// The same storage module instance `plainToInstance` reads (see dto-plan.ts).
const { defaultMetadataStorage } = createRequire(import.meta.url)('class-transformer/cjs/storage.js') as {
  defaultMetadataStorage: TransformerMetadata;
};

/** One constraint, as class-validator's executor runs it. */
export interface CompiledCheck {
  /** The constraint name a `400` shows (`isString`, `isDefined`, ...). */
  readonly name: string;
  readonly each: boolean;
  readonly metadata: ValidationMetadata;
  readonly validate: (value: unknown, args: ValidationArguments) => unknown;
  readonly defaultMessage: ((args: ValidationArguments) => string) | undefined;
  /** Finished `name: message` texts by template, for templates that do not show the value. */
  readonly messages: Map<string, string>;
  /** The template seen last and its text. */
  last: { readonly template: string | undefined; readonly text: string };
}

/** One property of a compiled DTO. */
export interface CompiledProperty {
  readonly name: string;
  /** `@IsOptional()` conditions, called as the executor calls them. */
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  /** `@IsDefined` checks first, then the others, in declaration order. */
  readonly checks: readonly CompiledCheck[];
  /** The `@ValidateNested` class, when the property holds a nested DTO. */
  readonly nested: DtoClass | undefined;
  /** True when the nested value is an array of DTOs. */
  readonly many: boolean;
  /** The plan of `nested`, linked once the whole graph is compiled. */
  child: CompiledPlan | undefined;
}

/** A DTO class the compiled path binds and validates. */
export interface CompiledPlan {
  readonly dto: DtoClass;
  /** `dto.name`, read once: class-validator's `$target`. */
  readonly targetName: string;
  readonly properties: readonly CompiledProperty[];
  /** Every property with class-validator metadata (the whitelist), by name. */
  readonly byName: ReadonlyMap<string, CompiledProperty>;
}

const locals = new WeakMap<DtoClass, CompiledPlan | null>();
const roots = new WeakMap<DtoClass, CompiledPlan | null>();

/**
 * The compiled plan of `dto`, or `undefined` when `dto` or a DTO nested in it uses anything
 * the compiled path does not reproduce: a constraint not in the built-in list or marked
 * async, `@ValidateIf`, `@ValidatePromise`, a per-constraint condition, two
 * `@ValidateNested` on one property, a `@Type` that is not a fixed class of an array or
 * single DTO, a discriminator, `@Transform`, `@Expose`, `@Exclude`, a property name the
 * prototype defines (class-transformer skips those), or `@Type` on a plain property.
 * Throws as `planFor` does for a class that cannot be validated safely.
 */
export function compiledPlanFor(dto: DtoClass): CompiledPlan | undefined {
  let plan = roots.get(dto);
  if (plan === undefined) {
    const graph = planGraph(dto).map((each) => localPlan(each.dto));
    plan = graph.every((each) => each !== null) ? localPlan(dto) : null;
    // Every class reached is compiled, so each nested property can point at its plan.
    for (const each of plan === null ? [] : graph) {
      for (const property of (each as CompiledPlan).properties) {
        if (property.nested !== undefined) property.child = localPlan(property.nested) as CompiledPlan;
      }
    }
    roots.set(dto, plan);
  }
  return plan ?? undefined;
}

/** `dto` compiled alone, its nested classes not looked at; `null` when it cannot be. */
function localPlan(dto: DtoClass): CompiledPlan | null {
  let plan = locals.get(dto);
  if (plan === undefined) {
    plan = compile(dto);
    locals.set(dto, plan);
  }
  return plan;
}

function compile(dto: DtoClass): CompiledPlan | null {
  const storage = getMetadataStorage();
  if (!transformerFree(dto)) return null;
  const nestedOf = new Map(planFor(dto).nested.map((property) => [property.name, property]));
  const grouped = storage.groupByPropertyName(storage.getTargetValidationMetadatas(dto, '', false, false));
  const properties: CompiledProperty[] = [];
  for (const [name, group] of Object.entries(grouped)) {
    if (name === '__proto__' || name === 'constructor' || name in dto.prototype) return null;
    const conditions: CompiledProperty['conditions'][number][] = [];
    const defined: CompiledCheck[] = [];
    const checks: CompiledCheck[] = [];
    let nestedCount = 0;
    for (const metadata of group) {
      if (metadata.validateIf !== undefined) return null;
      if (metadata.type === ValidationTypes.WHITELIST) continue;
      if (metadata.type === ValidationTypes.NESTED_VALIDATION) nestedCount++;
      else if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION && metadata.name === 'isOptional') {
        conditions.push(metadata.constraints[0] as CompiledProperty['conditions'][number]);
      } else if (metadata.type === ValidationTypes.IS_DEFINED || metadata.type === ValidationTypes.CUSTOM_VALIDATION) {
        const check = compileCheck(metadata);
        if (check === undefined) return null;
        (metadata.type === ValidationTypes.IS_DEFINED ? defined : checks).push(check);
      } else {
        return null;
      }
    }
    const nested = nestedOf.get(name);
    const typeMetadata = defaultMetadataStorage.findTypeMetadata(dto, name);
    if (nested === undefined) {
      if (nestedCount > 0 || typeMetadata !== undefined) return null;
      properties.push({ name, conditions, checks: [...defined, ...checks], nested: undefined, many: false, child: undefined });
      continue;
    }
    const reflected: unknown = typeMetadata?.reflectedType;
    const fixedType = nested.type !== undefined && typeMetadata?.typeFunction.length === 0 && nested.discriminator === undefined;
    if (nestedCount !== 1 || !fixedType || (nested.many && reflected !== Array && reflected !== undefined)) return null;
    properties.push({ name, conditions, checks: [...defined, ...checks], nested: nested.type, many: nested.many, child: undefined });
  }
  return { dto, targetName: dto.name, properties, byName: new Map(properties.map((property) => [property.name, property])) };
}

function compileCheck(metadata: ValidationMetadata): CompiledCheck | undefined {
  const constraints = getMetadataStorage().getTargetValidatorConstraints(metadata.constraintCls);
  const constraint = constraints[0];
  if (constraints.length !== 1 || constraint === undefined || constraint.async) return undefined;
  const name = constraint.name || metadata.type;
  if (!isBuiltInConstraint(name)) return undefined;
  const instance = constraint.instance;
  const defaultMessage = instance.defaultMessage instanceof Function ? instance.defaultMessage.bind(instance) : undefined;
  return { name, each: metadata.each === true, metadata, validate: instance.validate.bind(instance), defaultMessage, messages: new Map(), last: { template: undefined, text: '' } };
}

/** No class-transformer metadata that would make `plainToInstance` differ from a plain copy. */
function transformerFree(dto: DtoClass): boolean {
  if (defaultMetadataStorage.getStrategy(dto) !== 'none') return false;
  if (defaultMetadataStorage.getExposedMetadatas(dto).length > 0 || defaultMetadataStorage.getExcludedMetadatas(dto).length > 0) return false;
  const names = getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false).map((m) => m.propertyName);
  return names.every((name) => defaultMetadataStorage.findTransformMetadatas(dto, name, TransformationType.PLAIN_TO_CLASS).length === 0);
}
