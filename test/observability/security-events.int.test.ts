// The security events that need their own set-up: an anonymous call on a `clientAuth:
// 'request'` server (401), and certificate files reloaded or failing to reload, each
// counted by the metrics from the record itself.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { METRIC_NAMES, type TLSOptions } from '../../src/index.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';
import { parsePrometheusText, sampleValue } from '../metrics/prometheus-text.js';
import { logged, rawAccountsCall, replaceFile, serveAccounts, type ServedApp } from '../security/mtls-fixtures.js';
import { rawTls } from '../transport/tls-helpers.js';

async function securityEvents(server: ServedApp, event: string): Promise<number> {
  return sampleValue(parsePrometheusText((await server.app.metrics?.metrics()) ?? ''), METRIC_NAMES.securityEvents, { event });
}

describe('security events with their own set-up', () => {
  let pki: TestPki;
  let dir: string;

  before(async () => {
    pki = await createTestPki();
    dir = await mkdtemp(join(tmpdir(), 'bastion-observability-'));
    await writeFile(join(dir, 'ca.crt'), pki.ca.certPem);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('an anonymous caller on a clientAuth request server', () => {
    let server: ServedApp;
    before(async () => {
      server = await serveAccounts({ tls: { ...(await pki.tlsFor('accounts')), clientAuth: 'request' }, observability: { metrics: true } });
    });
    after(() => server.app.stop());

    describe('when it calls a @RequireMutualTLS endpoint', () => {
      it('should answer 401 and log one call_refused_unauthenticated event naming the peer anonymous', async () => {
        const outcome = await rawAccountsCall(await rawTls(server.port, { ca: pki.ca.certPem }), 'Accounts.open');
        assert.ok(outcome.kind === 'error' && outcome.error.code === 401, JSON.stringify(outcome));
        const records = server.logger.records.filter((r) => r.event === 'call_refused_unauthenticated');
        assert.equal(records.length, 1);
        assert.equal(records[0]?.fields['peer'], 'anonymous');
        assert.equal(await securityEvents(server, 'call_refused_unauthenticated'), 1);
        assert.equal(server.accounts.calls, 0);
      });
    });
  });

  describe('certificate files that change', () => {
    let server: ServedApp;
    const files = (): TLSOptions => ({ ca: { path: join(dir, 'ca.crt') }, cert: { path: join(dir, 'accounts.crt') }, key: { path: join(dir, 'accounts.key') }, trustDomain: TRUST_DOMAIN });

    before(async () => {
      const pair = await pki.issue('accounts');
      await replaceFile(join(dir, 'accounts.key'), pair.keyPem);
      await replaceFile(join(dir, 'accounts.crt'), pair.certPem);
      server = await serveAccounts({ tls: files(), observability: { metrics: true } });
    });
    after(() => server.app.stop());

    describe('when they are replaced with a valid pair', () => {
      it('should log tls_reloaded and count it as a security event', async () => {
        const mark = server.logger.records.length;
        const next = await pki.issue('accounts');
        await replaceFile(join(dir, 'accounts.key'), next.keyPem);
        await replaceFile(join(dir, 'accounts.crt'), next.certPem);
        await logged(server.logger, 'tls_reloaded', mark);
        assert.ok((await securityEvents(server, 'tls_reloaded')) >= 1);
      });
    });

    describe('when the certificate is replaced with garbage', () => {
      it('should log tls_reload_failed without key material and count it', async () => {
        const mark = server.logger.records.length;
        await replaceFile(join(dir, 'accounts.crt'), 'not a certificate');
        await logged(server.logger, 'tls_reload_failed', mark);
        assert.ok((await securityEvents(server, 'tls_reload_failed')) >= 1);
        assert.ok(!JSON.stringify(server.logger.records).includes('PRIVATE KEY'));
      });
    });
  });
});
