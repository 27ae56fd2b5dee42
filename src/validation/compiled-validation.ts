/**
 * Runs a compiled DTO's constraints (compiled-plan.ts) on an instance the way class-validator's
 * executor does under the strict options, and writes the field errors `toFieldErrors` would
 * make of its result: same order, paths, constraint names and messages (the constraint's own
 * default message and class-validator's token replacement, kept per template when the
 * template does not show the value). No `ValidationError` is built. Answers `false`, leaving
 * the caller to run class-validator, when the instance holds something the compiled path does
 * not reproduce: an own key the class does not declare, a nested value that is not an
 * instance of its declared class, or a constraint that answers with a promise.
 */
import { createRequire } from 'node:module';
import type { ValidationArguments } from 'class-validator';
import type { FieldError } from '../errors/bastion-error.js';
import type { CompiledCheck, CompiledPlan } from './compiled-plan.js';
import { BODY_PATH, constraintText, joinPath, MAX_FIELD_ERRORS } from './field-errors.js';

// Not exported from the package root; the file class-validator's executor uses.
const { ValidationUtils } = createRequire(import.meta.url)('class-validator/cjs/validation/ValidationUtils.js') as {
  ValidationUtils: { replaceMessageSpecialTokens(message: unknown, args: ValidationArguments): string };
};

/** Most templates kept per constraint; built-in messages have one to three. */
const MAX_TEMPLATES = 8;

/** Appends the field errors of `instance` under `path` to `fields` (at most `MAX_FIELD_ERRORS`); `false` when the library must answer instead. */
export function validateCompiled(plan: CompiledPlan, instance: object, path: string, fields: FieldError[]): boolean {
  if ((instance as { constructor?: unknown }).constructor !== plan.dto) return false;
  for (const key of Object.keys(instance)) if (!plan.byName.has(key)) return false;
  const object = instance as Record<string, unknown>;
  for (const property of plan.properties) {
    const value = object[property.name];
    if (property.conditions.length > 0 && !property.conditions.map((condition) => condition(instance, value)).reduce((a, b) => a && b, true)) continue;
    // class-validator keeps one message per constraint name, the last one, in first-seen order;
    // built-in names are never integer-like, so that is array order. (A keyed object made this the dearest line.)
    let names: string[] | undefined;
    let texts: string[] | undefined;
    for (const check of property.checks) {
      const args: ValidationArguments = { targetName: plan.targetName, property: property.name, object: instance, value, constraints: check.metadata.constraints };
      const passed = passes(check, value, args);
      if (passed === undefined) return false;
      if (passed) continue;
      const text = describedMessage(check, args);
      const seen = names === undefined ? -1 : names.indexOf(check.name);
      if (seen >= 0) (texts as string[])[seen] = text;
      else {
        (names ??= []).push(check.name);
        (texts ??= []).push(text);
      }
    }
    const at = joinPath(path, property.name);
    if (texts !== undefined && fields.length < MAX_FIELD_ERRORS) {
      fields.push({ path: at === '' ? BODY_PATH : at, constraints: texts });
    }
    if (property.child === undefined || value === undefined) continue;
    if (!Array.isArray(value)) {
      if (!isInstanceOf(value, property.child) || !validateCompiled(property.child, value, at, fields)) return false;
      continue;
    }
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (!isInstanceOf(item, property.child) || !validateCompiled(property.child, item, joinPath(at, String(index)), fields)) return false;
    }
  }
  return true;
}

/** The constraint's verdict as the executor reads it; `undefined` when it answered with a promise. */
function passes(check: CompiledCheck, value: unknown, args: ValidationArguments): boolean | undefined {
  if (!check.each || !(Array.isArray(value) || value instanceof Set || value instanceof Map)) {
    const verdict = check.validate(value, args);
    return isPromise(verdict) ? undefined : Boolean(verdict);
  }
  const items: unknown[] = value instanceof Map ? Array.from(value.values()) : Array.isArray(value) ? value : Array.from(value as Set<unknown>);
  const verdicts = items.map((item) => check.validate(item, args));
  if (verdicts.some(isPromise)) return undefined;
  return verdicts.every((verdict) => verdict);
}

/** `name: message` as `toFieldErrors` writes it, the message made as class-validator's executor makes it. */
function describedMessage(check: CompiledCheck, args: ValidationArguments): string {
  const declared = check.metadata.message;
  const template: unknown = declared ? declared : check.defaultMessage === undefined ? '' : check.defaultMessage(args);
  if (typeof template !== 'string' || template.includes('$value')) {
    return constraintText(check.name, ValidationUtils.replaceMessageSpecialTokens(template, args));
  }
  // Most refusals of one constraint come from one template: compared first by identity.
  if (template === check.last.template) return check.last.text;
  let text = check.messages.get(template);
  if (text === undefined) {
    text = constraintText(check.name, ValidationUtils.replaceMessageSpecialTokens(template, args));
    if (check.messages.size < MAX_TEMPLATES) check.messages.set(template, text);
  }
  check.last = { template, text };
  return text;
}

function isInstanceOf(value: unknown, plan: CompiledPlan): value is object {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === plan.dto.prototype;
}

function isPromise(value: unknown): boolean {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
