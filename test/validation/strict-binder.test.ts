import 'reflect-metadata';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Exclude, Type } from 'class-transformer';
import { Allow, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { StrictBinder } from '../../src/validation/strict-binder.js';
import { fieldPaths, rejectsBastion, throwsBastion } from '../codec/support.js';

class Address {
  @IsString() city!: string;
}

class Item {
  @IsString() name!: string;
}

class Order {
  @IsInt() @Min(1) @Max(10) quantity!: number;
  @IsOptional() @ValidateNested() @Type(() => Address) address?: Address;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Item) items?: Item[];
}

class Account {
  @IsString() user!: string;
  @Exclude() @Allow() password!: string;
}

class TreeNode {
  @IsString() label!: string;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => TreeNode) children?: TreeNode[];
}

class NoRules {
  name?: string;
}

class UntypedNested {
  @ValidateNested() address!: Address;
}

class NoRulesInside {
  @ValidateNested() @Type(() => NoRules) inner!: NoRules;
}

class PriorityOrder extends Order {
  @IsInt() priority!: number;
}

class DeepMissingType {
  @ValidateNested() @Type(() => UntypedNested) wrapper!: UntypedNested;
}

describe(StrictBinder.name, () => {
  let binder: StrictBinder;

  beforeEach(() => {
    binder = new StrictBinder();
  });

  describe('.name', () => {
    it('should be class-validator', () => {
      assert.equal(binder.name, 'class-validator');
    });
  });

  describe('.prepare', () => {
    describe('when the DTO and its nested DTOs are well declared', () => {
      it('should accept them, cyclic ones included', () => {
        assert.doesNotThrow(() => binder.prepare(Order));
        assert.doesNotThrow(() => binder.prepare(TreeNode));
      });
    });

    describe('when the DTO declares no constraint at all', () => {
      it('should refuse it, naming the class', () => {
        const error = throwsBastion(() => binder.prepare(NoRules), 'BST_ERR_DECORATOR_INVALID_TARGET', 500);
        assert.match(error.detail, /NoRules/);
      });
    });

    describe('when a @ValidateNested property has no @Type', () => {
      it('should refuse it, naming the class and property', () => {
        const error = throwsBastion(() => binder.prepare(UntypedNested), 'BST_ERR_DECORATOR_INVALID_TARGET', 500);
        assert.match(error.detail, /UntypedNested\.address/);
      });
    });

    describe('when the fault is in a DTO nested deeper', () => {
      it('should find it too', () => {
        throwsBastion(() => binder.prepare(DeepMissingType), 'BST_ERR_DECORATOR_INVALID_TARGET', 500);
        const error = throwsBastion(() => binder.prepare(NoRulesInside), 'BST_ERR_DECORATOR_INVALID_TARGET', 500);
        assert.match(error.detail, /NoRules/);
      });
    });
  });

  describe('.toInstance', () => {
    describe('when the body is valid', () => {
      it('should return an instance with nested instances', async () => {
        const order = await binder.toInstance(Order, { quantity: 2, address: { city: 'Oslo' }, items: [{ name: 'a' }] });
        assert.ok(order instanceof Order);
        assert.ok(order.address instanceof Address);
        assert.ok(order.items?.[0] instanceof Item);
        assert.equal(order.quantity, 2);
      });
    });

    describe('when bindNow refuses a body', () => {
      it('should return the 400 as a rejected promise, never throw it (a throwing refusal path stays in the interpreter)', async () => {
        for (const body of [{ quantity: 'many' }, [1, 2], 'text', { quantity: 1, admin: true }]) {
          let result: unknown;
          assert.doesNotThrow(() => {
            result = binder.bindNow(Order, body);
          });
          assert.ok(result instanceof Promise);
          await rejectsBastion(result as Promise<unknown>, 'BST_ERR_VALIDATION_FAILED', 400);
        }
      });
    });

    describe('when the body is a null-prototype object', () => {
      it('should bind it like a plain object', async () => {
        const plain = Object.assign(Object.create(null) as object, { quantity: 3 });
        assert.equal((await binder.toInstance(Order, plain)).quantity, 3);
      });
    });

    describe('when the DTO inherits a nested property', () => {
      it('should check the inherited property too', async () => {
        const ok = await binder.toInstance(PriorityOrder, { quantity: 1, priority: 2, address: { city: 'Oslo' } });
        assert.ok(ok instanceof PriorityOrder);
        const error = await rejectsBastion(
          binder.toInstance(PriorityOrder, { quantity: 1, priority: 2, address: [{ city: 'Oslo' }] }),
          'BST_ERR_VALIDATION_FAILED',
          400,
        );
        assert.deepEqual(fieldPaths(error), ['address']);
      });
    });

    describe('when the body is not an object', () => {
      for (const [name, plain] of [['undefined', undefined], ['null', null], ['an array', [{ quantity: 1 }]], ['a string', '{}'], ['a number', 1]] as const) {
        it(`should refuse ${name} with a (body) error`, async () => {
          const error = await rejectsBastion(binder.toInstance(Order, plain), 'BST_ERR_VALIDATION_FAILED', 400);
          assert.deepEqual(fieldPaths(error), ['(body)']);
          assert.match(error.fields?.[0]?.constraints[0] ?? '', /an object was expected/);
        });
      }
    });

    describe('when the body has a property the DTO does not declare', () => {
      it('should refuse it, naming the property', async () => {
        const error = await rejectsBastion(binder.toInstance(Order, { quantity: 1, admin: true }), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(fieldPaths(error), ['admin']);
        assert.match(error.fields?.[0]?.constraints[0] ?? '', /^whitelistValidation: /);
      });
    });

    describe('when nested values are invalid', () => {
      it('should name each with a dotted path', async () => {
        const body = { quantity: 0, address: { city: 5 }, items: [{ name: 'ok' }, { name: 7 }] };
        const error = await rejectsBastion(binder.toInstance(Order, body), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(fieldPaths(error), ['quantity', 'address.city', 'items.1.name']);
        assert.deepEqual(
          error.fields?.[0]?.constraints.map((c) => c.split(':')[0]),
          ['min'],
        );
      });
    });

    describe('when a value is rejected', () => {
      it('should never echo the value', async () => {
        const error = await rejectsBastion(binder.toInstance(Order, { quantity: 'hunter2-secret' }), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.doesNotMatch(JSON.stringify(error.toWire()), /hunter2-secret/);
      });
    });

    describe('when a peer-chosen key is very long', () => {
      it('should truncate it in the error', async () => {
        const key = 'k'.repeat(10_000);
        const error = await rejectsBastion(binder.toInstance(Order, { quantity: 1, [key]: 1 }), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.ok(JSON.stringify(error.toWire()).length < 1000);
      });
    });

    describe('when very many keys are unknown', () => {
      it('should cap the field list', async () => {
        const body: Record<string, number> = { quantity: 1 };
        for (let i = 0; i < 500; i++) body[`x${i}`] = i;
        const error = await rejectsBastion(binder.toInstance(Order, body), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.equal(error.fields?.length, 100);
      });
    });

    describe('when a single nested property receives a non-object', () => {
      it('should refuse it as "an object was expected"', async () => {
        const error = await rejectsBastion(binder.toInstance(Order, { quantity: 1, address: 'Oslo' }), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(fieldPaths(error), ['address']);
      });
    });

    describe('when an array nested property receives an object or arrays', () => {
      it('should refuse the object and each inner array', async () => {
        const asObject = await rejectsBastion(binder.toInstance(Order, { quantity: 1, items: { name: 'a' } }), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(fieldPaths(asObject), ['items']);
        const nestedArrays = await rejectsBastion(
          binder.toInstance(Order, { quantity: 1, items: [{ name: 'a' }, [{ name: 'b' }]] }),
          'BST_ERR_VALIDATION_FAILED',
          400,
        );
        assert.deepEqual(fieldPaths(nestedArrays), ['items.1']);
      });
    });

    describe('when a recursive DTO nests arrays of arrays deeper down', () => {
      it('should refuse them at their path', async () => {
        const body = { label: 'root', children: [{ label: 'a', children: [[{ label: 'b' }]] }] };
        const error = await rejectsBastion(binder.toInstance(TreeNode, body), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(fieldPaths(error), ['children.0.children.0']);
      });
    });

    describe('when the DTO cannot be validated safely', () => {
      it('should refuse to bind at all', async () => {
        await rejectsBastion(binder.toInstance(UntypedNested, { address: { city: 1 } }), 'BST_ERR_DECORATOR_INVALID_TARGET', 500);
      });
    });
  });

  describe('.toPlain', () => {
    describe('when given a DTO instance', () => {
      it('should drop @Exclude() properties', () => {
        const account = Object.assign(new Account(), { user: 'ada', password: 'secret' });
        assert.deepEqual(binder.toPlain(account), { user: 'ada' });
      });
    });

    describe('when a plain object or array wraps DTO instances', () => {
      it('should drop their @Exclude() properties too', () => {
        const account = Object.assign(new Account(), { user: 'ada', password: 'secret' });
        assert.deepEqual(binder.toPlain({ account, list: [account] }), { account: { user: 'ada' }, list: [{ user: 'ada' }] });
      });
    });

    describe('when given a primitive or nothing', () => {
      it('should pass it through', () => {
        assert.equal(binder.toPlain(3), 3);
        assert.equal(binder.toPlain('x'), 'x');
        assert.equal(binder.toPlain(null), null);
        assert.equal(binder.toPlain(undefined), undefined);
      });
    });
  });
});
