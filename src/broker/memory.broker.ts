import { BastionError } from '../errors/bastion-error.js';
import { checkSubscription, checkTopic } from './topic.js';
import {
  DEFAULT_MAX_DELIVER,
  DEFAULT_MAX_PENDING_RETRIES,
  type Broker,
  type BrokerMessage,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
} from './broker.js';

/** Messages a detached durable subscription keeps at most; older ones are dropped first. */
export const MEMORY_DURABLE_BACKLOG = 10_000;

interface Member {
  readonly handler: MessageHandler;
  readonly maxDeliver: number;
  readonly maxPending: number;
  /** Messages this member refused that wait for a retry. */
  pending: number;
}

/** Subscribers of one topic that share deliveries: a queue group, a durable name, or a lone subscriber. */
interface Group {
  readonly members: Member[];
  next: number;
  /** Only durable groups keep messages while they have no member. */
  readonly backlog: BrokerMessage[] | undefined;
}

/**
 * MemoryBroker delivers messages inside one process, asynchronously, as a real broker
 * would: `publish` resolves before any handler runs. Queue groups split messages; a
 * durable subscription keeps up to `MEMORY_DURABLE_BACKLOG` messages while detached
 * (nothing survives the process). A `retry` disposition redelivers after its delay, up
 * to `maxDeliver` deliveries. Share one instance between apps to let them talk.
 */
export class MemoryBroker implements Broker {
  readonly name = 'memory';
  private readonly topics = new Map<string, Map<string, Group>>();
  private anonymous = 0;

  constructor(private readonly onDrop: (message: BrokerMessage, reason: string) => void = () => {}) {}

  async publish(message: BrokerMessage): Promise<void> {
    checkTopic(message.topic);
    for (const group of this.topics.get(message.topic)?.values() ?? []) {
      if (group.members.length === 0) {
        if (group.backlog !== undefined) {
          group.backlog.push(message);
          if (group.backlog.length > MEMORY_DURABLE_BACKLOG) this.onDrop(group.backlog.shift() as BrokerMessage, 'durable backlog full');
        }
        continue;
      }
      this.deliver(group, message, 1);
    }
  }

  async subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    checkTopic(topic);
    checkSubscription(options);
    let groups = this.topics.get(topic);
    if (groups === undefined) this.topics.set(topic, (groups = new Map()));
    const key = options.durable !== undefined ? `durable:${options.durable}` : options.queue !== undefined ? `queue:${options.queue}` : `own:${++this.anonymous}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { members: [], next: 0, backlog: options.durable === undefined ? undefined : [] }));
    const member: Member = {
      handler,
      maxDeliver: options.maxDeliver ?? DEFAULT_MAX_DELIVER,
      maxPending: options.maxPendingRetries ?? DEFAULT_MAX_PENDING_RETRIES,
      pending: 0,
    };
    group.members.push(member);
    const joined = group;
    if (joined.backlog !== undefined) for (const message of joined.backlog.splice(0)) this.deliver(joined, message, 1);
    return {
      topic,
      unsubscribe: async () => {
        const index = joined.members.indexOf(member);
        if (index >= 0) joined.members.splice(index, 1);
        if (joined.members.length === 0 && joined.backlog === undefined) groups.delete(key);
      },
    };
  }

  /** Holds no resource: apps sharing this broker each unsubscribe their own subscriptions at stop. */
  async close(): Promise<void> {}

  private deliver(group: Group, message: BrokerMessage, attempt: number): void {
    const member = group.members[group.next++ % group.members.length];
    if (member === undefined) {
      // Every member left while a redelivery was pending: a durable group keeps the message.
      if (group.backlog !== undefined) group.backlog.push(message);
      else this.onDrop(message, 'no subscriber left');
      return;
    }
    queueMicrotask(() => {
      member.handler(message, { attempt }).then(
        (disposition) => {
          if (disposition.kind === 'ack') return;
          if (disposition.kind === 'reject') return this.onDrop(message, disposition.reason);
          if (attempt >= member.maxDeliver) return this.onDrop(message, `not handled after ${attempt} deliveries`);
          if (member.pending >= member.maxPending) return this.onDrop(message, `${member.maxPending} messages already wait for a retry`);
          member.pending++;
          // Unref'd: a pending redelivery must not keep a stopped process alive.
          setTimeout(() => {
            member.pending--;
            this.deliver(group, message, attempt + 1);
          }, disposition.delayMs).unref();
        },
        (error: unknown) => this.onDrop(message, BastionError.is(error) ? error.detail : 'the handler threw'),
      );
    });
  }
}
