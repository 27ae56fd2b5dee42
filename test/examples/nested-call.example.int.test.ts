import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runNestedCallExample, type NestedCallOutcome } from '../../examples/nested-call/run-example.js';

describe(runNestedCallExample.name, () => {
  let dir: string;
  let outcome: NestedCallOutcome;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-nested-call-'));
    outcome = await runNestedCallExample(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when orders, given the client with @InjectClient(), calls stock from its handler', () => {
    it('should answer shop with what stock replied', () => {
      const placed = outcome.placed as { sku: string; accepted: boolean };
      assert.deepEqual([placed.sku, placed.accepted], ['tea', true]);
    });

    it('should carry the propagated trace-id to stock, and not the tenant key', () => {
      const { stockSaw } = outcome.placed as { stockSaw: { traceId: string | null; tenant: string | null } };
      assert.deepEqual([stockSaw.traceId, stockSaw.tenant], ['trace-42', null]);
    });

    it("should give stock at most shop's 2 s, though orders asked for 60 s", () => {
      const { remainingMs } = (outcome.placed as { stockSaw: { remainingMs: number } }).stockSaw;
      assert.ok(remainingMs > 0 && remainingMs <= 2_000, `stock had ${remainingMs} ms`);
    });
  });

  describe('when stock answers with a 4xx', () => {
    it('should reach shop unchanged: same id, code and detail', () => {
      assert.deepEqual(outcome.unknownSku, { id: 'BST_ERR_APP_NOT_FOUND', code: 404, status: 'Not Found', detail: "no stock record for 'matcha'" });
    });
  });

  describe('when stock is down', () => {
    it('should give shop a generic 500, never the 503 that would say the call never ran', () => {
      assert.deepEqual(outcome.stockDown, { id: 'BST_ERR_SERVER_INTERNAL', code: 500, status: 'Internal Server Error', detail: 'Internal server error' });
    });

    it("should keep the downstream cause in orders' log", () => {
      assert.equal(outcome.ordersLog.length, 1);
      assert.match(outcome.ordersLog[0] ?? '', /^BastionError: (The connection to 127\.0\.0\.1:\d+ failed \(ECONNREFUSED\)|No node of service 'stock')/);
    });
  });
});
