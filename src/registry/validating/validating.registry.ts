import { inject, injectable } from 'inversify';
import { TOKENS } from '../../container/tokens.js';
import { BastionError } from '../../errors/bastion-error.js';
import type { Logger } from '../../logging/logger.js';
import type { RegisterOptions, Registry, ServiceRecord } from '../registry.js';
import { resolveRegistryPolicy, type CheckOutcome, type RegistrationCheck, type RegistrationWrite, type RegistryPolicy } from './policy.js';
import { RecordValidator } from './record-validator.js';

/**
 * ValidatingRegistry wraps any registry and decides who may register: an allowlisted,
 * strictly formed service name and a bounded, well-formed record, refused before the inner
 * registry sees anything. Every record read back is checked again, so one written straight
 * into the store is ignored. Further checks (signed tokens, identity binding) plug in
 * through `RegistryPolicy.checks`.
 */
@injectable()
export class ValidatingRegistry implements Registry {
  readonly name: string;
  private readonly policy: RegistryPolicy;
  private readonly validator: RecordValidator;

  constructor(
    @inject(TOKENS.InnerRegistry) private readonly inner: Registry,
    @inject(TOKENS.RegistryPolicy) policy: RegistryPolicy,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {
    this.name = `validating(${inner.name})`;
    this.policy = resolveRegistryPolicy(policy);
    this.validator = new RecordValidator(this.policy);
  }

  async register(record: ServiceRecord, options: RegisterOptions): Promise<void> {
    const checked = this.validator.checkOptions(options);
    const clean = await this.admit('register', record, checked.value, checked.reason);
    // admit() has thrown unless the options passed their check.
    await this.inner.register(clean, checked.value as RegisterOptions);
  }

  async deregister(record: ServiceRecord): Promise<void> {
    await this.inner.deregister(await this.admit('deregister', record, undefined, undefined));
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    if (this.validator.nameProblem(name) !== undefined) return [];
    return this.trusted(await this.inner.getService(name), name);
  }

  async listServices(): Promise<ServiceRecord[]> {
    return this.trusted(await this.inner.listServices(), undefined);
  }

  private async admit(
    action: RegistrationWrite['action'],
    record: unknown,
    options: RegisterOptions | undefined,
    optionsProblem: string | undefined,
  ): Promise<ServiceRecord> {
    const checked = this.validator.checkRecord(record);
    let reason = checked.reason ?? optionsProblem;
    if (reason === undefined && checked.value !== undefined) {
      const write: RegistrationWrite = { action, record: checked.value, options };
      reason = await this.extraChecks((check) => check.onWrite?.(write));
      if (reason === undefined) return checked.value;
    }
    this.logger.warn(action === 'register' ? 'registration_refused' : 'deregistration_refused', { service: describeName(record), reason });
    throw new BastionError('BST_ERR_REGISTRY_DENIED', `${action === 'register' ? 'Registration' : 'Deregistration'} refused: ${reason}`);
  }

  private async trusted(records: readonly unknown[], expectedName: string | undefined): Promise<ServiceRecord[]> {
    const kept: ServiceRecord[] = [];
    for (const record of records) {
      const checked = this.validator.checkRecord(record);
      let reason = checked.reason;
      if (checked.value !== undefined) {
        const clean = checked.value;
        reason =
          expectedName !== undefined && clean.name !== expectedName
            ? 'record is not of the service asked for'
            : await this.extraChecks((check) => check.onRead?.(clean));
        if (reason === undefined) {
          kept.push(clean);
          continue;
        }
      }
      this.logger.warn('registry_record_dropped', { service: describeName(record), registry: this.inner.name, reason });
    }
    return kept;
  }

  // A check that throws refuses: a broken check must never let a record through.
  private async extraChecks(run: (check: RegistrationCheck) => CheckOutcome): Promise<string | undefined> {
    for (const check of this.policy.checks) {
      try {
        const reason = await run(check);
        if (reason !== undefined) return `${check.name}: ${reason}`;
      } catch (error) {
        this.logger.error('registry_check_failed', { check: check.name, error: error instanceof Error ? error.message : String(error) });
        return `${check.name}: the check failed`;
      }
    }
    return undefined;
  }
}

function describeName(record: unknown): string {
  try {
    const name: unknown = (record as { name?: unknown } | null | undefined)?.name;
    return typeof name === 'string' ? name.slice(0, 64) : '(no name)';
  } catch {
    return '(unreadable)';
  }
}
