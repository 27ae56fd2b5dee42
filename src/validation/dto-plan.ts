/**
 * What the strict binder knows about a DTO class, read once from class-validator's and
 * class-transformer's metadata and cached per class: which properties hold nested DTOs,
 * whether each holds one object or an array, and of which class. It refuses classes
 * that cannot be validated safely (B04c) and checks the shape of nested values that
 * class-validator lets through (B04a/b).
 */
import { createRequire } from 'node:module';
import type { MetadataStorage as TransformerMetadata } from 'class-transformer/types/MetadataStorage.js';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { BastionError, type FieldError } from '../errors/bastion-error.js';
import type { DtoClass } from '../metadata/models.js';
import { fieldError, joinPath, MAX_FIELD_ERRORS } from './field-errors.js';

// class-transformer exports its metadata storage only from this CommonJS file; it is the
// same module instance `plainToInstance` uses, because the package's main is its CJS build.
const { defaultMetadataStorage } = createRequire(import.meta.url)('class-transformer/cjs/storage.js') as {
  defaultMetadataStorage: TransformerMetadata;
};

/** A property validated with `@ValidateNested`. */
export interface NestedProperty {
  readonly name: string;
  /** True when the design type is an array (or Set): the value must be an array of objects. */
  readonly many: boolean;
  /** The `@Type` class, or `undefined` when `@Type` picks it dynamically. */
  readonly type: DtoClass | undefined;
  /** Subtypes by discriminator value, when `@Type` declares a discriminator. */
  readonly discriminator?: { readonly property: string; readonly subTypes: ReadonlyMap<string, DtoClass> };
  /** False under `@IsOptional`/`@ValidateIf`: class-validator skips a missing nested value, so Bastion requires it. */
  readonly required: boolean;
}

/** What the binder knows about one DTO class. */
export interface DtoPlan {
  readonly dto: DtoClass;
  readonly nested: readonly NestedProperty[];
  /** Every property with a class-validator decorator; any other own key of a body is refused. */
  readonly properties: ReadonlySet<string>;
}

const plans = new WeakMap<DtoClass, DtoPlan>();

/** The cached plan of `dto`; throws `BST_ERR_DECORATOR_INVALID_TARGET` when it cannot be validated safely. */
export function planFor(dto: DtoClass): DtoPlan {
  let plan = plans.get(dto);
  if (plan === undefined) {
    plan = buildPlan(dto);
    plans.set(dto, plan);
  }
  return plan;
}

/** Every class `dto` reaches through nested properties, itself included, each planned once. */
export function planGraph(dto: DtoClass): DtoPlan[] {
  const seen = new Set<DtoClass>();
  const pending = [dto];
  const result: DtoPlan[] = [];
  while (pending.length > 0) {
    const next = pending.pop() as DtoClass;
    if (seen.has(next)) continue;
    seen.add(next);
    const plan = planFor(next);
    result.push(plan);
    for (const property of plan.nested) {
      if (property.type !== undefined) pending.push(property.type);
      for (const sub of property.discriminator?.subTypes.values() ?? []) pending.push(sub);
    }
  }
  return result;
}

/**
 * Field errors class-validator does not report: an own key the DTO does not declare
 * (class-validator's whitelist looks names up in a plain object, so `hasOwnProperty` or
 * `toString` passed as keys), a missing nested DTO that is not optional, and nested values
 * of the wrong shape: an array where one object is declared, a non-array where an array is
 * declared, or an array element that is not an object (so arrays of arrays fail).
 * Iterative; depth is bounded by the decoded value.
 */
export function checkShape(dto: DtoClass, plain: object): readonly FieldError[] {
  const root = planFor(dto);
  // A flat DTO (the common case) needs only the key check, and allocates nothing when it passes.
  if (root.nested.length === 0) {
    for (const key of Object.keys(plain)) if (!root.properties.has(key)) return unknownKeys(root, plain, '', []).slice(0, MAX_FIELD_ERRORS);
    return NO_FIELD_ERRORS;
  }
  const errors: FieldError[] = [];
  const pending: Array<{ dto: DtoClass; value: object; path: string }> = [{ dto, value: plain, path: '' }];
  while (pending.length > 0 && errors.length < MAX_FIELD_ERRORS) {
    const { dto: cls, value, path } = pending.pop() as { dto: DtoClass; value: object; path: string };
    const plan = planFor(cls);
    unknownKeys(plan, value, path, errors);
    for (const property of plan.nested) {
      const child: unknown = Object.hasOwn(value, property.name) ? (value as Record<string, unknown>)[property.name] : undefined;
      const at = joinPath(path, property.name);
      if (child === undefined || child === null) {
        if (property.required) errors.push(fieldError(at, 'isDefined', `${property.name} is required`));
        continue;
      }
      if (!property.many) {
        if (!isObject(child)) errors.push(fieldError(at, 'isObject', 'an object was expected'));
        else pushNested(pending, property, child, at);
      } else if (!Array.isArray(child)) {
        errors.push(fieldError(at, 'isArray', 'an array was expected'));
      } else {
        child.forEach((item: unknown, index) => {
          const itemPath = joinPath(at, String(index));
          if (!isObject(item)) errors.push(fieldError(itemPath, 'isObject', 'an object was expected'));
          else pushNested(pending, property, item, itemPath);
        });
      }
    }
  }
  return errors.slice(0, MAX_FIELD_ERRORS);
}

const NO_FIELD_ERRORS: readonly FieldError[] = Object.freeze([]);

function unknownKeys(plan: DtoPlan, value: object, path: string, errors: FieldError[]): FieldError[] {
  for (const key of Object.keys(value)) {
    if (!plan.properties.has(key)) errors.push(fieldError(joinPath(path, key), 'whitelistValidation', `property ${key.slice(0, 64)} should not exist`));
  }
  return errors;
}

function pushNested(pending: Array<{ dto: DtoClass; value: object; path: string }>, property: NestedProperty, value: object, path: string): void {
  const tag = property.discriminator === undefined ? undefined : (value as Record<string, unknown>)[property.discriminator.property];
  const type = (typeof tag === 'string' ? property.discriminator?.subTypes.get(tag) : undefined) ?? property.type;
  if (type !== undefined) pending.push({ dto: type, value, path });
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function buildPlan(dto: DtoClass): DtoPlan {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false);
  if (metadata.length === 0) {
    throw invalidTarget(`DTO class ${dto.name} declares no class-validator constraint; every request would be refused (use @Allow() for a property without rules)`);
  }
  const nestedNames = new Set(metadata.filter((m) => m.type === ValidationTypes.NESTED_VALIDATION).map((m) => m.propertyName));
  const optional = new Set(metadata.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION).map((m) => m.propertyName));
  const nested = [...nestedNames].map((name): NestedProperty => {
    const typeMetadata = defaultMetadataStorage.findTypeMetadata(dto, name);
    if (typeMetadata === undefined) {
      throw invalidTarget(`${dto.name}.${name} has @ValidateNested() but no @Type(() => Class); its value would not be validated (B04)`);
    }
    const reflected: unknown = typeMetadata.reflectedType;
    const each = metadata.some((m) => m.propertyName === name && m.type === ValidationTypes.NESTED_VALIDATION && m.each);
    const many = reflected === Array || reflected === Set || (reflected === undefined && each);
    const property: { -readonly [K in keyof NestedProperty]: NestedProperty[K] } = {
      name,
      many,
      type: staticType(typeMetadata.typeFunction, name),
      required: !optional.has(name),
    };
    const discriminator = typeMetadata.options?.discriminator;
    if (discriminator !== undefined) {
      const subTypes = new Map(discriminator.subTypes.map((sub) => [sub.name, sub.value as DtoClass]));
      property.discriminator = { property: discriminator.property, subTypes };
    }
    return property;
  });
  return { dto, nested, properties: new Set(metadata.map((m) => m.propertyName)) };
}

function staticType(typeFunction: (options?: never) => unknown, property: string): DtoClass | undefined {
  try {
    const type = typeFunction({ newObject: {}, object: {}, property } as never);
    return typeof type === 'function' ? (type as DtoClass) : undefined;
  } catch {
    // A @Type that inspects the value it is given picks its class per call; nothing to plan.
    return undefined;
  }
}

function invalidTarget(detail: string): BastionError {
  return new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', detail);
}
