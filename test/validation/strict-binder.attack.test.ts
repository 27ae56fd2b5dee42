import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { BastionError } from '../../src/errors/bastion-error.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';

class Address {
  @IsString()
  country!: string;
}

class Item {
  @IsString()
  sku!: string;

  @IsInt()
  @Min(1)
  qty!: number;
}

class Order {
  @IsString()
  customer!: string;

  @ValidateNested()
  @Type(() => Address)
  shipTo!: Address;

  @IsOptional()
  @ValidateNested()
  @Type(() => Address)
  billTo?: Address;

  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];
}

const binder = new StrictBinder();

async function refusal(plain: unknown): Promise<Map<string, string[]>> {
  try {
    await binder.toInstance(Order, plain);
  } catch (error) {
    assert.ok(BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'), String(error));
    return new Map((error.fields ?? []).map((f) => [f.path, [...f.constraints]]));
  }
  return assert.fail('the binder accepted the body');
}

const valid = { customer: 'ada', shipTo: { country: 'GB' }, items: [{ sku: 'a', qty: 1 }] };

describe(StrictBinder.name, () => {
  describe('.toInstance', () => {
    describe('when unknown keys are named after Object.prototype members (attack F5)', () => {
      it('should refuse each one at any depth, as it refuses any unknown key', async () => {
        const names = ['hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__', '__lookupSetter__', 'toString', 'valueOf'];
        for (const name of names) {
          const fields = await refusal({ ...valid, [name]: 1, shipTo: { country: 'GB', [name]: [1] } });
          assert.match(fields.get(name)?.join() ?? '', /whitelistValidation/, name);
          assert.match(fields.get(`shipTo.${name}`)?.join() ?? '', /whitelistValidation/, `shipTo.${name}`);
        }
      });
    });

    describe('when a required nested DTO is missing or null', () => {
      it('should answer 400 naming it instead of letting the handler meet undefined', async () => {
        for (const shipTo of [undefined, null]) {
          const fields = await refusal({ customer: 'ada', shipTo, items: [] });
          assert.deepEqual([...fields.keys()], ['shipTo']);
        }
      });

      it('should accept a missing nested DTO marked @IsOptional()', async () => {
        const order = await binder.toInstance(Order, valid);
        assert.ok(order instanceof Order);
        assert.ok(order.shipTo instanceof Address);
        assert.equal(order.billTo, undefined);
      });
    });

    describe('when a body has shape errors and other field errors', () => {
      it('should name every bad field in one answer, and nothing under a refused shape', async () => {
        const fields = await refusal({ customer: 5, shipTo: { country: 7 }, items: [{ qty: 0 }, 'x', [[{ sku: 1 }]]] });
        assert.deepEqual([...fields.keys()].sort(), ['customer', 'items.0.qty', 'items.0.sku', 'items.1', 'items.2', 'shipTo.country']);
      });
    });
  });
});
