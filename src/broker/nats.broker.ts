import type { ConnectionOptions, JsMsg, Msg, MsgHdrs, NatsConnection } from 'nats';
import { BastionError } from '../errors/bastion-error.js';
import type { CallMetadata } from '../transport/transport.js';
import {
  DEFAULT_MAX_DELIVER, DEFAULT_MAX_PENDING_RETRIES,
  type Broker,
  type BrokerMessage,
  type Disposition,
  type MessageHandler,
  type SubscribeOptions,
  type Subscription,
} from './broker.js';
import { checkSubscription, checkTopic } from './topic.js';
import { lazyPackage } from '../lazy/lazy.js';

// Loaded on first connect: an application without NATS never pays for the client.
const nats = lazyPackage<typeof import('nats')>('nats');

/** Options of the NATS broker. */
export interface NatsBrokerOptions {
  /** `nats://host:port` or a list of them; defaults to 127.0.0.1:4222. */
  readonly servers?: string | string[];
  /** The NATS client's TLS options (`ca`, `cert`, `key`); the connection is then TLS. */
  readonly tls?: ConnectionOptions['tls'];
  /** Subjects are `<subjectPrefix>.<topic>`; defaults to `bastion.events`. */
  readonly subjectPrefix?: string;
  /**
   * A JetStream stream to store messages in (created over `<subjectPrefix>.>` when absent):
   * publishing then waits for the stream's acknowledgement, and durable subscriptions work.
   */
  readonly stream?: string;
  /** How long a durable delivery may stay unacknowledged before JetStream sends it again. */
  readonly ackWaitMs?: number;
}

const CONTENT_TYPE = 'Bastion-Content-Type';
const METADATA = 'Bastion-Metadata';

function unavailable(detail: string): BastionError {
  return new BastionError('BST_ERR_BROKER_UNAVAILABLE', detail);
}

/** Reads Bastion's headers; anything malformed becomes metadata the subscriber refuses, never an exception. */
function messageOf(topic: string, data: Uint8Array, hdrs: MsgHdrs | undefined): BrokerMessage {
  let metadata: unknown = {};
  const raw = hdrs?.get(METADATA) ?? '';
  if (raw !== '') {
    try {
      metadata = JSON.parse(raw);
    } catch {
      metadata = null;
    }
  }
  return { topic, contentType: hdrs?.get(CONTENT_TYPE) ?? '', metadata: metadata as CallMetadata, body: data };
}

/**
 * NatsBroker publishes on core NATS subjects and, with a `stream`, through JetStream.
 * Plain subscriptions are core NATS queue subscriptions (at most once: a message published
 * while nobody listens is gone); `retry` redelivers in-process. Durable subscriptions are
 * JetStream durable consumers with explicit acknowledgement: `ack` acknowledges, `retry`
 * naks with the delay, `reject` terminates; messages published while no subscriber runs
 * wait in the stream.
 */
export class NatsBroker implements Broker {
  readonly name = 'nats';
  private connection: Promise<NatsConnection> | undefined;
  private readonly prefix: string;
  private readonly subscriptions = new Set<Subscription>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: NatsBrokerOptions = {},
    private readonly onDrop: (message: BrokerMessage, reason: string) => void = () => {},
  ) {
    this.prefix = options.subjectPrefix ?? 'bastion.events';
    checkTopic(this.prefix);
  }

  async publish(message: BrokerMessage): Promise<void> {
    checkTopic(message.topic);
    const nc = await this.connect();
    const hdrs = nats().headers();
    hdrs.set(CONTENT_TYPE, message.contentType);
    if (Object.keys(message.metadata).length > 0) hdrs.set(METADATA, JSON.stringify(message.metadata));
    const subject = `${this.prefix}.${message.topic}`;
    try {
      if (this.options.stream !== undefined) await nc.jetstream().publish(subject, message.body, { headers: hdrs });
      else nc.publish(subject, message.body, { headers: hdrs });
    } catch (error) {
      throw unavailable(`The message could not be published (${(error as { code?: string }).code ?? 'nats'})`);
    }
  }

  async subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions = {}): Promise<Subscription> {
    checkTopic(topic);
    checkSubscription(options);
    const subscription = options.durable === undefined ? await this.core(topic, handler, options) : await this.durable(topic, handler, options);
    this.subscriptions.add(subscription);
    return {
      topic,
      unsubscribe: async () => {
        this.subscriptions.delete(subscription);
        await subscription.unsubscribe();
      },
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.subscriptions].map((s) => s.unsubscribe()));
    this.subscriptions.clear();
    const pending = this.connection;
    this.connection = undefined;
    if (pending !== undefined) await (await pending.catch(() => undefined))?.drain().catch(() => {});
  }

  private connect(): Promise<NatsConnection> {
    this.connection ??= (async () => {
      const nc = await nats().connect({ servers: this.options.servers ?? 'nats://127.0.0.1:4222', ...(this.options.tls === undefined ? {} : { tls: this.options.tls }) });
      if (this.options.stream !== undefined) {
        const jsm = await nc.jetstreamManager();
        await jsm.streams.info(this.options.stream).catch(() => jsm.streams.add({ name: this.options.stream as string, subjects: [`${this.prefix}.>`] }));
      }
      return nc;
    })().catch((error: unknown) => {
      this.connection = undefined;
      throw unavailable(`The NATS broker is not reachable (${(error as { code?: string }).code ?? 'connect'})`);
    });
    return this.connection;
  }

  private async core(topic: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const nc = await this.connect();
    const maxDeliver = options.maxDeliver ?? DEFAULT_MAX_DELIVER;
    const maxPending = options.maxPendingRetries ?? DEFAULT_MAX_PENDING_RETRIES;
    let pending = 0;
    const deliver = (message: BrokerMessage, attempt: number): void => {
      void handler(message, { attempt }).then((disposition) => {
        if (disposition.kind === 'ack') return;
        if (disposition.kind === 'reject') return this.onDrop(message, disposition.reason);
        if (attempt >= maxDeliver) return this.onDrop(message, `not handled after ${attempt} deliveries`);
        if (pending >= maxPending) return this.onDrop(message, `${maxPending} messages already wait for a retry`);
        pending++;
        const timer = setTimeout(() => {
          pending--;
          this.timers.delete(timer);
          deliver(message, attempt + 1);
        }, disposition.delayMs);
        this.timers.add(timer);
      });
    };
    const sub = nc.subscribe(`${this.prefix}.${topic}`, {
      ...(options.queue === undefined ? {} : { queue: options.queue }),
      callback: (error: Error | null, msg: Msg) => {
        if (error === null) deliver(messageOf(topic, msg.data, msg.headers), 1);
      },
    });
    // The subscription must reach the server before publishers are told the subscriber is ready.
    await nc.flush();
    return { topic, unsubscribe: async () => sub.unsubscribe() };
  }

  private async durable(topic: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const stream = this.options.stream;
    if (stream === undefined) throw unavailable('A durable subscription needs a JetStream stream (natsBrokerModule({ stream }))');
    const nc = await this.connect();
    const jsm = await nc.jetstreamManager();
    const durable = options.durable as string;
    const config = {
      durable_name: durable,
      filter_subject: `${this.prefix}.${topic}`,
      ack_policy: nats().AckPolicy.Explicit,
      deliver_policy: nats().DeliverPolicy.All,
      max_deliver: options.maxDeliver ?? DEFAULT_MAX_DELIVER,
      ack_wait: nats().nanos(this.options.ackWaitMs ?? 30_000),
    };
    await jsm.consumers.info(stream, durable).then(
      () => jsm.consumers.update(stream, durable, { max_deliver: config.max_deliver, ack_wait: config.ack_wait }),
      () => jsm.consumers.add(stream, config),
    );
    const consumer = await nc.jetstream().consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: 64 });
    const settle = (msg: JsMsg, disposition: Disposition): void => {
      if (disposition.kind === 'ack') msg.ack();
      else if (disposition.kind === 'retry') msg.nak(disposition.delayMs);
      // No reason text: servers before 2.10 do not parse `+TERM <reason>` and would leave the message pending.
      else msg.term();
    };
    const loop = (async () => {
      for await (const msg of messages) {
        const message = messageOf(topic, msg.data, msg.headers);
        void handler(message, { attempt: msg.info.deliveryCount }).then((disposition) => {
          if (disposition.kind === 'reject') this.onDrop(message, disposition.reason);
          settle(msg, disposition);
        });
      }
    })();
    return {
      topic,
      unsubscribe: async () => {
        messages.stop();
        await loop.catch(() => {});
      },
    };
  }
}
