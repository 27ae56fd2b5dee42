import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { FileCertificateSource } from '../../src/security/file.certificate-source.js';
import type { TLSMaterial, TLSOptions } from '../../src/security/security.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { replaceFile } from './mtls-fixtures.js';

const FAST = { intervalMs: 50, debounceMs: 20 };

/** Resolves with the next material `source` announces; fails the test after `withinMs`. */
function nextChange(source: FileCertificateSource, withinMs = 5_000): Promise<TLSMaterial> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reload within ${withinMs} ms`)), withinMs);
    const off = source.onChange((material) => {
      clearTimeout(timer);
      off();
      resolve(material);
    });
  });
}

describe(FileCertificateSource.name, () => {
  let pki: TestPki;
  let dir: string;
  let options: TLSOptions;
  let source: FileCertificateSource;
  let logger: RecordingLogger;

  before(async () => {
    pki = await createTestPki();
    dir = await mkdtemp(join(tmpdir(), 'bastion-source-'));
    await writeFile(join(dir, 'ca.crt'), pki.ca.certPem);
    options = { ca: { path: join(dir, 'ca.crt') }, cert: { path: join(dir, 'svc.crt') }, key: { path: join(dir, 'svc.key') }, trustDomain: TRUST_DOMAIN };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function open(): Promise<FileCertificateSource> {
    const pair = await pki.issue('orders');
    await writeFile(join(dir, 'svc.crt'), pair.certPem);
    await writeFile(join(dir, 'svc.key'), pair.keyPem);
    logger = new RecordingLogger();
    source = await FileCertificateSource.open(options, logger, FAST);
    return source;
  }
  afterEach(() => source?.close());

  describe('.open', () => {
    describe('when a file is missing', () => {
      it('should refuse like loadTLSMaterial, naming the file', async () => {
        await open();
        await assert.rejects(FileCertificateSource.open({ ...options, key: { path: join(dir, 'absent.key') } }, new RecordingLogger(), FAST), /absent\.key/);
      });
    });
  });

  describe('.onChange', () => {
    describe('when the certificate and key are rewritten in place', () => {
      it('should announce the new material and serve it from current()', async () => {
        await open();
        const pair = await pki.issue('orders');
        const changed = nextChange(source);
        await writeFile(join(dir, 'svc.key'), pair.keyPem);
        await writeFile(join(dir, 'svc.crt'), pair.certPem);
        assert.equal((await changed).cert, pair.certPem);
        assert.equal(source.current().cert, pair.certPem);
      });
    });

    describe('when the files are replaced by rename', () => {
      it('should announce the new material', async () => {
        await open();
        const pair = await pki.issue('orders');
        const changed = nextChange(source);
        await replaceFile(join(dir, 'svc.key'), pair.keyPem);
        await replaceFile(join(dir, 'svc.crt'), pair.certPem);
        assert.equal((await changed).key, pair.keyPem);
      });
    });
  });

  describe('.reload', () => {
    describe('when the new key does not match the certificate', () => {
      it('should keep the old material and log an error naming the file, without key material', async () => {
        await open();
        const old = source.current();
        const stranger = await pki.issue('orders');
        await writeFile(join(dir, 'svc.key'), stranger.keyPem);
        await source.reload();
        assert.equal(source.current(), old);
        const failure = logger.records.find((r) => r.event === 'tls_reload_failed');
        assert.match(String(failure?.fields['reason']), /svc\.key' does not match/);
        assert.doesNotMatch(JSON.stringify(logger.records), /PRIVATE KEY/);
      });
    });

    describe('when called after close', () => {
      it('should change nothing', async () => {
        await open();
        const old = source.current();
        await source.close();
        const pair = await pki.issue('orders');
        await writeFile(join(dir, 'svc.key'), pair.keyPem);
        await writeFile(join(dir, 'svc.crt'), pair.certPem);
        await source.reload();
        assert.equal(source.current(), old);
      });
    });
  });
});
