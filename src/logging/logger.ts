/**
 * Logger is the small structured logger every part writes to; the container binds one,
 * and each part takes a child bound to its component (and service). Records are an event
 * name plus fields; never key material, and request bodies only at `debug`.
 */
import { scrubFields, type RedactionOptions } from './redact.js';

/** Fields of one record. */
export type LogFields = Record<string, unknown>;

/** Logger writes structured records: an `event` name and fields. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger adding `bindings` to every record (pino's `child`); optional for injected loggers. */
  child?(bindings: LogFields): Logger;
}

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Options of the ConsoleLogger. */
export interface ConsoleLoggerOptions extends RedactionOptions {
  readonly level?: LogLevel;
  /** Where each JSON line goes; stderr by default. */
  readonly write?: (line: string) => void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * A logger writing one JSON line per record (`time`, `level`, `event`, bindings, fields),
 * the shape pino writes. Configured metadata keys and key material are redacted, and
 * bodies are dropped from records above `debug`.
 */
export class ConsoleLogger implements Logger {
  private readonly level: LogLevel;
  private readonly write: (line: string) => void;
  private readonly redaction: RedactionOptions;

  constructor(
    levelOrOptions: LogLevel | ConsoleLoggerOptions = 'info',
    write?: (line: string) => void,
    private readonly bindings: LogFields = {},
  ) {
    const options = typeof levelOrOptions === 'string' ? { level: levelOrOptions } : levelOrOptions;
    this.level = options.level ?? 'info';
    this.write = write ?? options.write ?? ((line) => process.stderr.write(line + '\n'));
    this.redaction = { redact: options.redact ?? [] };
  }

  debug(event: string, fields?: LogFields): void {
    this.log('debug', event, fields);
  }
  info(event: string, fields?: LogFields): void {
    this.log('info', event, fields);
  }
  warn(event: string, fields?: LogFields): void {
    this.log('warn', event, fields);
  }
  error(event: string, fields?: LogFields): void {
    this.log('error', event, fields);
  }

  child(bindings: LogFields): ConsoleLogger {
    return new ConsoleLogger({ level: this.level, ...this.redaction }, this.write, { ...this.bindings, ...bindings });
  }

  private log(level: LogLevel, event: string, fields?: LogFields): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const record = scrubFields({ ...this.bindings, ...fields }, this.redaction, level === 'debug');
    let line: string;
    try {
      line = JSON.stringify({ time: new Date().toISOString(), level, event, ...record });
    } catch {
      line = JSON.stringify({ time: new Date().toISOString(), level, event, unserializable: Object.keys(record) });
    }
    this.write(line);
  }
}

/** A child of `logger` bound to `bindings`: its own `child` when it has one, else a wrapper adding them. */
export function childLogger(logger: Logger, bindings: LogFields): Logger {
  if (typeof logger.child === 'function') return logger.child(bindings);
  const bound = (fields?: LogFields): LogFields => ({ ...bindings, ...fields });
  return {
    debug: (event, fields) => logger.debug(event, bound(fields)),
    info: (event, fields) => logger.info(event, bound(fields)),
    warn: (event, fields) => logger.warn(event, bound(fields)),
    error: (event, fields) => logger.error(event, bound(fields)),
    child: (more) => childLogger(logger, { ...bindings, ...more }),
  };
}

/**
 * `logger` such that a record that cannot be written is lost, never thrown at the caller: the
 * framework logs on paths an attacker drives (a refusal, a handler's 500, a bad handshake), where
 * a throwing sink (a full disk, a closed pipe, a bug in a transport) would otherwise become an
 * unhandled rejection or an uncaught exception, which ends the process (attack7 A7-L5).
 */
export function unfailingLogger(logger: Logger): Logger {
  if (unfailing.has(logger)) return logger;
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (event: string, fields?: LogFields): void => {
      try {
        logger[level](event, fields);
      } catch {
        // The record is lost; the caller goes on.
      }
    };
  const safe: Logger = {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => unfailingLogger(childLogger(logger, bindings)),
  };
  unfailing.add(safe);
  return safe;
}

const unfailing = new WeakSet<Logger>();

export { HANDSHAKE_REFUSED_REASONS, SECURITY_EVENTS, handshakeRefusedReason } from './events.js';
export type { HandshakeRefusedReason, SecurityEvent } from './events.js';
