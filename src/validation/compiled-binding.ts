/**
 * Builds, for a compiled DTO (compiled-plan.ts), the instance `plainToInstance` builds under
 * the strict options, without class-transformer: `new Dto()`, then each own key of the body in
 * order, primitives as they are, arrays of primitives copied, nested DTOs built the same way.
 * For a compiled class class-transformer does nothing more (no @Type outside nested DTOs, no
 * @Transform/@Expose/@Exclude, no implicit conversion). Any other shape (an undeclared key,
 * `null` or a non-plain object where a DTO is declared, an object or a sparse array in a
 * plain property, a constructor that defines a function under a sent key) answers
 * `undefined`, and the caller uses `plainToInstance`.
 */
import type { CompiledPlan, CompiledProperty } from './compiled-plan.js';

const UNHANDLED = Symbol('unhandled');

/** The instance `plainToInstance(plan.dto, plain, STRICT_TRANSFORM_OPTIONS)` returns, or `undefined` when this body is not one the compiled path handles. */
export function bindCompiled(plan: CompiledPlan, plain: object): object | undefined {
  const keys = Object.keys(plain);
  for (const key of keys) if (!plan.byName.has(key)) return undefined;
  const instance = new (plan.dto as new () => object)() as Record<string, unknown>;
  if (Object.getPrototypeOf(instance) !== plan.dto.prototype) return undefined;
  for (const key of keys) {
    // class-transformer leaves a key alone when the new instance holds a function there.
    if (instance[key] instanceof Function) return undefined;
    const value = copyValue(plan.byName.get(key) as CompiledProperty, (plain as Record<string, unknown>)[key]);
    if (value === UNHANDLED) return undefined;
    instance[key] = value;
  }
  return instance;
}

function copyValue(property: CompiledProperty, value: unknown): unknown {
  if (typeof value === 'function') return UNHANDLED;
  if (typeof value !== 'object') return value;
  if (value === null) return property.child === undefined ? null : UNHANDLED;
  if (!isPlainArray(value)) return property.child !== undefined && !property.many && isPlainObject(value) ? bindCompiled(property.child, value) ?? UNHANDLED : UNHANDLED;
  if (property.child !== undefined && !property.many) return UNHANDLED;
  const copy: unknown[] = [];
  for (let index = 0; index < value.length; index++) {
    if (!Object.hasOwn(value, index)) return UNHANDLED; // class-transformer's forEach would skip the hole
    const item: unknown = value[index];
    if (property.child === undefined) {
      if (typeof item === 'function' || (typeof item === 'object' && item !== null)) return UNHANDLED;
      copy.push(item);
    } else {
      const bound = isPlainObject(item) ? bindCompiled(property.child, item) : undefined;
      if (bound === undefined) return UNHANDLED;
      copy.push(bound);
    }
  }
  return copy;
}

function isPlainArray(value: object): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
