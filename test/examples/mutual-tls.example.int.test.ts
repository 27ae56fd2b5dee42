import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runMutualTLSExample, type ExampleOutcome } from '../../examples/mutual-tls/run-example.js';

/** Each step of the example, what it must show, and the summary it must print. */
const EXPECTED: readonly { step: string; should: string; summary: RegExp }[] = [
  { step: 'allowed caller', should: 'should serve an allowed caller with its identity', summary: /"openedBy":"frontend"/ },
  { step: 'identity not allowed', should: 'should answer an identity not on the allow list with 403', summary: /^403 Forbidden/ },
  { step: 'open endpoint', should: 'should serve the open endpoint to that identity', summary: /"status":"ok"/ },
  { step: 'after rotation', should: 'should keep serving new clients after the server certificate was rotated', summary: /"owner":"bob","openedBy":"frontend"/ },
  { step: 'after revocation', should: 'B20: should refuse the revoked client on its next connection', summary: /^503/ },
];

describe('runMutualTLSExample', () => {
  describe('when run on a fresh dev PKI', () => {
    let dir: string;
    let outcomes: ExampleOutcome[];
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bastion-mtls-example-'));
      outcomes = await runMutualTLSExample({ pkiDir: dir });
    });
    after(() => rm(dir, { recursive: true, force: true }));

    for (const expected of EXPECTED) {
      it(expected.should, () => {
        const outcome = outcomes.find((o) => o.step === expected.step);
        assert.ok(outcome?.ok, `${expected.step}: ${outcome?.summary ?? 'missing'}`);
        assert.match(outcome.summary, expected.summary);
      });
    }

    it('should produce exactly these steps, in order', () => {
      assert.deepEqual(outcomes.map((o) => o.step), EXPECTED.map((e) => e.step));
    });
  });
});
