import { BastionError } from '../errors/bastion-error.js';
import { SUBSCRIBER_NAME_PATTERN, TOPIC_PATTERN, type SubscribeOptions } from './broker.js';

/** A `BST_ERR_BROKER_INVALID_MESSAGE` error; the detail never echoes peer data. */
export function invalidMessage(detail: string): BastionError {
  return new BastionError('BST_ERR_BROKER_INVALID_MESSAGE', detail);
}

/** Throws unless `topic` is a plain dotted topic (no wildcard, no empty token). */
export function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) {
    throw invalidMessage('A topic is dot-separated tokens of letters, digits, _ and - (no wildcards)');
  }
}

/** Throws unless the queue group, durable name and delivery bound are well-formed. */
export function checkSubscription(options: SubscribeOptions): void {
  for (const name of [options.queue, options.durable]) {
    if (name !== undefined && (typeof name !== 'string' || !SUBSCRIBER_NAME_PATTERN.test(name))) {
      throw invalidMessage('A queue group or durable name is 1 to 64 letters, digits, _ or -');
    }
  }
  if (options.maxDeliver !== undefined && (!Number.isInteger(options.maxDeliver) || options.maxDeliver < 1)) {
    throw invalidMessage('maxDeliver must be a positive integer');
  }
}
