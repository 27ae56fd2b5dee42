import type { CodecLimits, CodecLookup } from '../codec/codec.js';
import { decodeBody } from '../codec/pipeline.js';
import { BastionError } from '../errors/bastion-error.js';
import { badRequest } from '../errors/factories.js';
import { rejection } from '../errors/rejection.js';
import type { Binder } from '../validation/validation.js';
import type { EndpointDescriptor } from './server.js';

/**
 * Turns the bytes of one call or message into the validated request its handler takes:
 * the value itself when it could be checked synchronously, a promise of it otherwise. A
 * refused body is a rejected promise, never a throw (errors/rejection.ts says why).
 */
export type RequestBinding = (contentType: string, body: Uint8Array) => unknown;

/**
 * The one decode-and-validate path of handlers and subscribers alike: the content type
 * must be the endpoint's codec, the codec's raw checks run before its parser, and the
 * plain value becomes a validated DTO instance (a `400` otherwise). Built once per
 * endpoint at start.
 */
export function requestBinding(endpoint: EndpointDescriptor, codecs: CodecLookup, limits: CodecLimits, binder: Binder): RequestBinding {
  const codec = codecs.get(endpoint.codec);
  const dto = endpoint.request;
  const context = { endpoint: endpoint.endpoint, body: 'request' } as const;
  return (contentType, body) => {
    const sameCodec = contentType === codec.contentType || (codecs.has(contentType) && codecs.get(contentType) === codec);
    if (!sameCodec) return rejection(new BastionError('BST_ERR_CODEC_UNSUPPORTED', `${endpoint.endpoint} accepts ${codec.contentType} only`));
    let plain: unknown;
    try {
      plain = decodeBody(codec, body, limits, context);
    } catch (error) {
      return rejection(error);
    }
    if (dto === undefined) return refuseBody(plain);
    return binder.bindNow === undefined ? binder.toInstance(dto, plain) : binder.bindNow(dto, plain);
  };
}

/** A handler without a request DTO takes an empty body or `{}`; anything else is smuggled input. */
function refuseBody(plain: unknown): undefined | Promise<never> {
  const empty = plain === undefined || (typeof plain === 'object' && plain !== null && !Array.isArray(plain) && Object.keys(plain).length === 0);
  if (!empty) return rejection(badRequest([{ path: '(body)', constraints: ['noBody: this endpoint takes no request body'] }]));
  return undefined;
}
