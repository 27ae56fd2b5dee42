// Attacks on the compiled validation path: bodies built to slip an invalid value past the
// direct constraint calls or the class-transformer-free binding. Each must be refused, and
// with exactly the answer the library path (class-transformer + class-validator) gives.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { DtoClass } from '../../src/metadata/models.js';
import type { CompiledPlan } from '../../src/validation/compiled-plan.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';

class Part {
  @IsString() @MaxLength(16) sku!: string;
}

class Target {
  @IsString() @MaxLength(70_000) name!: string;
  @IsInt() @Min(0) @Max(100) count!: number;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) ratio?: number;
  @IsOptional() @IsArray() @ArrayMaxSize(4) @IsString({ each: true }) tags?: string[];
  @IsOptional() @ValidateNested() @Type(() => Part) part?: Part;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Part) parts?: Part[];
}

/** The same binder with the compiled path switched off: the library path's answer. */
class LibraryOnlyBinder extends StrictBinder {
  protected override compiledPlan(): CompiledPlan | undefined {
    return undefined;
  }
}

const compiled = new StrictBinder();
const library = new LibraryOnlyBinder();

type Outcome = { refused: true; wire: unknown } | { refused: false; instance: unknown };

async function outcome(binder: StrictBinder, dto: DtoClass, plain: () => unknown): Promise<Outcome> {
  try {
    return { refused: false, instance: await binder.toInstance(dto, plain()) };
  } catch (error) {
    assert.ok(BastionError.is(error), `expected a BastionError, got ${String(error)}`);
    return { refused: true, wire: error.toWire() };
  }
}

/** Asserts both paths refuse `plain` with the same 400 and returns that answer. */
async function refusedAlike(plain: () => unknown, dto: DtoClass = Target): Promise<{ fields?: readonly { path: string; constraints: readonly string[] }[] }> {
  const ours = await outcome(compiled, dto, plain);
  const theirs = await outcome(library, dto, plain);
  assert.equal(ours.refused, true, 'the compiled path let the body through');
  assert.deepStrictEqual(ours, theirs);
  return (ours as { wire: { fields?: { path: string; constraints: string[] }[] } }).wire;
}

const valid = () => ({ name: 'ok', count: 1 });

describe('compiled validation path (attacks)', () => {
  it('serves a valid body exactly as the library path does', async () => {
    assert.deepStrictEqual(await outcome(compiled, Target, valid), await outcome(library, Target, valid));
  });

  describe('non-finite numbers', () => {
    for (const [label, value] of [['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY], ['-Infinity', Number.NEGATIVE_INFINITY], ['1e309', 1e309]] as const) {
      it(`refuses count ${label} (isInt, min, max) and ratio ${label} (isNumber)`, async () => {
        const wire = await refusedAlike(() => ({ ...valid(), count: value, ratio: value }));
        assert.deepEqual(wire.fields?.map((f) => f.path), ['count', 'ratio']);
      });
    }
  });

  it('refuses a string of 2^20 characters without echoing it', async () => {
    const wire = await refusedAlike(() => ({ ...valid(), name: 'x'.repeat(2 ** 20) }));
    assert.deepEqual(wire.fields, [{ path: 'name', constraints: ['maxLength: name must be shorter than or equal to 70000 characters'] }]);
  });

  it('refuses an array-like object where an array of strings is declared', async () => {
    const wire = await refusedAlike(() => ({ ...valid(), tags: { length: 2, 0: 'a', 1: 'b' } }));
    assert.ok(wire.fields?.some((f) => f.path === 'tags'));
  });

  it('refuses a sparse array whose hole would be skipped', async () => {
    // eslint-disable-next-line no-sparse-arrays
    await refusedAlike(() => ({ ...valid(), tags: ['a', , 7] }));
  });

  it('never hands over the hidden element of an array subclass whose forEach skips it', async () => {
    class Quiet<T> extends Array<T> {
      override forEach(): void {}
    }
    const body = () => ({ ...valid(), tags: Quiet.from(['a', 7]) });
    const ours = await outcome(compiled, Target, body);
    assert.deepStrictEqual(ours, await outcome(library, Target, body));
    // class-transformer copies through forEach, so the instance holds an empty plain array.
    assert.deepStrictEqual(ours.refused ? undefined : (ours.instance as Target).tags, []);
  });

  it('refuses a getter that answers a good value to the first read and a bad one after', async () => {
    const wire = await refusedAlike(() => {
      let reads = 0;
      return Object.defineProperty({ count: 1 }, 'name', { enumerable: true, get: () => (reads++ === 0 ? 7 : 'ok') });
    });
    assert.deepEqual(wire.fields?.map((f) => f.path), ['name']);
  });

  it('accepts a getter body only with the value read once, as class-transformer does', async () => {
    const body = () => {
      let reads = 0;
      return Object.defineProperty({ count: 1 }, 'name', { enumerable: true, get: () => (reads++ === 0 ? 'ok' : 7) });
    };
    const ours = await outcome(compiled, Target, body);
    assert.deepStrictEqual(ours, await outcome(library, Target, body));
    assert.equal((ours as { instance: Target }).instance.name, 'ok');
  });

  it('refuses a body whose prototype carries the values', async () => {
    await refusedAlike(() => Object.create({ name: 'ok', count: 1 }) as object);
  });

  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`refuses an own '${key}' key (JSON.parse) with a bad value beside it`, async () => {
      const wire = await refusedAlike(() => JSON.parse(`{"${key}": {"count": 5}, "name": 7, "count": 1}`) as unknown);
      assert.ok(wire.fields?.some((f) => f.path === 'name'));
    });
  }

  it('refuses a nested object whose prototype is not plain', async () => {
    await refusedAlike(() => ({ ...valid(), part: Object.create({ sku: 'a' }) as object }));
  });

  it('refuses an array where one nested DTO is declared, and an array of arrays', async () => {
    await refusedAlike(() => ({ ...valid(), part: [{ sku: 'a' }] }));
    await refusedAlike(() => ({ ...valid(), parts: [[{ sku: 7 }]] }));
  });

  it('refuses a nested DTO with an extra key and a bad value deep in an array', async () => {
    const wire = await refusedAlike(() => ({ ...valid(), parts: [{ sku: 'a' }, { sku: 'b', admin: true }, { sku: 'x'.repeat(17) }] }));
    assert.deepEqual(wire.fields?.map((f) => f.path), ['parts.1.admin', 'parts.2.sku']);
  });

  it('answers null where an optional nested DTO is declared as the library does (skipped)', async () => {
    const body = () => ({ ...valid(), part: null, parts: null });
    const ours = await outcome(compiled, Target, body);
    assert.deepStrictEqual(ours, await outcome(library, Target, body));
    assert.equal(ours.refused ? 'refused' : (ours.instance as Target).part, null);
  });

  it('refuses null inside an array of nested DTOs', async () => {
    const wire = await refusedAlike(() => ({ ...valid(), parts: [{ sku: 'a' }, null] }));
    assert.ok(wire.fields?.some((f) => f.path === 'parts.1'));
  });
});
