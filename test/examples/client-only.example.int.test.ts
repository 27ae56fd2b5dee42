import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runClientOnlyExample, type ClientOnlyOutcome } from '../../examples/client-only/run-example.js';

describe(runClientOnlyExample.name, () => {
  let dir: string;
  let outcome: ClientOnlyOutcome;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-client-only-'));
    outcome = await runClientOnlyExample(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when a client-only app calls start() before calling the greeter', () => {
    it('should resolve start() with undefined', () => assert.equal(outcome.clientAddress, undefined));
    it('should still call the greeter over mTLS as greeter-client', () => assert.deepEqual(outcome.greeting, { message: 'Hello, Ada!', caller: 'greeter-client' }));
  });
});
