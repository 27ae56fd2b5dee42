/**
 * class-validator's own executor, run so that a DTO whose constraints all answer at once
 * costs no promise. `validate()` always waits on `Promise.all` of the pending checks, even
 * when there are none; `validateSync()` skips async constraints and silently drops a
 * promise returned by a constraint not marked async, which would let such a field pass.
 * Here the executor runs once and the caller waits only when a constraint actually
 * returned a promise, so the result is exactly `validate()`'s.
 */
import { createRequire } from 'node:module';
import { Validator, type ValidationError, type ValidatorOptions } from 'class-validator';
import type { ValidationExecutor as Executor } from 'class-validator/types/validation/ValidationExecutor.js';

// The executor is not exported from the package root; this is the file `validate()` uses,
// since the package's main is its CommonJS build (the same storage and constraint instances).
const { ValidationExecutor } = createRequire(import.meta.url)('class-validator/cjs/validation/ValidationExecutor.js') as {
  ValidationExecutor: new (validator: Validator, options?: ValidatorOptions) => Executor;
};

const VALIDATOR = new Validator();

/** The errors `validate(object, options)` would report: an array when every check answered at once, else a promise of it. */
export function validateNow(object: object, options: ValidatorOptions): ValidationError[] | Promise<ValidationError[]> {
  const executor = new ValidationExecutor(VALIDATOR, options);
  const errors: ValidationError[] = [];
  executor.execute(object, undefined as unknown as string, errors);
  if (executor.awaitingPromises.length === 0) return executor.stripEmptyErrors(errors);
  return Promise.all(executor.awaitingPromises).then(() => executor.stripEmptyErrors(errors));
}
