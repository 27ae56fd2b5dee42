/**
 * Broker moves published messages to subscribers of a topic (go-micro's `broker`). A
 * message is an encoded body with its content type and string metadata; what a handler
 * decides about it (done, try again later, never again) is its disposition, which a
 * durable broker turns into an acknowledgement.
 */
import type { CallContext, EndpointDescriptor } from '../server/server.js';
import type { CallMetadata } from '../transport/transport.js';

/** One published message as brokers carry it. */
export interface BrokerMessage {
  readonly topic: string;
  readonly contentType: string;
  /** String key-values (trace ids and the like); size-limited like call metadata. */
  readonly metadata: CallMetadata;
  readonly body: Uint8Array;
}

/**
 * What became of one delivery: `ack` (handled), `retry` (deliver again after `delayMs`),
 * or `reject` (a message that can never succeed: bad body, refused; never redelivered).
 */
export type Disposition =
  | { readonly kind: 'ack' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'reject'; readonly reason: string };

/** Handles one delivered message; must not throw (errors become dispositions). */
export type MessageHandler = (message: BrokerMessage, delivery: DeliveryInfo) => Promise<Disposition>;

/** What a handler knows about one delivery. */
export interface DeliveryInfo {
  /** 1 for the first delivery, then 2, 3… for redeliveries. */
  readonly attempt: number;
}

/** How a subscription receives messages. */
export interface SubscribeOptions {
  /** Subscribers sharing a queue group split the messages: each goes to one of them. */
  readonly queue?: string;
  /**
   * A durable subscription keeps its place while no subscriber runs: messages published
   * meanwhile are delivered when one subscribes again under the same name, and each must
   * be acknowledged. Brokers without storage refuse it.
   */
  readonly durable?: string;
  /** Deliveries of one message at most (first included) before it is dropped and logged. */
  readonly maxDeliver?: number;
  /**
   * Messages of this subscription waiting in memory for a retry at most; beyond it a
   * refused message is dropped and logged at once, so a flood the handler sheds cannot
   * pile up as timers holding message bodies (brokers that keep messages in their own
   * storage redeliver instead).
   */
  readonly maxPendingRetries?: number;
}

/** A live subscription. */
export interface Subscription {
  readonly topic: string;
  /** Stops delivering; a durable subscription keeps its place for the next subscriber. */
  unsubscribe(): Promise<void>;
}

/** Broker publishes messages and delivers them to subscriptions. */
export interface Broker {
  readonly name: string;
  /** Resolves once the broker accepted the message (stored, for a durable one). */
  publish(message: BrokerMessage): Promise<void>;
  subscribe(topic: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** Ends every subscription of this broker and releases its connection. */
  close(): Promise<void>;
}

/** A `@Subscribe` method, described once at boot like an endpoint, plus its topic and delivery settings. */
export interface SubscriberDescriptor extends EndpointDescriptor {
  readonly topic: string;
  readonly queue: string;
  readonly durable: string | undefined;
  readonly maxDeliver: number | undefined;
}

/** What wrappers and a subscriber method know about the message being handled. */
export interface MessageContext extends CallContext {
  readonly topic: string;
  /** 1 for the first delivery, then 2, 3… for redeliveries. */
  readonly attempt: number;
}

/** Topics: dot-separated tokens of letters, digits, `_` and `-`; no wildcards. */
export const TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,15}$/;

/** Queue group and durable names. */
export const SUBSCRIBER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Deliveries of a message at most, unless a subscription says otherwise. */
export const DEFAULT_MAX_DELIVER = 5;

/** Default cap on messages one subscription holds in memory for a retry. */
export const DEFAULT_MAX_PENDING_RETRIES = 256;

// Errors raised (errors/catalogue.ts): BST_ERR_BROKER_INVALID_MESSAGE, BST_ERR_BROKER_UNAVAILABLE.
