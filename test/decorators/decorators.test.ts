import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Codec, Handler, RateLimit, RequireMutualTLS, Service } from '../../src/index.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { SERVICE } from '../../src/metadata/keys.js';
import { getOwnMetadata } from '../../src/metadata/reflect.js';

class Ping {
  @IsString()
  text!: string;
}

describe('Bastion decorators', () => {
  describe('when applied together to a class and its methods', () => {
    it('should write one whole ServiceMetadata record on the class', () => {
      @RequireMutualTLS({ allow: ['orders', 'billing-*'] })
      @Codec('application/json')
      @Service({ name: 'pinger', version: '2.1.0' })
      class Pinger {
        @RateLimit({ tokensPerInterval: 10, interval: 'second', bucketSize: 20, key: 'endpoint' })
        @Handler()
        ping(request: Ping): Ping {
          return request;
        }

        @RequireMutualTLS()
        @Handler({ request: Ping })
        echo(request: unknown): unknown {
          return request;
        }
      }

      assert.deepEqual(getOwnMetadata(SERVICE, Pinger), {
        name: 'pinger',
        version: '2.1.0',
        codec: 'application/json',
        mutualTLS: { allow: ['orders', 'billing-*'] },
        handlers: {
          ping: {
            method: 'ping',
            isHandler: true,
            rateLimit: { tokensPerInterval: 10, intervalMs: 1000, bucketSize: 20, cost: 1, key: 'endpoint', mode: 'reject', maxWaitMs: 0 },
          },
          echo: { method: 'echo', isHandler: true, request: Ping, mutualTLS: {} },
        },
      });
    });
  });

  describe('@Service', () => {
    describe('when the class has no @Handler()', () => {
      it('should throw BST_ERR_DECORATOR_INVALID_TARGET', () => {
        assert.throws(
          () => {
            @Service({ name: 'empty' })
            class Empty {}
            return Empty;
          },
          (error) => BastionError.hasId(error, 'BST_ERR_DECORATOR_INVALID_TARGET'),
        );
      });
    });

    describe('when a method has @RateLimit but no @Handler()', () => {
      it('should name the method in the error', () => {
        assert.throws(
          () => {
            @Service({ name: 'orphan' })
            class Orphan {
              @Handler() ok(request: Ping) {
                return request;
              }
              @RateLimit({ tokensPerInterval: 1, interval: 'second' }) notAHandler() {}
            }
            return Orphan;
          },
          /Orphan\.notAHandler has a Bastion decorator but no @Handler/,
        );
      });
    });

    describe('when the name is not a valid service name', () => {
      it('should refuse uppercase, spaces, paths and overlong names', () => {
        for (const name of ['Payments', 'payments ', '../payments', 'a'.repeat(64), '', 'pаyments']) {
          assert.throws(() => Service({ name })(class {}), (error) => BastionError.hasId(error, 'BST_ERR_DECORATOR_INVALID_TARGET'), name);
        }
      });
    });
  });

  describe('@RateLimit', () => {
    describe('when options are nonsense', () => {
      it('should refuse them when the class is defined', () => {
        const bad = [
          { tokensPerInterval: 0, interval: 1000 },
          { tokensPerInterval: 1.5, interval: 1000 },
          { tokensPerInterval: 10, interval: -1 },
          { tokensPerInterval: 10, interval: 1000, cost: 11 },
          { tokensPerInterval: 10, interval: 1000, key: 'header' as 'peer' },
        ];
        for (const options of bad) {
          assert.throws(() => RateLimit(options), (error) => BastionError.hasId(error, 'BST_ERR_DECORATOR_INVALID_TARGET'), JSON.stringify(options));
        }
      });
    });
  });

  describe('@RequireMutualTLS', () => {
    describe('when the allow list is empty or holds patterns other than a trailing *', () => {
      it('should refuse it', () => {
        for (const allow of [[], ['ord*ers'], ['Orders'], ['*orders']]) {
          assert.throws(() => RequireMutualTLS({ allow }), (error) => BastionError.hasId(error, 'BST_ERR_DECORATOR_INVALID_TARGET'));
        }
      });
    });
  });

  describe('@Codec', () => {
    describe('when the argument is not a content type', () => {
      it('should refuse it', () => {
        assert.throws(() => Codec('json'), (error) => BastionError.hasId(error, 'BST_ERR_DECORATOR_INVALID_TARGET'));
      });
    });
  });
});
