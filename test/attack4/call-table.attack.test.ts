// Attack round 4 (CallTable, commit a54444d): the server's table of calls in flight is keyed by
// ids the peer picks (any uint32), and every table lives as long as its connection.
//
// A4-1: the "random odd multiplier per table" does not stop a peer from aiming ids at one slot.
//       home() keeps the LOW bits of `id * multiplier` (and of the same shifted right by 15),
//       and the low n bits of a product depend only on the low n bits of its factors: ids that
//       agree in their low 15 + log2(capacity) bits share a home in every table, whatever the
//       multiplier. 256 such ids (all below 2^32) fill one probe run of a 512-slot table: each
//       lookup, duplicate check and cancel of that connection scans up to 256 slots.
// A4-2: a table only grows. A burst of calls on one connection (a client fanning out, a NATS or
//       memory listener under load) leaves its arrays at the burst's size for the connection's
//       life, and clear() keeps them too (a Map gives its table back as entries leave).
//
// Both read the table's private layout (home(), calls): neither is observable through its
// public interface except by timing, and tests make no timing assertions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallTable } from '../../src/transport/call-table.js';

interface Layout {
  home(id: number): number;
  readonly calls: readonly unknown[];
}
const layout = (table: CallTable<object>): Layout => table as unknown as Layout;

describe('attack4: CallTable against a peer that picks its call ids', () => {
  it('A4-1: should spread ids that agree in their low 24 bits over many slots, whatever the table', () => {
    // All below 2^32, as a peer's ids on the wire: 0x00abcdef, 0x01abcdef, ... 0xffabcdef.
    const crafted = Array.from({ length: 256 }, (_, t) => 0xabcdef + t * 2 ** 24);
    const worst: number[] = [];
    for (let trial = 0; trial < 20; trial++) {
      const table = new CallTable<object>();
      // 200 calls in flight: the table has grown to 512 slots, as a connection near its cap of 256.
      for (let id = 1; id <= 200; id++) table.set(id, { id });
      assert.equal(layout(table).calls.length, 512);
      const perHome = new Map<number, number>();
      for (const id of crafted) {
        const home = layout(table).home(id);
        perHome.set(home, (perHome.get(home) ?? 0) + 1);
      }
      worst.push(Math.max(...perHome.values()));
    }
    // A sound hash puts about 256/512 ids on a slot (the fullest one holds a handful).
    assert.ok(Math.max(...worst) <= 16, `the fullest home of 256 crafted ids held ${JSON.stringify(worst)} ids in 20 tables with their own multipliers`);
  });

  it('A4-1: should keep crafted and sequential ids exact while spreading them (no change of answers)', () => {
    const table = new CallTable<{ readonly id: number }>();
    const crafted = Array.from({ length: 256 }, (_, t) => 0xabcdef + t * 2 ** 24);
    const ids = [...crafted, ...Array.from({ length: 300 }, (_, i) => i + 1), 2 ** 32 + 5, 2 ** 40 + 1];
    for (const id of ids) table.set(id, { id });
    for (const id of ids) assert.equal(table.get(id)?.id, id);
    for (const id of crafted) assert.equal(table.delete(id), true);
    for (const id of ids.slice(256)) assert.equal(table.get(id)?.id, id);
    assert.equal(table.size, ids.length - 256);
  });

  it('A4-2: should give a burst\'s room back once its calls are gone, and on clear', () => {
    const table = new CallTable<object>();
    for (let id = 1; id <= 100_000; id++) table.set(id, { id });
    const peak = layout(table).calls.length;
    for (let id = 1; id <= 99_990; id++) table.delete(id);
    assert.equal(table.size, 10);
    const after = layout(table).calls.length;
    assert.ok(after <= 1024, `10 calls in flight still hold ${after} slots (peak ${peak})`);
    for (let id = 99_991; id <= 100_000; id++) assert.ok(table.has(id));
    for (let id = 1; id <= 100_000; id++) table.set(id, { id });
    table.clear();
    assert.ok(layout(table).calls.length <= 1024, `an emptied table still holds ${layout(table).calls.length} slots`);
    table.set(7, { id: 7 });
    assert.ok(table.has(7));
    assert.deepEqual(table.values(), [{ id: 7 }]);
  });

  it('A4-2: should answer as a Map would through bursts that grow the table and ebb that shrink it', () => {
    const table = new CallTable<{ readonly id: number }>();
    const model = new Map<number, { readonly id: number }>();
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 6; round++) {
      const burst = 500 + random(5000);
      for (let i = 0; i < burst; i++) {
        const id = random(4) === 0 ? 0xabcdef + random(256) * 2 ** 24 : random(0x100000000);
        const value = { id };
        table.set(id, value);
        model.set(id, value);
      }
      for (const id of [...model.keys()]) {
        if (random(10) === 0) continue;
        assert.equal(table.delete(id), model.delete(id));
        assert.equal(table.get(id), undefined);
      }
      assert.equal(table.size, model.size);
      for (const [id, value] of model) assert.equal(table.get(id), value);
    }
  });
});
