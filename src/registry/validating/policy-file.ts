/**
 * A registry policy read from a JSON file, checked with class-validator before anything is
 * built from it, so a typo in the file stops the boot with a message naming the field
 * instead of silently switching a protection off.
 */
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { plainToInstance, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsPositive, IsString, Max, MaxLength, Min, ValidateNested, validateSync, type ValidationError } from 'class-validator';
import { cidrBlockList, identityBindingCheck, requiredMetadataCheck, signedRegistrationCheck, sourceAddressCheck, MAX_CLOCK_SKEW_MS, type RequiredMetadata } from './checks.js';
import { resolveRegistryPolicy, type RegistrationCheck, type RegistryPolicy } from './policy.js';
import type { ReplayCache } from './replay-cache.js';

/** One trusted key: its PEM public key and the service names (exact or `prefix-*`) it may sign for. */
export class RegistrationKeyFile {
  @IsString()
  @MaxLength(4096)
  publicKey!: string;

  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  services!: string[];
}

class SignedRegistrationFile {
  /** Trusted keys by key id, each bound to the services it may sign for. */
  @IsObject()
  keys!: Record<string, RegistrationKeyFile>;

  @IsOptional()
  @IsInt()
  @IsPositive()
  maxLifetimeMs?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CLOCK_SKEW_MS)
  clockSkewMs?: number;
}

/** The JSON shape of a registry policy file; every field but `allowServices` is optional. */
export class RegistryPolicyFile {
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  allowServices!: string[];

  @IsOptional() @IsInt() @IsPositive() maxMetadataKeys?: number;
  @IsOptional() @IsInt() @IsPositive() maxMetadataKeyLength?: number;
  @IsOptional() @IsInt() @IsPositive() maxMetadataValueLength?: number;
  @IsOptional() @IsInt() @IsPositive() maxMetadataBytes?: number;
  @IsOptional() @IsInt() @IsPositive() maxNodesPerRecord?: number;
  @IsOptional() @IsInt() @IsPositive() maxEndpointsPerRecord?: number;
  @IsOptional() @IsInt() @IsPositive() maxTtlMs?: number;

  /** CIDR blocks registrants and node addresses must be in; absent switches the check off. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  sourceAddresses?: string[];

  @IsOptional()
  @IsBoolean()
  identityBinding?: boolean;

  /** Required record metadata keys and their allowed values (`[]`: any value). */
  @IsOptional()
  @IsObject()
  requiredMetadata?: Record<string, string[]>;

  @IsOptional()
  @ValidateNested()
  @Type(() => SignedRegistrationFile)
  signedRegistration?: SignedRegistrationFile;
}

function describe(errors: readonly ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent === '' ? error.property : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...describe(error.children ?? [], path)];
  });
}

const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } } as const;

// class-validator walks arrays and Maps, not the values of a plain object: each key is checked on its own.
function keyProblems(keys: Record<string, unknown>): string[] {
  return Object.entries(keys).flatMap(([kid, entry]) => {
    const where = `signedRegistration.keys.${kid.slice(0, 40)}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return [`${where} must be { publicKey, services: [...] } (a key is bound to the services it may sign for)`];
    return describe(validateSync(plainToInstance(RegistrationKeyFile, entry), VALIDATION), where);
  });
}

function stringMap(value: object, where: string, each: (v: unknown) => boolean, expected: string): void {
  for (const [key, v] of Object.entries(value)) if (!each(v)) throw new RangeError(`${where}.${key} must be ${expected}`);
}

/**
 * Checks a parsed policy file and builds the policy it describes; throws a RangeError
 * listing every problem, one per line.
 */
export function registryPolicyFromJSON(json: unknown, replayCache?: ReplayCache): RegistryPolicy {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RangeError('registry policy file must hold a JSON object');
  const file = plainToInstance(RegistryPolicyFile, json, { enableImplicitConversion: false });
  const problems = describe(validateSync(file, VALIDATION));
  if (problems.length === 0 && file.signedRegistration !== undefined) problems.push(...keyProblems(file.signedRegistration.keys));
  if (problems.length > 0) throw new RangeError(`registry policy file is invalid:\n  - ${problems.join('\n  - ')}`);
  const { requiredMetadata, signedRegistration, sourceAddresses, identityBinding, ...limits } = file;
  const checks: RegistrationCheck[] = [];
  if (signedRegistration !== undefined) {
    checks.push(signedRegistrationCheck({ ...signedRegistration, ...(replayCache === undefined ? {} : { replayCache }) }));
  }
  if (identityBinding === true) checks.push(identityBindingCheck());
  if (sourceAddresses !== undefined) {
    cidrBlockList(sourceAddresses);
    checks.push(sourceAddressCheck(sourceAddresses));
  }
  if (requiredMetadata !== undefined) {
    stringMap(requiredMetadata, 'requiredMetadata', (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'an array of allowed values');
    checks.push(requiredMetadataCheck(requiredMetadata as RequiredMetadata));
  }
  // Declared but absent fields exist as `undefined` on the instance; they must not hide the defaults.
  const given = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
  return resolveRegistryPolicy({ ...given, checks });
}

/** Reads a JSON policy file (docs/registry.md) and builds the policy; the replay cache is usually the shared store. */
export async function loadRegistryPolicyFile(path: string, replayCache?: ReplayCache): Promise<RegistryPolicy> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new RangeError(`registry policy file ${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  return registryPolicyFromJSON(json, replayCache);
}
