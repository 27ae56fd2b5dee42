import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsoleLogger, childLogger, handshakeRefusedReason } from '../../src/logging/logger.js';
import { REDACTED } from '../../src/logging/redact.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

function capture(options: ConstructorParameters<typeof ConsoleLogger>[0] = 'debug'): { logger: ConsoleLogger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = new ConsoleLogger(options, (line) => out.push(line));
  return { logger, lines: () => out.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe(ConsoleLogger.name, () => {
  describe('.info', () => {
    describe('when below the level', () => {
      it('should write nothing', () => {
        const { logger, lines } = capture('warn');
        logger.info('ignored', {});
        logger.warn('kept', {});
        assert.deepEqual(lines().map((l) => l['event']), ['kept']);
      });
    });

    describe('when fields hold a body, key material or a configured metadata key', () => {
      it('should drop the body and redact the rest, at any depth', () => {
        const { logger, lines } = capture({ level: 'info', redact: ['X-Api-Key'] });
        logger.info('call', {
          body: { secret: 'payload' },
          metadata: { 'x-api-key': 'k-123', tenant: 'acme' },
          keyPem: 'raw',
          cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
          bytes: new Uint8Array([1, 2, 3]),
        });
        const [line] = lines();
        assert.equal(line?.['body'], undefined);
        assert.deepEqual(line?.['metadata'], { 'x-api-key': REDACTED, tenant: 'acme' });
        assert.equal(line?.['keyPem'], REDACTED);
        assert.equal(line?.['cert'], REDACTED);
        assert.equal(line?.['bytes'], undefined);
      });
    });
  });

  describe('.debug', () => {
    describe('when fields hold a body', () => {
      it('should keep it, with key material still redacted', () => {
        const { logger, lines } = capture('debug');
        logger.debug('call', { body: { name: 'ada', password: 'pw' } });
        assert.deepEqual(lines()[0]?.['body'], { name: 'ada', password: REDACTED });
      });
    });

    describe('when fields are cyclic or hold a bigint', () => {
      it('should still write one line', () => {
        const { logger, lines } = capture('debug');
        const cyclic: Record<string, unknown> = { n: 1n };
        cyclic['self'] = cyclic;
        logger.debug('odd', { cyclic });
        assert.deepEqual(lines()[0]?.['cyclic'], { n: '1', self: '[…]' });
      });
    });
  });

  describe('.child', () => {
    describe('when a child is made for a component', () => {
      it('should add its bindings to every record, and its children add theirs', () => {
        const { logger, lines } = capture('info');
        const child = logger.child({ component: 'server' });
        child.info('started', { port: 1 });
        child.child({ service: 'greeter' }).warn('slow', {});
        assert.deepEqual(
          lines().map(({ level, event, component, service, port }) => ({ level, event, component, service, port })),
          [
            { level: 'info', event: 'started', component: 'server', service: undefined, port: 1 },
            { level: 'warn', event: 'slow', component: 'server', service: 'greeter', port: undefined },
          ],
        );
      });
    });
  });
});

describe(childLogger.name, () => {
  describe('when the logger has no child method', () => {
    it('should wrap it and add the bindings', () => {
      const recording = new RecordingLogger();
      childLogger(childLogger(recording, { component: 'a' }), { service: 'b' }).warn('x', { n: 1 });
      assert.deepEqual(recording.records, [{ level: 'warn', event: 'x', fields: { component: 'a', service: 'b', n: 1 } }]);
    });
  });
});

describe(handshakeRefusedReason.name, () => {
  describe('when given the codes Node and OpenSSL report', () => {
    it('should map each to its stable reason', () => {
      const cases: [string | undefined, string][] = [
        [undefined, 'no_cert'],
        ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', 'no_cert'],
        ['CERT_HAS_EXPIRED', 'expired'],
        ['CERT_REVOKED', 'revoked'],
        ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
        ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'expired'],
        ['BST_ERR_SECURITY_SERVER_IDENTITY', 'wrong_identity'],
        ['ECONNRESET', 'aborted'],
        ['ERR_SSL_WRONG_VERSION_NUMBER', 'other'],
      ];
      assert.deepEqual(cases.map(([code]) => handshakeRefusedReason(code)), cases.map(([, reason]) => reason));
    });
  });
});
