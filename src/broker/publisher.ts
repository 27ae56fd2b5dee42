import { inject, injectable } from 'inversify';
import type { CodecLookup } from '../codec/codec.js';
import { encodeBody } from '../codec/pipeline.js';
import { TOKENS } from '../container/tokens.js';
import type { ClientOptions } from '../client/options.js';
import type { CallMetadata } from '../transport/transport.js';
import { metadataProblem } from '../transport/call-metadata.js';
import type { Binder } from '../validation/validation.js';
import type { Broker } from './broker.js';
import { checkTopic, invalidMessage } from './topic.js';

/** Per-message options of `publish`. */
export interface PublishOptions {
  readonly metadata?: CallMetadata;
  /** Content type of the body; defaults to the client's (JSON). */
  readonly contentType?: string;
}

/**
 * Publisher encodes a message (a DTO instance or plain value, through the binder and a
 * codec, exactly as a call's request) and hands it to the broker.
 *
 * @example
 * ```ts
 * await app.broker.publish('orders.created', new OrderCreated('o-1', 3));
 * ```
 * @see docs/pubsub.md
 */
@injectable()
export class Publisher {
  constructor(
    @inject(TOKENS.Broker) private readonly broker: Broker,
    @inject(TOKENS.CodecLookup) private readonly codecs: CodecLookup,
    @inject(TOKENS.Binder) private readonly binder: Binder,
    @inject(TOKENS.ClientOptions) private readonly options: ClientOptions,
  ) {}

  /** Publishes `message` on `topic`; resolves once the broker accepted it (stored, for JetStream). */
  async publish(topic: string, message: unknown, options: PublishOptions = {}): Promise<void> {
    checkTopic(topic);
    const metadata = options.metadata ?? {};
    const problem = metadataProblem(metadata);
    if (problem !== undefined) throw invalidMessage(problem);
    const codec = this.codecs.get(options.contentType ?? this.options.contentType);
    const body = encodeBody(codec, this.binder.toPlain(message), { endpoint: topic, body: 'request' });
    await this.broker.publish({ topic, contentType: codec.contentType, metadata, body });
  }
}
