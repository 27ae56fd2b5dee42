import type { CodecLimits, CodecLookup } from '../codec/codec.js';
import { decodeBody } from '../codec/pipeline.js';
import { BastionError } from '../errors/bastion-error.js';
import { badRequest } from '../errors/factories.js';
import { rejection } from '../errors/rejection.js';
import { Refused } from '../errors/refused.js';
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
export function requestBinding(endpoint: EndpointDescriptor, codecs: CodecLookup, limits: CodecLimits, binder: Binder, refusalsAsValues = false): RequestBinding {
  const codec = codecs.get(endpoint.codec);
  const dto = endpoint.request;
  const context = { endpoint: endpoint.endpoint, body: 'request' } as const;
  // The server's own synchronous path takes a refusal as a value (errors/refused.ts); anyone else a rejection.
  const refuse: (error: unknown) => Refused | Promise<never> = refusalsAsValues ? (error) => new Refused(error) : rejection;
  const bind = refusalsAsValues && binder.bindOrRefuse !== undefined ? binder.bindOrRefuse.bind(binder) : binder.bindNow === undefined ? binder.toInstance.bind(binder) : binder.bindNow.bind(binder);
  return (contentType, body) => {
    const sameCodec = contentType === codec.contentType || (codecs.has(contentType) && codecs.get(contentType) === codec);
    if (!sameCodec) return refuse(new BastionError('BST_ERR_CODEC_UNSUPPORTED', `${endpoint.endpoint} accepts ${codec.contentType} only`));
    let plain: unknown;
    try {
      plain = decodeBody(codec, body, limits, context);
    } catch (error) {
      return refuse(error);
    }
    if (dto === undefined) return isEmptyBody(plain) ? undefined : refuse(badRequest([{ path: '(body)', constraints: ['noBody: this endpoint takes no request body'] }]));
    return bind(dto, plain);
  };
}

/** A handler without a request DTO takes an empty body or `{}`; anything else is smuggled input. */
function isEmptyBody(plain: unknown): boolean {
  return plain === undefined || (typeof plain === 'object' && plain !== null && !Array.isArray(plain) && Object.keys(plain).length === 0);
}
