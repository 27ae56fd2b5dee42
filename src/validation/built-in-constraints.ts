/**
 * The class-validator constraints the compiled path runs (compiled-plan.ts): built-in,
 * synchronous, and reading only the value and the decorator's own constraints, never the
 * object being validated. The compiled path still calls the constraint instance class-validator
 * registered, so a custom decorator registered under one of these names runs its own code, as
 * in the library path; a promise from it sends the call back to the library path.
 */
const BUILT_IN = new Set([
  'isDefined',
  'equals', 'notEquals', 'isEmpty', 'isNotEmpty', 'isIn', 'isNotIn',
  'isBoolean', 'isDate', 'isString', 'isNumber', 'isInt', 'isArray', 'isEnum', 'isObject', 'isNotEmptyObject',
  'isDivisibleBy', 'isPositive', 'isNegative', 'min', 'max',
  'contains', 'notContains', 'isAlpha', 'isAlphanumeric', 'isAscii', 'isBase64', 'isEmail', 'isFqdn', 'isUrl',
  'isUuid', 'isHexadecimal', 'isLowercase', 'isUppercase', 'isLength', 'maxLength', 'minLength', 'matches',
  'isIp', 'isPort', 'isJson', 'isIso8601', 'isDateString', 'isNumberString', 'isBooleanString', 'isSemVer',
  'arrayContains', 'arrayNotContains', 'arrayNotEmpty', 'arrayMinSize', 'arrayMaxSize', 'arrayUnique',
]);

/** True for a constraint name the compiled path may run. */
export function isBuiltInConstraint(name: string): boolean {
  return BUILT_IN.has(name);
}
