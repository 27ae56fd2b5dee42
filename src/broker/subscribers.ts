import { inject, injectable, multiInject } from 'inversify';
import type { CodecLimits, CodecLookup } from '../codec/codec.js';
import { TOKENS } from '../container/tokens.js';
import { toBastionError } from '../errors/factories.js';
import type { Logger } from '../logging/logger.js';
import type { PeerInfo } from '../security/security.js';
import { requestBinding } from '../server/bind-request.js';
import type { ServiceClass, WrapperFactory } from '../server/server.js';
import { compose } from '../server/wrapper.js';
import { freezeMetadata, metadataProblem } from '../transport/call-metadata.js';
import type { Binder } from '../validation/validation.js';
import type { Broker, Disposition, MessageContext, MessageHandler, SubscriberDescriptor, Subscription } from './broker.js';

/** Who a broker message comes from, as wrappers see it: nobody verified (a message carries no certificate). */
export const BROKER_PEER: PeerInfo = Object.freeze({ authorized: false, remoteAddress: 'broker' });

/** First redelivery delay after a handler failure; doubled per attempt, capped at 30 s. */
export const RETRY_BASE_MS = 200;

// A message has no deadline and no caller to cancel it.
const NEVER_ABORTED = new AbortController().signal;

type Method = (message: unknown, ctx: MessageContext) => unknown;

/**
 * Subscribers runs the `@Subscribe` methods of an application: one subscription per
 * topic, each message through the same wrappers (rate limit included), codec and strict
 * binder as a call, and each outcome turned into a disposition. A message that can never
 * succeed (`4xx`: bad body, refused) is rejected, never redelivered; a `429` is retried
 * after its `retryAfterMs`; a failure (`5xx`) is retried with backoff up to `maxDeliver`.
 */
@injectable()
export class Subscribers {
  private subscriptions: Subscription[] = [];

  constructor(
    @inject(TOKENS.Broker) private readonly broker: Broker,
    @inject(TOKENS.Subscribers) private readonly descriptors: readonly SubscriberDescriptor[],
    @inject(TOKENS.CodecLookup) private readonly codecs: CodecLookup,
    @inject(TOKENS.CodecLimits) private readonly limits: CodecLimits,
    @inject(TOKENS.Binder) private readonly binder: Binder,
    @multiInject(TOKENS.WrapperFactories) private readonly wrapperFactories: WrapperFactory[],
    @inject(TOKENS.ServiceResolver) private readonly resolve: (cls: ServiceClass) => object,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Subscribes every `@Subscribe` method; resolves once the broker confirmed each. */
  async start(): Promise<void> {
    if (this.subscriptions.length > 0) return;
    for (const descriptor of this.descriptors) {
      const { topic, queue, durable, maxDeliver } = descriptor;
      const options = { queue, ...(durable === undefined ? {} : { durable }), ...(maxDeliver === undefined ? {} : { maxDeliver }) };
      this.subscriptions.push(await this.broker.subscribe(topic, this.handler(descriptor), options));
    }
  }

  /** Unsubscribes; durable subscriptions keep their place in the broker. */
  async stop(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.allSettled(subscriptions.map((s) => s.unsubscribe()));
  }

  private handler(descriptor: SubscriberDescriptor): MessageHandler {
    const bind = requestBinding(descriptor, this.codecs, this.limits, this.binder);
    const instance = this.resolve(descriptor.serviceClass) as Record<string, Method>;
    const method = instance[descriptor.method] as Method;
    const wrappers = this.wrapperFactories.flatMap((factory) => factory(descriptor) ?? []);
    const run = compose<MessageContext & { body: Uint8Array; contentType: string }>(wrappers, async (ctx) => {
      await method.call(instance, await bind(ctx.contentType, ctx.body), ctx);
    });
    return async (message, delivery): Promise<Disposition> => {
      const problem = metadataProblem(message.metadata);
      if (problem !== undefined) return this.refused(descriptor, 'BST_ERR_BROKER_INVALID_MESSAGE', problem);
      try {
        await run({
          endpoint: descriptor,
          peer: BROKER_PEER,
          metadata: freezeMetadata(message.metadata),
          timeoutMs: 0,
          signal: NEVER_ABORTED,
          remainingMs: () => Infinity,
          topic: message.topic,
          attempt: delivery.attempt,
          body: message.body,
          contentType: message.contentType,
        });
        return { kind: 'ack' };
      } catch (thrown) {
        const error = toBastionError(thrown);
        if (error.retryAfterMs !== undefined) return { kind: 'retry', delayMs: error.retryAfterMs };
        if (error.code < 500) return this.refused(descriptor, error.id, error.detail);
        this.logger.error('subscriber_failed', { endpoint: descriptor.endpoint, topic: descriptor.topic, attempt: delivery.attempt, error: String((thrown as Error)?.stack ?? thrown) });
        return { kind: 'retry', delayMs: Math.min(30_000, RETRY_BASE_MS * 2 ** (delivery.attempt - 1)) };
      }
    };
  }

  private refused(descriptor: SubscriberDescriptor, id: string, detail: string): Disposition {
    this.logger.warn('message_rejected', { endpoint: descriptor.endpoint, topic: descriptor.topic, id, detail });
    return { kind: 'reject', reason: id };
  }
}
