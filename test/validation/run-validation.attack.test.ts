import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsInt, IsString, registerDecorator, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { BastionError } from '../../src/errors/bastion-error.js';
import { validateNow } from '../../src/validation/run-validation.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';

// A constraint that answers with a promise without declaring itself async: validateSync()
// would drop its answer and let any value through.
@ValidatorConstraint({ name: 'knownCoupon' })
class KnownCoupon implements ValidatorConstraintInterface {
  validate(value: unknown): Promise<boolean> {
    return Promise.resolve(value === 'WELCOME10');
  }
}

function IsReservedLater() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isReservedLater',
      target: target.constructor,
      propertyName,
      async: true,
      validator: { validate: async (value: unknown) => value === 'free' },
    });
}

class Checkout {
  @IsString()
  @Validate(KnownCoupon)
  coupon!: string;
}

class Reservation {
  @IsString()
  @IsReservedLater()
  slot!: string;
}

class Plain {
  @IsInt()
  count!: number;
}

const binder = new StrictBinder();

async function refusedPaths(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'), String(error));
    return (error.fields ?? []).map((f) => f.path);
  }
  return assert.fail('the binder accepted the body');
}

describe('StrictBinder without a promise per call', () => {
  describe('.toInstance', () => {
    describe('when a constraint answers with a promise but is not marked async', () => {
      it('should still refuse the value the promise rejects', async () => {
        assert.deepEqual(await refusedPaths(binder.toInstance(Checkout, { coupon: 'FREE-FOREVER' })), ['coupon']);
        assert.equal((await binder.toInstance(Checkout, { coupon: 'WELCOME10' })).coupon, 'WELCOME10');
      });
    });

    describe('when a constraint is registered as async', () => {
      it('should wait for it and refuse what it refuses', async () => {
        assert.deepEqual(await refusedPaths(binder.toInstance(Reservation, { slot: 'taken' })), ['slot']);
        assert.ok((await binder.toInstance(Reservation, { slot: 'free' })) instanceof Reservation);
      });
    });
  });
});

describe('validateNow', () => {
  describe('when every constraint answers at once', () => {
    it('should return the errors without a promise', () => {
      const errors = validateNow(Object.assign(new Plain(), { count: 'x' }), {});
      assert.ok(Array.isArray(errors));
      assert.deepEqual(errors.map((e) => e.property), ['count']);
    });
  });

  describe('when a constraint answers with a promise', () => {
    it('should return a promise of the same errors validate() reports', async () => {
      const pending = validateNow(Object.assign(new Checkout(), { coupon: 'nope' }), {});
      assert.ok(pending instanceof Promise);
      assert.deepEqual((await pending).map((e) => Object.keys(e.constraints ?? {})), [['knownCoupon']]);
    });
  });
});
