import { SECURITY_EVENTS, childLogger, type LogFields, type Logger } from '../logging/logger.js';
import type { BastionMetrics } from './bastion.metrics.js';

const SECURITY_EVENT_NAMES: ReadonlySet<string> = new Set(Object.values(SECURITY_EVENTS));

/** Event name of an accepted registration, logged at `debug` by the ValidatingRegistry. */
export const REGISTRATION_ACCEPTED_EVENT = 'registration_accepted';

/**
 * A logger that counts the security events passing through it into BastionMetrics, then
 * hands every record to `inner`. The transport, the registry and the certificate source
 * already log each refusal once; counting the records here means a refusal can never be
 * logged without being counted, or counted twice. Records are counted whatever the level.
 */
export class EventCountingLogger implements Logger {
  constructor(
    private readonly inner: Logger,
    private readonly metrics: BastionMetrics,
  ) {}

  debug(event: string, fields?: LogFields): void {
    this.count(event, fields);
    this.inner.debug(event, fields);
  }
  info(event: string, fields?: LogFields): void {
    this.count(event, fields);
    this.inner.info(event, fields);
  }
  warn(event: string, fields?: LogFields): void {
    this.count(event, fields);
    this.inner.warn(event, fields);
  }
  error(event: string, fields?: LogFields): void {
    this.count(event, fields);
    this.inner.error(event, fields);
  }

  child(bindings: LogFields): Logger {
    return new EventCountingLogger(childLogger(this.inner, bindings), this.metrics);
  }

  private count(event: string, fields: LogFields | undefined): void {
    if (event === REGISTRATION_ACCEPTED_EVENT) this.metrics.registration('accepted');
    if (!SECURITY_EVENT_NAMES.has(event)) return;
    this.metrics.securityEvent(event);
    switch (event) {
      case SECURITY_EVENTS.handshakeRefused:
        this.metrics.handshakeFailure(typeof fields?.['reason'] === 'string' ? fields['reason'] : 'other');
        break;
      case SECURITY_EVENTS.registrationRefused:
      case SECURITY_EVENTS.deregistrationRefused:
        this.metrics.registration('refused');
        break;
      case SECURITY_EVENTS.registryRecordDropped:
        this.metrics.recordDropped();
        break;
    }
  }
}
