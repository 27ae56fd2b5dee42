import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { badRequest, internal, rateLimited } from '../../src/errors/factories.js';

describe(BastionError.name, () => {
  describe('constructor', () => {
    describe('when the error is a refusal for the peer (4xx)', () => {
      it('should capture no stack frames and stay an Error with its brand', () => {
        for (const error of [badRequest([{ path: 'name', constraints: ['isString: name must be a string'] }]), rateLimited(250)]) {
          assert.ok(error instanceof Error);
          assert.ok(error instanceof BastionError);
          assert.ok(BastionError.is(error));
          assert.doesNotMatch(String(error.stack), /\n\s+at /);
        }
      });

      it('should round a retry-after up, to whole seconds from one second on', () => {
        assert.equal(rateLimited(0.2).retryAfterMs, 1);
        assert.equal(rateLimited(999.5).retryAfterMs, 1000);
        assert.equal(rateLimited(1000).retryAfterMs, 1000);
        assert.equal(rateLimited(1001).retryAfterMs, 2000);
        assert.equal(rateLimited(3_599_999).retryAfterMs, 3_600_000);
      });

      it('should name exactly the failing paths of each 400, whatever the 400 before it named', () => {
        const field = (path: string) => ({ path, constraints: [`isString: ${path} must be a string`] });
        const cases: [string[], string][] = [
          [['name', 'count'], 'name, count'],
          [['name', 'count'], 'name, count'],
          [['name'], 'name'],
          [['count', 'name'], 'count, name'],
          [['na', 'me'].join('').split(',').concat(['count']), 'name, count'],
          [[], ''],
          [['items.0.id'], 'items.0.id'],
        ];
        for (const [paths, named] of cases) {
          const error = badRequest(paths.map(field));
          assert.equal(error.detail, `The request failed validation: ${named}`);
          assert.deepEqual(error.fields?.map((f) => f.path), paths);
        }
      });

      it('should still say what it is on the stack line a log prints', () => {
        const error = badRequest([{ path: 'name', constraints: ['isString: name must be a string'] }]);
        assert.equal(error.stack, 'BastionError: The request failed validation: name');
      });

      it('should leave Error.stackTraceLimit as it found it', () => {
        const before = Error.stackTraceLimit;
        rateLimited(1);
        assert.equal(Error.stackTraceLimit, before);
        assert.match(String(new Error('probe').stack), /\n\s+at /);
      });
    });

    describe('when the error is an internal fault (5xx)', () => {
      it('should keep its stack and its cause for the log', () => {
        const cause = new TypeError('disk on fire');
        const error = internal(cause);
        assert.match(String(error.stack), /\n\s+at /);
        assert.equal(error.cause, cause);
        assert.equal(JSON.stringify(error.toWire()).includes('disk on fire'), false);
      });
    });
  });

  describe('.is', () => {
    describe('when given a rebuilt wire error or a look-alike', () => {
      it('should brand real errors only', () => {
        assert.ok(BastionError.is(BastionError.fromWire(rateLimited(5).toWire())));
        assert.equal(BastionError.is({ id: 'BST_ERR_RATELIMIT_EXCEEDED', code: 429 }), false);
        assert.equal(BastionError.is(new Error('plain')), false);
      });
    });
  });
});
