import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainToInstance } from 'class-transformer';
import fc from 'fast-check';
import { BastionError, type FieldError } from '../../src/errors/bastion-error.js';
import { Refused } from '../../src/errors/refused.js';
import type { DtoClass } from '../../src/metadata/models.js';
import { bindCompiled } from '../../src/validation/compiled-binding.js';
import { compiledPlanFor, type CompiledPlan } from '../../src/validation/compiled-plan.js';
import { validateCompiled } from '../../src/validation/compiled-validation.js';
import { toFieldErrors } from '../../src/validation/field-errors.js';
import { validateNow } from '../../src/validation/run-validation.js';
import { STRICT_TRANSFORM_OPTIONS, STRICT_VALIDATOR_OPTIONS, StrictBinder } from '../../src/validation/strict-binder.js';
import { rejectsBastion } from '../codec/support.js';
import { COMPILED, Mixed, NOT_COMPILED, SpoofedAsync, SpoofedName, Tree, WithNested } from './compiled-dtos.js';

/** What the library path makes of `plain`: class-transformer's instance and class-validator's field list. */
async function library(dto: DtoClass, plain: object): Promise<{ instance: object; fields: FieldError[] }> {
  const instance = plainToInstance(dto as new () => object, plain, STRICT_TRANSFORM_OPTIONS);
  const pending = validateNow(instance, STRICT_VALIDATOR_OPTIONS);
  return { instance, fields: toFieldErrors(Array.isArray(pending) ? pending : await pending) };
}

/** What the compiled path makes of `plain`, or `undefined` when it hands the body to the library. */
function compiled(dto: DtoClass, plain: object): { instance: object; fields: FieldError[] } | undefined {
  const plan = compiledPlanFor(dto);
  assert.ok(plan !== undefined, `${dto.name} should compile`);
  const instance = bindCompiled(plan, plain);
  if (instance === undefined) return undefined;
  const fields: FieldError[] = [];
  return validateCompiled(plan, instance, '', fields) ? { instance, fields } : undefined;
}

/** The binder with the compiled path switched off: the library path. */
class LibraryOnlyBinder extends StrictBinder {
  protected override compiledPlan(): CompiledPlan | undefined {
    return undefined;
  }
}

async function outcome(binder: StrictBinder, dto: DtoClass, plain: object): Promise<unknown> {
  try {
    return { instance: await binder.toInstance(dto, plain) };
  } catch (error) {
    assert.ok(BastionError.is(error), `expected a BastionError, got ${String(error)}`);
    return { wire: error.toWire() };
  }
}

const KEYS = ['name', 'count', 'score', 'flag', 'kind', 'colour', 'tags', 'code', 'note', 'lucky', 'level', 'title', 'inner', 'items', 'extra', 'label', 'children'];
const primitive = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('', 'a', 'b', 'red', 'blue', 'abc', 'ABC', 'toolongvalue', 'x'.repeat(70)),
  fc.integer({ min: -10, max: 10 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 7, 3, 1.5),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
// Bodies over a pool of keys, mostly the ones the DTO graph declares (some missing, some
// extra), with primitives, arrays, objects and arrays of objects, nested a few levels deep.
function bodyOver(declared: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.oneof({ arbitrary: fc.constantFrom(...declared), weight: 12 }, { arbitrary: fc.constantFrom(...KEYS), weight: 1 });
  return fc.letrec<{ value: unknown; object: Record<string, unknown> }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, primitive, fc.array(primitive, { maxLength: 4 }), tie('object'), fc.array(tie('object'), { maxLength: 3 })),
    object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  })).object;
}
const body = bodyOver(KEYS);
const DECLARED: Record<keyof typeof COMPILED, readonly string[]> = {
  Flat: ['name', 'count'],
  Mixed: ['name', 'score', 'flag', 'kind', 'colour', 'tags', 'code', 'note', 'lucky', 'level'],
  WithNested: ['title', 'inner', 'items', 'name', 'count'],
  Derived: ['name', 'count', 'extra'],
  Tree: ['label', 'children'],
  Inner: ['name', 'count'],
};

describe('compiled validation path', () => {
  describe('when a DTO uses only what the compiled path reproduces', () => {
    for (const [name, dto] of Object.entries(COMPILED)) {
      it(`should give ${name} exactly the library's instance and field errors`, async () => {
        let handled = 0;
        await fc.assert(
          fc.asyncProperty(bodyOver(DECLARED[name as keyof typeof COMPILED]), async (plain) => {
            const ours = compiled(dto, plain);
            if (ours === undefined) return;
            handled++;
            const theirs = await library(dto, plain);
            assert.deepStrictEqual(ours.instance, theirs.instance);
            assert.deepStrictEqual(ours.fields, theirs.fields);
          }),
          { numRuns: 400 },
        );
        // The comparison must not be vacuous: most random bodies stay on the compiled path.
        assert.ok(handled > 60, `only ${handled} of 400 bodies took the compiled path`);
        if (process.env.SHOW_HANDLED !== undefined) console.log(`${name}: ${handled} of 400 compiled`);
      });
    }

    it('should give a valid body exactly the library instance and no field error', async () => {
      const valid = fc.record({
        title: fc.string(),
        inner: fc.record({ name: fc.string({ minLength: 1, maxLength: 5 }), count: fc.nat() }, { requiredKeys: ['name'] }),
        items: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 5 }) }), { maxLength: 2 }),
      });
      await fc.assert(
        fc.asyncProperty(valid, async (plain) => {
          const ours = compiled(WithNested, plain);
          assert.ok(ours !== undefined);
          assert.deepStrictEqual(ours, await library(WithNested, plain));
          assert.deepEqual(ours.fields, []);
        }),
        { numRuns: 200 },
      );
    });

    it('should name the fields and messages class-validator names, custom messages and $value included', async () => {
      const plain = { name: 'q', score: -1, tags: ['a', 3, 'b', 'c'], code: 'X', lucky: 8, level: 1.5 };
      const ours = compiled(Mixed, plain);
      assert.ok(ours !== undefined);
      assert.deepEqual(ours.fields, (await library(Mixed, plain)).fields);
      assert.deepEqual(ours.fields.find((f) => f.path === 'name')?.constraints, ['minLength: name too short: "q" (min 2)']);
      // Decorators apply bottom-up, so class-validator checks (and lists) @ArrayMaxSize first.
      assert.deepEqual(ours.fields.find((f) => f.path === 'tags')?.constraints, [
        'arrayMaxSize: tags must contain no more than 3 elements',
        'isString: each value in tags must be a string',
      ]);
    });

    it('should keep the message of each value in its own refusal (no stale template)', async () => {
      for (const name of ['q', 'r', 'q']) {
        const ours = compiled(Mixed, { name });
        assert.deepEqual(ours?.fields, [{ path: 'name', constraints: [`minLength: name too short: "${name}" (min 2)`] }]);
      }
    });
  });

  describe('through the binder', () => {
    it('should leave each refusal its own field list, whatever calls come after it', () => {
      const binder = new StrictBinder();
      const fieldsOf = (plain: object): unknown => {
        const bound = binder.bindOrRefuse(Mixed, plain);
        assert.ok(bound instanceof Refused, 'expected a refusal');
        assert.ok(BastionError.is(bound.error));
        return bound.error.fields;
      };
      const first = fieldsOf({ name: 'q' });
      const snapshot = structuredClone(first);
      assert.ok(!(binder.bindOrRefuse(Mixed, { name: 'valid' }) instanceof Refused));
      const second = fieldsOf({ name: 'r', score: -1 });
      assert.ok(!(binder.bindOrRefuse(Mixed, { name: 'again' }) instanceof Refused));
      assert.deepEqual(first, snapshot);
      assert.notEqual(first, second);
      assert.equal((second as unknown[]).length, 2);
    });
  });

  describe('the options the compiled path reproduces', () => {
    it('should be the binder\u2019s strict options (a change here needs compiled-binding.ts and compiled-validation.ts changed too)', () => {
      assert.deepEqual({ ...STRICT_TRANSFORM_OPTIONS }, { enableImplicitConversion: false, exposeDefaultValues: false, excludeExtraneousValues: false });
      assert.deepEqual(
        { ...STRICT_VALIDATOR_OPTIONS, validationError: { ...STRICT_VALIDATOR_OPTIONS.validationError } },
        { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } },
      );
    });
  });

  describe('when a DTO uses something the compiled path does not reproduce', () => {
    for (const [name, dto] of Object.entries(NOT_COMPILED)) {
      it(`should leave ${name} to the libraries`, () => {
        assert.equal(compiledPlanFor(dto), undefined);
      });
    }
  });

  describe('when a custom decorator borrows a built-in name', () => {
    const binder = new StrictBinder();

    it('should still run its own rule and message', async () => {
      const error = await rejectsBastion(binder.toInstance(SpoofedName, { name: 'admin' }), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.deepEqual(error.fields, [{ path: 'name', constraints: ['isString: name is taken'] }]);
      assert.equal((await binder.toInstance(SpoofedName, { name: 'ada' })).name, 'ada');
    });

    it('should hand a promise it returns to the library path, which awaits it', async () => {
      const error = await rejectsBastion(binder.toInstance(SpoofedAsync, { count: 1.5 }), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.deepEqual(error.fields, [{ path: 'count', constraints: ['isInt: count must be an integer, later'] }]);
      assert.equal((await binder.toInstance(SpoofedAsync, { count: 2 })).count, 2);
    });
  });

  describe('StrictBinder.toInstance', () => {
    const binder = new StrictBinder();
    const library = new LibraryOnlyBinder();

    for (const [name, dto] of Object.entries(COMPILED)) {
      it(`should answer ${name} bodies exactly as the binder without the compiled path (instance or 400, structure errors merged)`, async () => {
        await fc.assert(
          fc.asyncProperty(bodyOver(DECLARED[name as keyof typeof COMPILED]), async (plain) => {
            assert.deepStrictEqual(await outcome(binder, dto, plain), await outcome(library, dto, plain));
          }),
          { numRuns: 300 },
        );
      });
    }

    it('should cap a refusal at the same 100 fields', async () => {
      const plain = { label: 'root', children: Array.from({ length: 150 }, (_, index) => ({ label: index })) };
      const ours = await outcome(binder, Tree, plain);
      assert.deepStrictEqual(ours, await outcome(library, Tree, plain));
      assert.equal((ours as { wire: { fields: unknown[] } }).wire.fields.length, 100);
    });
  });
});
