// DTO classes for the compiled-path tests: shapes the compiled path handles, and shapes it must
// leave to the libraries. Not a test file itself.
import 'reflect-metadata';
import { Exclude, Transform, Type } from 'class-transformer';
import {
  Allow, ArrayMaxSize, Equals, IsArray, IsBoolean, IsDefined, IsEnum, IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsPositive,
  IsString, Length, Matches, Max, MaxLength, Min, MinLength, registerDecorator, Validate, ValidateIf, ValidateNested,
  ValidatorConstraint, type ValidatorConstraintInterface,
} from 'class-validator';

export enum Colour {
  Red = 'red',
  Blue = 'blue',
}

export class Inner {
  @IsString() @Length(1, 5) name!: string;
  @IsOptional() @IsInt() @Min(0) count?: number;
}

export class Flat {
  @IsString() @MaxLength(8) name!: string;
  @IsInt() @Min(-5) @Max(5) count!: number;
}

export class Mixed {
  @IsDefined() @IsString() @MinLength(2, { message: '$property too short: "$value" (min $constraint1)' }) name!: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() score?: number;
  @IsOptional() @IsBoolean() flag?: boolean;
  @IsOptional() @IsIn(['a', 'b', 3]) kind?: string | number;
  @IsOptional() @IsEnum(Colour) colour?: Colour;
  @IsOptional() @IsString({ each: true }) @ArrayMaxSize(3) @IsArray() tags?: string[];
  @IsOptional() @Matches(/^[a-z]+$/, { message: (args) => `${args.property} must be lowercase letters` }) code?: string;
  @Allow() note?: unknown;
  @IsOptional() @Equals(7) @IsNotEmpty() lucky?: number;
  @IsOptional() @IsInt() level = 1;
}

export class WithNested {
  @IsString() title!: string;
  @ValidateNested() @Type(() => Inner) inner!: Inner;
  @IsOptional() @IsArray() @ArrayMaxSize(2) @ValidateNested({ each: true }) @Type(() => Inner) items?: Inner[];
}

export class Derived extends Flat {
  @IsOptional() @IsString() extra?: string;
}

export class Tree {
  @IsString() label!: string;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Tree) children?: Tree[];
}

/** Every class the compiled path must handle. */
export const COMPILED = { Flat, Mixed, WithNested, Derived, Tree, Inner } as const;

@ValidatorConstraint({ name: 'even' })
class EvenConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'number' && value % 2 === 0;
  }
}

export class WithCustom {
  @Validate(EvenConstraint) count!: number;
}

export class WithValidateIf {
  @IsString() kind!: string;
  @ValidateIf((o: WithValidateIf) => o.kind === 'n') @IsInt() count?: number;
}

export class WithExclude {
  @IsString() name!: string;
  @Exclude() @Allow() secret?: string;
}

export class WithTransform {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)) @IsString() @MinLength(2) name!: string;
}

export class WithDynamicType {
  @ValidateNested() @Type((options) => (options?.object as { wide?: boolean } | undefined)?.wide === true ? Flat : Inner) inner!: Inner;
}

/** A custom decorator registered under a built-in's name, with a stricter rule. */
function IsStringButNotAdmin(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isString',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: { validate: (value: unknown) => typeof value === 'string' && value !== 'admin', defaultMessage: () => '$property is taken' },
    });
}

export class SpoofedName {
  @IsStringButNotAdmin() name!: string;
}

/** A custom async decorator registered under a built-in's name (not marked async). */
function IsIntLater(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isInt',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: { validate: async (value: unknown) => Number.isInteger(value), defaultMessage: () => '$property must be an integer, later' },
    });
}

export class SpoofedAsync {
  @IsIntLater() count!: number;
}

/** Classes the compiled path must leave to the libraries, whole. */
export const NOT_COMPILED = { WithCustom, WithValidateIf, WithExclude, WithTransform, WithDynamicType } as const;
