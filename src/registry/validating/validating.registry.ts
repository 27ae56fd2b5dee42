import { inject, injectable } from 'inversify';
import { TOKENS } from '../../container/tokens.js';
import { BastionError } from '../../errors/bastion-error.js';
import type { Logger } from '../../logging/logger.js';
import { frozenRecord } from '../frozen.js';
import type { DeregisterOptions, RegisterOptions, Registry, RegistryWatcher, ServiceNode, ServiceRecord } from '../registry.js';
import { EventQueue } from '../watch.js';
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
  /** Names already reported as outside the policy; bounded, so a caller cycling names cannot grow it. */
  private readonly reportedNames = new Set<string>();

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
    // Counted by the metrics as an accepted registration (docs/observability.md).
    this.logger.debug('registration_accepted', { service: clean.name });
  }

  async deregister(record: ServiceRecord, options?: DeregisterOptions): Promise<void> {
    const checked = this.validator.checkDeregisterOptions(options);
    const clean = await this.admit('deregister', record, checked.value, checked.reason);
    await this.inner.deregister(clean, checked.value);
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    const problem = this.validator.nameProblem(name);
    if (problem !== undefined) {
      // The usual cause of a "no nodes" on a client: the service is missing from its registryPolicy.
      if (this.reportedNames.size < 1000 && !this.reportedNames.has(name)) {
        this.reportedNames.add(name);
        this.logger.warn('registry_service_not_allowed', { service: name.slice(0, 64), reason: problem });
      }
      return [];
    }
    return this.trusted(await this.inner.getService(name), name);
  }

  async listServices(): Promise<ServiceRecord[]> {
    return this.trusted(await this.inner.listServices(), undefined);
  }

  /** The inner registry's events, with create and update events of untrusted nodes left out. */
  watch(service?: string): RegistryWatcher {
    if (service !== undefined && this.validator.nameProblem(service) !== undefined) return emptyWatcher();
    const inner = this.inner.watch(service);
    const queue = new EventQueue(() => inner.close());
    void (async () => {
      for await (const event of inner) {
        const [trusted] = await this.trusted([event.record], service);
        if (trusted !== undefined) queue.push({ type: event.type, record: trusted });
        // A node that left may no longer pass (its token expired): its going is still news,
        // passed on as a clean copy once the record is well formed.
        else if (event.type === 'delete') {
          const clean = this.validator.checkRecord(event.record).value;
          if (clean !== undefined) queue.push({ type: 'delete', record: clean });
        }
      }
      queue.close();
    })().catch(() => queue.close());
    return queue;
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  private async admit(
    action: RegistrationWrite['action'],
    record: unknown,
    options: RegisterOptions | DeregisterOptions | undefined,
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
      if (checked.value === undefined) {
        this.dropped(record, checked.reason);
        continue;
      }
      const clean = checked.value;
      if (expectedName !== undefined && clean.name !== expectedName) {
        this.dropped(record, 'record is not of the service asked for');
        continue;
      }
      // Checked node by node: one forged node beside real ones must not hide them.
      const nodes: ServiceNode[] = [];
      for (const node of clean.nodes) {
        const one = frozenRecord(clean, [node]);
        const reason = await this.extraChecks((check) => check.onRead?.(one));
        if (reason === undefined) nodes.push(node);
        else this.dropped(one, reason, node.id);
      }
      if (nodes.length > 0) kept.push(nodes.length === clean.nodes.length ? clean : frozenRecord(clean, nodes));
    }
    return kept;
  }

  private dropped(record: unknown, reason: string, node?: string): void {
    this.logger.warn('registry_record_dropped', { service: describeName(record), registry: this.inner.name, reason, ...(node === undefined ? {} : { node }) });
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

function emptyWatcher(): RegistryWatcher {
  const queue = new EventQueue();
  queue.close();
  return queue;
}

function describeName(record: unknown): string {
  try {
    const name: unknown = (record as { name?: unknown } | null | undefined)?.name;
    return typeof name === 'string' ? name.slice(0, 64) : '(no name)';
  } catch {
    return '(unreadable)';
  }
}
