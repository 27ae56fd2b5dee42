import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Exclude, Type } from 'class-transformer';
import { getMetadataStorage, IsInt, IsString, ValidateNested } from 'class-validator';
import { planFor } from '../../src/validation/dto-plan.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';

class Reply {
  @IsString() name: string;
  @IsInt() count: number;
  @Exclude() passwordHash = 'bcrypt$secret';
  constructor(name: string, count: number) {
    this.name = name;
    this.count = count;
  }
}

class Part {
  @IsString() label!: string;
}

class Whole {
  @ValidateNested({ each: true }) @Type(() => Part) parts!: Part[];
}

describe(StrictBinder.name, () => {
  const binder = new StrictBinder();

  describe('.validateResponse', () => {
    describe('when the result is a valid DTO instance', () => {
      it('should report nothing, and toPlain should still drop @Exclude fields', async () => {
        const reply = new Reply('ada', 1);
        assert.deepEqual(await binder.validateResponse(reply), []);
        assert.deepEqual(binder.toPlain(reply), { name: 'ada', count: 1 });
      });
    });

    describe('when the result breaks its own constraints', () => {
      it('should name each field and constraint, never the value', async () => {
        const fields = await binder.validateResponse(new Reply(7 as unknown as string, 'many' as unknown as number));
        assert.deepEqual(fields.map((f) => f.path), ['name', 'count']);
        assert.doesNotMatch(JSON.stringify(fields), /many/);
      });
    });

    describe('when the result is an array of DTO instances', () => {
      it('should prefix each field with its index', async () => {
        const fields = await binder.validateResponse([new Reply('ok', 1), new Reply('bad', 1.5)]);
        assert.deepEqual(fields.map((f) => f.path), ['1.count']);
      });
    });

    describe('when the result is a plain object, a primitive or undefined', () => {
      it('should report nothing: only DTO instances declare a shape', async () => {
        for (const value of [{ anything: true }, 'text', 3, undefined, null]) assert.deepEqual(await binder.validateResponse(value), []);
      });
    });
  });

  describe('.toInstance', () => {
    describe('when called many times for one DTO class', () => {
      it("should build the class's plan once and reuse it", async () => {
        const storage = getMetadataStorage();
        const spy = mock.method(storage, 'getTargetValidationMetadatas');
        try {
          await binder.toInstance(Whole, { parts: [{ label: 'a' }] });
          const first = spy.mock.callCount();
          await binder.toInstance(Whole, { parts: [{ label: 'b' }] });
          const second = spy.mock.callCount() - first;
          await binder.toInstance(Whole, { parts: [{ label: 'c' }] });
          const third = spy.mock.callCount() - first - second;
          // The first call also plans Whole and Part; later calls only pay class-validator's own per-validate lookups.
          assert.ok(first > second, `first ${first}, second ${second}`);
          assert.equal(second, third);
          assert.equal(planFor(Whole), planFor(Whole));
        } finally {
          spy.mock.restore();
        }
      });
    });
  });
});
