import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallTable } from '../../src/transport/call-table.js';

describe('CallTable', () => {
  it('should keep calls by id, count them and forget them when deleted', () => {
    const table = new CallTable<{ readonly n: number }>();
    table.set(1, { n: 1 });
    table.set(0xffffffff, { n: 2 });
    table.set(0, { n: 3 });
    assert.equal(table.size, 3);
    assert.equal(table.get(0xffffffff)?.n, 2);
    assert.ok(table.has(0) && !table.has(2));
    assert.equal(table.delete(1), true);
    assert.equal(table.delete(1), false, 'a second delete finds nothing');
    assert.equal(table.size, 2);
    assert.deepEqual(table.values().map((v) => v.n).sort(), [2, 3]);
  });

  it('should count an id set twice once', () => {
    const table = new CallTable<{ readonly n: number }>();
    table.set(7, { n: 1 });
    table.set(7, { n: 2 });
    assert.equal(table.size, 1);
    assert.equal(table.get(7)?.n, 2);
  });

  it('should stay exact over many calls coming and going, and empty out on clear', () => {
    const table = new CallTable<{ readonly id: number }>();
    for (let id = 1; id <= 100_000; id++) {
      table.set(id, { id });
      if (id > 64) assert.equal(table.delete(id - 64), true);
    }
    assert.equal(table.size, 64);
    assert.equal(table.get(100_000)?.id, 100_000);
    assert.equal(table.get(1), undefined);
    table.clear();
    assert.equal(table.size, 0);
    assert.deepEqual(table.values(), []);
  });

  it('should answer as a Map would through any mix of calls coming and going, ids colliding and tables growing', () => {
    const table = new CallTable<{ readonly id: number }>();
    const model = new Map<number, { readonly id: number }>();
    let seed = 42;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 200_000; step++) {
      // A small id range makes the same slots meet again and again; a few far ids test both halves of the hash.
      const id = random(10) === 0 ? 0x100000000 * random(1000) + random(5) : random(600);
      const op = random(3);
      if (op === 0) {
        const value = { id };
        table.set(id, value);
        model.set(id, value);
      } else if (op === 1) {
        assert.equal(table.delete(id), model.delete(id));
      } else {
        assert.equal(table.get(id), model.get(id));
      }
      assert.equal(table.size, model.size);
    }
    for (const [id, value] of model) assert.equal(table.get(id), value);
    assert.equal(table.values().length, model.size);
  });
});
