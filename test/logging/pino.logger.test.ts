import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogFields } from '../../src/logging/logger.js';
import { pinoLogger, type PinoLike } from '../../src/logging/pino.logger.js';
import { REDACTED } from '../../src/logging/redact.js';

/** A pino-shaped logger that keeps what it was given, with its bindings, as pino would write them. */
function recordingPino(bindings: LogFields = {}, out: { level: string; object: LogFields }[] = []): PinoLike & { out: typeof out } {
  const at = (level: string) => (object: LogFields) => void out.push({ level, object: { ...bindings, ...object } });
  return { out, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => recordingPino({ ...bindings, ...more }, out) };
}

describe(pinoLogger.name, () => {
  describe('.warn', () => {
    describe('when a record holds a body, key material and a configured key', () => {
      it('should hand pino one object with the event, redacted and without the body', () => {
        const pino = recordingPino();
        pinoLogger(pino, { redact: ['x-api-key'] }).warn('rate_limited', { peer: 'shop', body: { a: 1 }, metadata: { 'x-api-key': 'k' }, privateKey: 'p' });
        assert.deepEqual(pino.out, [{ level: 'warn', object: { event: 'rate_limited', peer: 'shop', metadata: { 'x-api-key': REDACTED }, privateKey: REDACTED } }]);
      });
    });
  });

  describe('.child', () => {
    describe('when a component child logs at debug', () => {
      it("should use pino's child and keep the body", () => {
        const pino = recordingPino();
        pinoLogger(pino).child?.({ component: 'server' }).debug('call', { body: 'b' });
        assert.deepEqual(pino.out, [{ level: 'debug', object: { component: 'server', event: 'call', body: 'b' } }]);
      });
    });
  });
});
