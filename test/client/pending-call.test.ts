import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodecRegistry } from '../../src/codec/codecs.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { PendingCall } from '../../src/client/pending-call.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { rateLimited } from '../../src/errors/factories.js';
import type { Reply } from '../../src/transport/transport.js';

const codecs = new CodecRegistry([new JSONCodec()]);

function pending(timeoutMs: number): { call: PendingCall<unknown>; outcome: Promise<unknown> } {
  let call!: PendingCall<unknown>;
  const outcome = new Promise<unknown>((resolve, reject) => {
    call = new PendingCall<unknown>('Echo.echo', timeoutMs, codecs, DEFAULT_CODEC_LIMITS, resolve, reject);
  });
  return { call, outcome };
}

const response = (text: string, contentType = 'application/json'): Reply => ({ kind: 'response', contentType, body: Buffer.from(text) });

describe('PendingCall', () => {
  it('should resolve with the decoded body of a response and never time out afterwards', async () => {
    const { call, outcome } = pending(20);
    call.answered(response('{"message":"Hello","count":1}'));
    assert.deepEqual(await outcome, { message: 'Hello', count: 1 });
    await sleep(40);
    assert.equal(call.cancellation.aborted, false, 'the deadline timer was cleared');
  });

  it('should reject with the server error rebuilt as a BastionError', async () => {
    const { call, outcome } = pending(1000);
    call.answered({ kind: 'error', error: rateLimited(2000).toWire() });
    await assert.rejects(outcome, (error) => BastionError.hasId(error, 'BST_ERR_RATELIMIT_EXCEEDED') && error.retryAfterMs === 2000);
  });

  it('should reject a response body that fails the codec checks, or whose content type has no codec', async () => {
    const bad = pending(1000);
    bad.call.answered(response('{"__proto__":{"polluted":true}}'));
    await assert.rejects(bad.outcome, (error) => BastionError.is(error) && error.code === 400);
    const unknown = pending(1000);
    unknown.call.answered(response('x', 'application/x-unknown'));
    await assert.rejects(unknown.outcome, (error) => BastionError.is(error) && error.code === 415);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('should reject with 408 and abort its cancellation at the deadline, and ignore a reply that comes later', async () => {
    const { call, outcome } = pending(10);
    // The deadline timer is unref'd (a connection keeps a real call's process alive): this one keeps the test's.
    const alive = setTimeout(() => undefined, 1000);
    await assert.rejects(outcome, (error) => BastionError.hasId(error, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'));
    clearTimeout(alive);
    assert.equal(call.cancellation.aborted, true);
    call.answered(response('{"late":true}'));
    call.failed(new Error('later still'));
    await assert.rejects(outcome, (error) => BastionError.hasId(error, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED'));
  });

  it('should settle with the outcome of work it follows, whichever way it ends', async () => {
    const ok = pending(1000);
    ok.call.follow(Promise.resolve(response('[1,2]')));
    assert.deepEqual(await ok.outcome, [1, 2]);
    const failing = pending(1000);
    const error = new BastionError('BST_ERR_CLIENT_NO_NODES');
    failing.call.follow(Promise.reject(error));
    await assert.rejects(failing.outcome, (thrown) => thrown === error);
  });
});
