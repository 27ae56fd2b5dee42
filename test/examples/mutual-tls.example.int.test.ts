import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runMutualTLSExample, type ExampleOutcome } from '../../examples/mutual-tls/run-example.js';

describe('runMutualTLSExample', () => {
  let dir: string;
  let outcomes: ExampleOutcome[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-mtls-example-'));
    outcomes = await runMutualTLSExample({ pkiDir: dir });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const expectOutcome = (step: string, pattern: RegExp) => {
    const outcome = outcomes.find((o) => o.step === step);
    assert.ok(outcome, `no outcome for ${step}`);
    assert.equal(outcome.ok, true, outcome.summary);
    assert.match(outcome.summary, pattern);
  };

  describe('when run on a fresh dev PKI', () => {
    it('should serve an allowed caller with its identity', () => expectOutcome('allowed caller', /"openedBy":"frontend"/));
    it('should answer an identity not on the allow list with 403', () => expectOutcome('identity not allowed', /^403 Forbidden/));
    it('should serve the open endpoint to that identity', () => expectOutcome('open endpoint', /"status":"ok"/));
    it('should keep serving new clients after the server certificate was rotated', () => expectOutcome('after rotation', /"owner":"bob","openedBy":"frontend"/));
    it('B20: should refuse the revoked client on its next connection', () => expectOutcome('after revocation', /^503/));
    it('should produce exactly these five outcomes', () => assert.equal(outcomes.length, 5));
  });
});
