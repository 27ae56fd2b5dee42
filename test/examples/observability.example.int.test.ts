import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runObservabilityExample, type ObservabilityOutcome } from '../../examples/observability/run-example.js';
import { parsePrometheusText, sampleValue } from '../metrics/prometheus-text.js';

describe(runObservabilityExample.name, () => {
  let dir: string;
  let outcome: ObservabilityOutcome;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-observability-'));
    outcome = await runObservabilityExample(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when shop calls four times and stranger once', () => {
    it('should log one rate_limited event for shop and one call_refused_identity event for stranger', () => {
      const security = outcome.serverLog.filter((r) => r['level'] === 'warn').map((r) => [r['event'], r['peer']]);
      assert.deepEqual(security, [
        ['rate_limited', 'shop'],
        ['call_refused_identity', 'stranger'],
      ]);
    });

    it('should count the calls by outcome code in the scraped metrics', () => {
      const m = parsePrometheusText(outcome.metricsText);
      const where = { service: 'inventory', endpoint: 'Inventory.reserve' };
      assert.deepEqual(
        ['200', '429', '403'].map((code) => sampleValue(m, 'bastion_server_calls_total', { ...where, code })),
        [3, 1, 1],
      );
    });

    it("should hand the shop span's trace id to the handler", () => {
      assert.match(outcome.clientTraceId ?? '', /^[0-9a-f]{32}$/);
      assert.equal(outcome.handlerTraceId, outcome.clientTraceId);
    });
  });
});
