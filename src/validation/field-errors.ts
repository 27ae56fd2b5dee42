/**
 * Turns class-validator's nested `ValidationError` tree into the flat `FieldError` list a
 * `400` carries: dotted paths (`score.math`, `items.0.name`) and `name: message` per
 * broken constraint. The offending value is never copied; peer-chosen key names are
 * truncated and the list is capped, so an error cannot echo a large body back.
 */
import type { ValidationError } from 'class-validator';
import type { FieldError } from '../errors/bastion-error.js';

/** The path of an error about the whole body rather than one property. */
export const BODY_PATH = '(body)';
/** Most field errors one `400` lists. */
export const MAX_FIELD_ERRORS = 100;
const MAX_SEGMENT_LENGTH = 64;
const MAX_CONSTRAINT_LENGTH = 200;

/** One field error with a single constraint, `name: message`. */
export function fieldError(path: string, name: string, message: string): FieldError {
  return { path: path === '' ? BODY_PATH : path, constraints: [constraintText(name, message)] };
}

/** Appends `segment` to a dotted path, truncating a segment too long to echo. */
export function joinPath(parent: string, segment: string | undefined): string {
  if (segment === undefined || segment === '') return parent;
  const safe = segment.length > MAX_SEGMENT_LENGTH ? `${segment.slice(0, MAX_SEGMENT_LENGTH)}…` : segment;
  return parent === '' ? safe : `${parent}.${safe}`;
}

/** Flattens class-validator errors, depth first in declaration order, into at most `MAX_FIELD_ERRORS` entries. */
export function toFieldErrors(errors: readonly ValidationError[]): FieldError[] {
  const fields: FieldError[] = [];
  const pending = errors.map((error) => ({ error, parent: '' })).reverse();
  while (pending.length > 0 && fields.length < MAX_FIELD_ERRORS) {
    const { error, parent } = pending.pop() as { error: ValidationError; parent: string };
    const path = joinPath(parent, error.property);
    if (error.constraints !== undefined) {
      const constraints = Object.entries(error.constraints).map(([name, message]) => constraintText(name, message));
      fields.push({ path: path === '' ? BODY_PATH : path, constraints });
    }
    const children = error.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) pending.push({ error: children[i] as ValidationError, parent: path });
  }
  return fields;
}

/** Joins lists of field errors, one entry per path with each constraint once, capped. */
export function mergeFieldErrors(...lists: readonly (readonly FieldError[])[]): FieldError[] {
  // Arrays, not Sets: a field has a handful of constraints, and this runs on every refusal.
  const byPath = new Map<string, string[]>();
  for (const list of lists) {
    for (const field of list) {
      let constraints = byPath.get(field.path);
      if (constraints === undefined) {
        if (byPath.size >= MAX_FIELD_ERRORS) continue;
        byPath.set(field.path, (constraints = []));
      }
      for (const constraint of field.constraints) if (!constraints.includes(constraint)) constraints.push(constraint);
    }
  }
  return Array.from(byPath, ([path, constraints]) => ({ path, constraints }));
}

/** `name: message`, truncated to a length safe to echo. */
export function constraintText(name: string, message: string): string {
  const text = `${name}: ${message}`;
  return text.length > MAX_CONSTRAINT_LENGTH ? `${text.slice(0, MAX_CONSTRAINT_LENGTH)}…` : text;
}
