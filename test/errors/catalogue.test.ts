import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { ERROR_CATALOGUE, STATUS_TEXT, type ErrorId } from '../../src/errors/catalogue.js';

const docs = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...docs.matchAll(/^\| `(BST_ERR_\w+)` \| (\d+) \|/gm)].map((m) => [m[1] as string, Number(m[2])]),
);

describe('ERROR_CATALOGUE', () => {
  describe('when compared with docs/errors.md', () => {
    it('should document every id with its code', () => {
      for (const [id, entry] of Object.entries(ERROR_CATALOGUE)) {
        assert.equal(documented.get(id), entry.code, `${id} is missing from docs/errors.md or has another code`);
      }
    });

    it('should not document ids the catalogue does not have', () => {
      for (const id of documented.keys()) assert.ok(Object.hasOwn(ERROR_CATALOGUE, id), `${id} is documented but not in the catalogue`);
    });
  });

  describe('when read entry by entry', () => {
    it('should follow BST_ERR_<AREA>_<WHAT> and use a code with a status text', () => {
      for (const [id, entry] of Object.entries(ERROR_CATALOGUE)) {
        assert.match(id, /^BST_ERR_[A-Z]+_[A-Z_]+$/);
        assert.ok(STATUS_TEXT[entry.code] !== undefined, `${id} has a code without status text`);
      }
    });
  });
});

describe(BastionError.name, () => {
  describe('.toWire', () => {
    describe('when the error has a cause with a stack and a path', () => {
      it('should carry only id, code, status, detail and declared extras', () => {
        const cause = new Error('open /etc/bastion/secret.key failed');
        const error = new BastionError('BST_ERR_SERVER_INTERNAL', undefined, {}, { cause });
        const wire = error.toWire();
        assert.deepEqual(Object.keys(wire).sort(), ['code', 'detail', 'id', 'status']);
        assert.doesNotMatch(JSON.stringify(wire), /secret|\/etc|at /);
      });
    });
  });

  describe('.fromWire', () => {
    describe('when given the wire form of a rate-limit error', () => {
      it('should rebuild the same class with its retry-after', () => {
        const original = new BastionError('BST_ERR_RATELIMIT_EXCEEDED', 'slow down', { retryAfterMs: 250 });
        const rebuilt = BastionError.fromWire(JSON.parse(JSON.stringify(original.toWire())));
        assert.ok(BastionError.is(rebuilt));
        assert.ok(BastionError.hasId(rebuilt, 'BST_ERR_RATELIMIT_EXCEEDED'));
        assert.equal(rebuilt.code, 429);
        assert.equal(rebuilt.retryAfterMs, 250);
      });
    });

    describe('when the peer sends an unknown id or junk', () => {
      it('should become an internal error and keep nothing unexpected', () => {
        for (const junk of [null, 7, 'x', { id: 'EVIL', code: 200, stack: 'boom' }, { id: '__proto__' }]) {
          const rebuilt = BastionError.fromWire(junk);
          assert.equal(rebuilt.id, 'BST_ERR_SERVER_INTERNAL' satisfies ErrorId);
          assert.equal(rebuilt.code, 500);
        }
      });
    });

    describe('when fields arrive malformed', () => {
      it('should keep only well-formed field errors', () => {
        const rebuilt = BastionError.fromWire({
          id: 'BST_ERR_VALIDATION_FAILED',
          detail: 'bad',
          fields: [{ path: 'name', constraints: ['isString'] }, 5, { nope: 1 }],
        });
        assert.deepEqual(rebuilt.fields, [{ path: 'name', constraints: ['isString'] }]);
      });
    });
  });

  describe('.is', () => {
    it('should be false for plain errors and look-alikes', () => {
      assert.equal(BastionError.is(new Error('x')), false);
      assert.equal(BastionError.is({ id: 'BST_ERR_SERVER_INTERNAL', code: 500 }), false);
    });
  });
});

describe('appError', () => {
  describe('when a handler reports a not-found outcome', () => {
    it('should survive the wire with its id, code and detail', async () => {
      const { appError } = await import('../../src/errors/factories.js');
      const rebuilt = BastionError.fromWire(JSON.parse(JSON.stringify(appError('not-found', 'order 7 does not exist').toWire())));
      assert.ok(BastionError.hasId(rebuilt, 'BST_ERR_APP_NOT_FOUND'));
      assert.equal(rebuilt.code, 404);
      assert.equal(rebuilt.status, 'Not Found');
      assert.equal(rebuilt.detail, 'order 7 does not exist');
      assert.equal(appError('conflict').code, 409);
      assert.equal(appError('unprocessable').code, 422);
    });
  });
});
