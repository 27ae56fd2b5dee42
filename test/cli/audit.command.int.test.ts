import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bastion } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { Vault } from './fixtures/subscriber-entry.fixture.js';
import { bastion } from './run-cli.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe('bastion audit', () => {
  describe('when the entry exports its services', () => {
    it('should print one row per endpoint with its protections', async () => {
      const run = await bastion(['audit', fixture('audit-entry.fixture.js')]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^service\s+endpoint\s+mTLS\s+allowed peers\s+rate limit/m);
      assert.match(run.stdout, /^stamper\s+Stamper\.stamp\s+required\s+auditor\s+100\/1000ms/m);
      assert.match(run.stdout, /^loose\s+Loose\.ping\s+none\s+-\s+none/m);
    });
  });

  describe('when --strict finds an unprotected endpoint', () => {
    it('should exit 1 naming each missing protection', async () => {
      const run = await bastion(['audit', fixture('audit-entry.fixture.js'), '--strict']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /loose\/Loose\.ping has no @RequireMutualTLS\(\)/);
      assert.match(run.stderr, /loose\/Loose\.ping has no @RateLimit\(\)/);
      assert.doesNotMatch(run.stderr, /Stamper\.stamp has no/);
    });
  });

  describe('when the entry is a compiled service file exporting the @Service class itself', () => {
    it('should audit the decorated class and skip exports that are not services', async () => {
      const run = await bastion(['audit', fixture('class-entry.fixture.js'), '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { endpoints: { service: string; endpoint: string }[] };
      assert.deepEqual(report.endpoints.map((e) => [e.service, e.endpoint]), [['stamper', 'Stamper.stamp']]);
    });
  });

  describe('when the entry exports no @Service class', () => {
    it('should exit 1 saying what to export', async () => {
      const run = await bastion(['audit', fixture('no-service-entry.fixture.js')]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /exports no service classes: export a @Service class/);
    });
  });

  describe('when every endpoint is protected and the entry exports default options', () => {
    it('should pass --strict and print JSON rows', async () => {
      const run = await bastion(['audit', fixture('protected-entry.fixture.js'), '--strict', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { endpoints: { endpoint: string; mutualTLS: string }[]; problems: string[] };
      assert.deepEqual(report.endpoints.map((e) => [e.endpoint, e.mutualTLS]), [['Stamper.stamp', 'required']]);
      assert.deepEqual(report.problems, []);
    });
  });

  describe('when a class with @RequireMutualTLS has a @Subscribe method, which boot refuses (attack F9)', () => {
    it('should list the subscriber with its kind and topic, and exit 1 with the same problem boot reports, strict or not', async () => {
      const booted = await Bastion.create({ services: [Vault], insecure: true, logger: new RecordingLogger() }).then(
        () => assert.fail('boot accepted @RequireMutualTLS on a @Subscribe method'),
        (error: Error) => error.message,
      );
      const problem = 'vault/Vault.onDeposit: @RequireMutualTLS cannot apply to @Subscribe, a message carries no certificate';
      assert.match(booted, new RegExp(problem.replace(/[.@/()]/g, '\\$&')));
      for (const args of [['--strict'], []]) {
        const run = await bastion(['audit', fixture('subscriber-entry.fixture.js'), ...args]);
        assert.equal(run.code, 1, `audit ${args.join(' ')} passed an app that boot refuses`);
        // A failing audit prints everything on stderr.
        assert.match(run.stderr, /^vault\s+Vault\.balance\s+required\s+teller\s.*\scall$/m);
        assert.match(run.stderr, /^vault\s+Vault\.onDeposit\s+required\s+teller\s.*\ssubscribe deposits$/m);
        assert.ok(run.stderr.includes(problem), run.stderr);
      }
      const json = await bastion(['audit', fixture('subscriber-entry.fixture.js'), '--strict', '--json']);
      assert.equal(json.code, 1);
      const report = JSON.parse(json.stderr) as { endpoints: { endpoint: string; kind: string }[]; problems: string[] };
      assert.deepEqual(report.endpoints.map((e) => [e.endpoint, e.kind]), [['Vault.balance', 'call'], ['Vault.onDeposit', 'subscribe deposits']]);
      assert.deepEqual(report.problems, [problem]);
    });
  });

  describe('when the entry cannot be used', () => {
    it('should exit 1 for a missing file and for a module without services, 2 without a file', async () => {
      const missing = await bastion(['audit', fixture('nope.js')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot load .*nope\.js: no such module/);
      const empty = await bastion(['audit', new URL('./run-cli.js', import.meta.url).pathname]);
      assert.equal(empty.code, 1);
      assert.match(empty.stderr, /exports no service classes/);
      assert.equal((await bastion(['audit'])).code, 2);
    });
  });
});
