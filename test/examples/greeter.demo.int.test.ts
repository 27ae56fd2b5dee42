import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGreeterDemo, type DemoOutcome } from '../../examples/greeter/run-demo.js';

describe('runGreeterDemo', () => {
  let dir: string;
  let outcomes: DemoOutcome[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-demo-'));
    outcomes = await runGreeterDemo({ pkiDir: dir });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const expectOutcome = (step: string, pattern: RegExp) => {
    const outcome = outcomes.find((o) => o.step === step);
    assert.ok(outcome, `no outcome for ${step}`);
    assert.equal(outcome.ok, true, outcome.summary);
    assert.match(outcome.summary, pattern);
  };

  describe('when run on a fresh dev PKI', () => {
    it('should make a good call', () => expectOutcome('good call', /"message":"Hello, Ada!","caller":"greeter-client"/));
    it('should answer an invalid request with 400 and its fields', () => expectOutcome('invalid request', /400 Bad Request: admin .*name .*times/));
    it('should answer a burst over the limit with 429s', () => expectOutcome('rate limit', /got 429 \(retry after \d+ ms\)/));
    it('should refuse a caller without a client certificate', () => expectOutcome('no client certificate', /refused/));
    it('should answer a valid but unlisted identity with 403', () => expectOutcome('identity not allowed', /403 Forbidden/));
    it('should produce exactly these five outcomes', () => assert.equal(outcomes.length, 5));
  });
});
