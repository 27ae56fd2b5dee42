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

const defended: Row = {
  threat: 'brute force',
  attack: 'guess',
  expected: ['BST_ERR_RATELIMIT_EXCEEDED'],
  naive: { succeeded: true, detail: 'PIN found' },
  bastion: { succeeded: false, detail: 'PIN not found', refusal: 'BST_ERR_RATELIMIT_EXCEEDED' },
  legitimate: { servedDuring: 3, failedDuring: 0, servedAfter: true },
  naiveMs: 1,
  bastionMs: 1,
};

describe(problemsOf.name, () => {
  describe('when the attack worked on the naive set-up and Bastion refused it as documented', () => {
    it('should find no problem', () => {
      assert.deepEqual(problemsOf(defended), []);
    });
  });

  describe('when any part of the verdict is off', () => {
    const cases: [string, Partial<Row>, RegExp][] = [
      ['the naive set-up resisted', { naive: { succeeded: false, detail: 'x' } }, /did not succeed against the naive/],
      ['Bastion let the attack through', { bastion: { succeeded: true, detail: 'PIN found' } }, /succeeded against Bastion/],
      ['Bastion refused with an undocumented error', { bastion: { succeeded: false, detail: 'x', refusal: 'BST_ERR_SERVER_INTERNAL' } }, /not BST_ERR_RATELIMIT_EXCEEDED/],
      ['Bastion gave no refusal at all', { bastion: { succeeded: false, detail: 'x' } }, /refused with nothing/],
      ['a legitimate call failed during the attack', { legitimate: { servedDuring: 3, failedDuring: 1, servedAfter: true } }, /during the attack/],
      ['no legitimate call was served during the attack', { legitimate: { servedDuring: 0, failedDuring: 0, servedAfter: true } }, /during the attack/],
      ['the legitimate caller failed after the attack', { legitimate: { servedDuring: 3, failedDuring: 0, servedAfter: false } }, /after the attack/],
    ];
    for (const [name, change, problem] of cases) {
      it(`should report it when ${name}`, () => {
        const problems = problemsOf({ ...defended, ...change });
        assert.equal(problems.length, 1);
        assert.match(problems[0] ?? '', problem);
      });
    }
  });
});

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
