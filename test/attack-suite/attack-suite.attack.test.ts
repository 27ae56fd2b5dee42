// The attack suite as part of `npm test`: every attack must succeed against the naive
// set-up (so the attack is real) and fail against Bastion with its documented refusal,
// while the legitimate caller keeps being served. `npm run attack` runs the same suite
// and writes docs/attack-report.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnlessService } from '../fixtures/services.js';
import { THREATS } from './attack.js';
import { ALL_ATTACKS, problemsOf, runAttackSuite, type Row } from './suite.js';

const threatModel = readFileSync(fileURLToPath(new URL('../../../docs/threat-model.md', import.meta.url)), 'utf8');

describe(runAttackSuite.name, async () => {
  const skip = (await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379')) || (await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js'));
  let rows: Row[] = [];
  const rowOf = (name: string): Row => {
    const row = rows.find((r) => r.attack === name);
    assert.ok(row, `no row for ${name}`);
    return row;
  };

  before(async () => {
    if (skip === false) rows = await runAttackSuite();
  });

  describe('.naive set-up', () => {
    describe('when each attack runs against it', () => {
      for (const attack of ALL_ATTACKS) {
        it(`should let "${attack.name}" succeed`, { skip }, () => {
          const row = rowOf(attack.name);
          assert.equal(row.naive.succeeded, true, row.naive.detail);
        });
      }
    });
  });

  describe('.bastion set-up', () => {
    describe('when each attack runs against it while frontend keeps calling', () => {
      for (const attack of ALL_ATTACKS) {
        it(`should refuse "${attack.name}" with ${attack.expected.join(' or ')} and keep serving frontend`, { skip }, () => {
          const row = rowOf(attack.name);
          assert.equal(row.bastion.succeeded, false, row.bastion.detail);
          assert.deepEqual(problemsOf(row), []);
        });
      }
    });
  });

  describe('.threats', () => {
    describe('when the suite is listed against the ten threats', () => {
      it('should attack every threat at least once', () => {
        assert.deepEqual(THREATS.filter((threat) => !ALL_ATTACKS.some((attack) => attack.threat === threat)), []);
      });

      it('should document every threat and every refusal in docs/threat-model.md', () => {
        const missing = [...THREATS.map((threat) => `### ${threat[0]?.toUpperCase()}${threat.slice(1)}`), ...ALL_ATTACKS.flatMap((attack) => attack.expected)].filter((text) => !threatModel.includes(text));
        assert.deepEqual(missing, []);
      });
    });
  });
});
