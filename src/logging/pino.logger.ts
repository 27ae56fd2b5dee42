import type { LogFields, Logger } from './logger.js';
import { scrubFields, type RedactionOptions } from './redact.js';

/** The part of a pino logger Bastion calls: a method per level taking one object, and `child`. */
export interface PinoLike {
  debug(object: LogFields): void;
  info(object: LogFields): void;
  warn(object: LogFields): void;
  error(object: LogFields): void;
  child(bindings: LogFields): PinoLike;
}

/**
 * Adapts a pino logger (or anything of its shape) to Bastion's Logger: each record is one
 * pino object with `event` and the fields, after the same redaction as the ConsoleLogger
 * (key material always, `redact` names, bodies only at `debug`). Bastion does not depend
 * on pino; the app passes the logger it already has.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * Bastion.create({ tls, logger: pinoLogger(pino({ level: 'info' }), { redact: ['x-api-key'] }) });
 * ```
 */
export function pinoLogger(pino: PinoLike, options: RedactionOptions = {}): Logger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (event: string, fields: LogFields = {}) =>
    pino[level]({ event, ...scrubFields(fields, options, level === 'debug') });
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => pinoLogger(pino.child(scrubFields(bindings, options, false)), options),
  };
}
