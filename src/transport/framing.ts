/**
 * The wire format of the transport (docs/wire-protocol.md): a 4-byte big-endian length N,
 * then N payload bytes holding a kind, a call id, a JSON header and the body.
 */
import { BastionError, sealWireError, type FieldError, type WireError } from '../errors/bastion-error.js';
import { frameTooLarge } from '../errors/factories.js';
import { DEFAULT_MAX_FRAME_BYTES } from './options.js';
import { freezeMetadata, hasMetadataKeys, metadataProblem } from './call-metadata.js';
import type { CallMetadata, RequestHeader } from './transport.js';

/** The kind byte of each frame. */
export const FRAME_KIND = Object.freeze({ request: 1, response: 2, error: 3, cancel: 4, ping: 5, pong: 6 });

/** The name of a frame kind. */
export type FrameKind = keyof typeof FRAME_KIND;

/** Bytes of the length prefix in front of every payload. */
export const FRAME_PREFIX_BYTES = 4;

/** Bytes of a payload before its header: kind (1), call id (4) and header length (4). */
export const FRAME_FIXED_BYTES = 9;

const MAX_UINT32 = 0xffffffff;

/** Largest call id; ids are unsigned 32-bit. */
export const MAX_CALL_ID = MAX_UINT32;

/** One frame of the protocol, encoded by `encodeFrame` and decoded by `FrameDecoder`. */
export type Frame =
  | { readonly kind: 'request'; readonly callId: number; readonly header: RequestHeader; readonly body: Uint8Array }
  | { readonly kind: 'response'; readonly callId: number; readonly contentType: string; readonly body: Uint8Array }
  | { readonly kind: 'error'; readonly callId: number; readonly error: WireError }
  | { readonly kind: 'cancel' | 'ping' | 'pong'; readonly callId: number; readonly body: Uint8Array };

const KIND_BY_BYTE: readonly (FrameKind | undefined)[] = [undefined, 'request', 'response', 'error', 'cancel', 'ping', 'pong'];
const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A `BST_ERR_TRANSPORT_MALFORMED_FRAME` error; the detail never echoes peer bytes. */
export function malformedFrame(detail: string): BastionError {
  return new BastionError('BST_ERR_TRANSPORT_MALFORMED_FRAME', `The frame is malformed: ${detail}`);
}

/** Most (service, endpoint, content type) header prefixes kept; the cache starts over beyond it. */
export const MAX_HEADER_PREFIXES = 1024;

/** One endpoint's request header: its prefix, and the whole header of its last call without metadata. */
interface HeaderPrefix {
  readonly prefix: string;
  timeoutMs: number;
  bare: Buffer | undefined;
}

const headerPrefixes = new Map<string, Map<string, Map<string, HeaderPrefix>>>();
let headerPrefixCount = 0;

/**
 * `{"service":…,"endpoint":…,"contentType":…,"metadata":` for one endpoint, built once:
 * a client sends the same few endpoints over and over. Bounded, as names may come from a caller.
 */
function headerPrefix(service: string, endpoint: string, contentType: string): HeaderPrefix {
  const known = headerPrefixes.get(service)?.get(endpoint)?.get(contentType);
  if (known !== undefined) return known;
  if (headerPrefixCount >= MAX_HEADER_PREFIXES) {
    headerPrefixes.clear();
    headerPrefixCount = 0;
  }
  let byService = headerPrefixes.get(service);
  if (byService === undefined) headerPrefixes.set(service, (byService = new Map()));
  let byEndpoint = byService.get(endpoint);
  if (byEndpoint === undefined) byService.set(endpoint, (byEndpoint = new Map()));
  const entry: HeaderPrefix = { prefix: `${JSON.stringify({ service, endpoint, contentType }).slice(0, -1)},"metadata":`, timeoutMs: Number.NaN, bare: undefined };
  byEndpoint.set(contentType, entry);
  headerPrefixCount += 1;
  return entry;
}

/**
 * A request's header. Most calls carry no metadata and the client's usual timeout: the
 * encoded header of the endpoint's last such call is sent again.
 */
function requestHeaderOf(header: RequestHeader): string | Buffer {
  const { service, endpoint, contentType, metadata, timeoutMs } = header;
  const entry = headerPrefix(service, endpoint, contentType);
  if (hasMetadataKeys(metadata)) return `${entry.prefix}${JSON.stringify(metadata)},"timeoutMs":${JSON.stringify(timeoutMs)}}`;
  if (entry.bare === undefined || entry.timeoutMs !== timeoutMs) {
    entry.bare = Buffer.from(`${entry.prefix}{},"timeoutMs":${JSON.stringify(timeoutMs)}}`);
    entry.timeoutMs = timeoutMs;
  }
  return entry.bare;
}

/** How many request header prefixes are cached now (at most `MAX_HEADER_PREFIXES`). */
export function cachedHeaderPrefixes(): number {
  return headerPrefixCount;
}

/**
 * Headers a peer sent (request, reply or error) above this size are never kept decoded, and
 * error headers this side writes above it are not kept encoded: the caches are bounded in
 * entries, and this bounds each entry, so a peer that varies huge headers cannot make the
 * other side hold them (attack A8-F8, A8-F9). The encoded request and reply headers this
 * side keeps are keyed by its own service, endpoint and content type names.
 */
export const MAX_CACHED_HEADER_BYTES = 1024;
const responseHeaders = new Map<string, Buffer>();
const errorHeaders = new Map<string, { readonly wire: WireError; readonly bytes: Buffer }>();

function headerOf(frame: Frame): string | Buffer {
  switch (frame.kind) {
    case 'request':
      return requestHeaderOf(frame.header);
    case 'response':
      return responseHeader(frame.contentType);
    case 'error':
      return errorHeader(frame.error);
    default:
      return '';
  }
}

function responseHeader(contentType: string): Buffer {
  let bytes = responseHeaders.get(contentType);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify({ contentType }));
    if (responseHeaders.size >= MAX_HEADER_PREFIXES) responseHeaders.clear();
    responseHeaders.set(contentType, bytes);
  }
  return bytes;
}

/**
 * Whether an error's header is worth keeping: refusals repeat (the same `400` for the same
 * bad fields, call after call), but a retry-after below a second changes with every call.
 */
function repeats(retryAfterMs: number | undefined): boolean {
  return retryAfterMs === undefined || retryAfterMs % 1000 === 0;
}

/**
 * Encoding a refusal's header cost more than the rest of the refusal: one that repeats is
 * kept, encoded, by its detail and compared field by field.
 */
function errorHeader(error: WireError): string | Buffer {
  const { id, code, status, detail, retryAfterMs } = error;
  const known = repeats(retryAfterMs) ? errorHeaders.get(detail) : undefined;
  if (known !== undefined && sameWireError(known.wire, error)) return known.bytes;
  // Only the declared parts of each field go out: they are all the cache compares, so anything
  // else a field object carried would be sent again to later callers with the same refusal.
  // A copy, too: the error's arrays belong to whoever made it.
  const fields = error.fields?.map((field) => ({ path: field.path, constraints: [...field.constraints] }));
  if (!repeats(retryAfterMs)) return JSON.stringify({ id, code, status, detail, fields, retryAfterMs });
  const bytes = Buffer.from(JSON.stringify({ id, code, status, detail, fields, retryAfterMs }));
  if (bytes.byteLength > MAX_CACHED_HEADER_BYTES) return bytes;
  if (errorHeaders.size >= MAX_CACHED_HEADERS) errorHeaders.clear();
  errorHeaders.set(detail, { wire: { id, code, status, detail, ...(fields === undefined ? {} : { fields }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }, bytes });
  return bytes;
}

function sameWireError(a: WireError, b: WireError): boolean {
  if (a.id !== b.id || a.code !== b.code || a.status !== b.status || a.detail !== b.detail || a.retryAfterMs !== b.retryAfterMs) return false;
  const x = a.fields;
  const y = b.fields;
  if (x === undefined || y === undefined) return x === y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const f = x[i] as FieldError;
    const g = y[i] as FieldError;
    if (f.path !== g.path || f.constraints.length !== g.constraints.length) return false;
    for (let j = 0; j < f.constraints.length; j++) if (f.constraints[j] !== g.constraints[j]) return false;
  }
  return true;
}

/**
 * Encodes one frame into a single buffer. Throws `BST_ERR_TRANSPORT_FRAME_TOO_LARGE`
 * before allocating when the payload would exceed `maxFrameBytes`.
 */
export function encodeFrame(frame: Frame, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  if (!Number.isInteger(frame.callId) || frame.callId < 0 || frame.callId > MAX_UINT32) {
    throw new RangeError('a call id must be an unsigned 32-bit integer');
  }
  const header = headerOf(frame);
  const headerLength = typeof header === 'string' ? Buffer.byteLength(header, 'utf8') : header.byteLength;
  const body = frame.kind === 'error' ? EMPTY : frame.body;
  const payloadLength = FRAME_FIXED_BYTES + headerLength + body.byteLength;
  if (payloadLength > maxFrameBytes || payloadLength > MAX_UINT32) throw frameTooLarge(maxFrameBytes);
  const buffer = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + payloadLength);
  buffer.writeUInt32BE(payloadLength, 0);
  buffer.writeUInt8(FRAME_KIND[frame.kind], 4);
  buffer.writeUInt32BE(frame.callId, 5);
  buffer.writeUInt32BE(headerLength, 9);
  const bodyOffset = FRAME_PREFIX_BYTES + FRAME_FIXED_BYTES + headerLength;
  if (typeof header !== 'string') buffer.set(header, FRAME_PREFIX_BYTES + FRAME_FIXED_BYTES);
  else if (headerLength > 0) buffer.write(header, FRAME_PREFIX_BYTES + FRAME_FIXED_BYTES, headerLength, 'utf8');
  buffer.set(body, bodyOffset);
  return buffer;
}

function readUInt32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] as number) * 0x1000000 + (((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw malformedFrame('the header is not UTF-8 JSON');
  }
}

function parseHeaderText(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformedFrame('the header is not UTF-8 JSON');
  }
  if (!isRecord(parsed)) throw malformedFrame('the header is not a JSON object');
  return parsed;
}

/** Most decoded headers kept by their exact text; the cache starts over beyond it, as the text comes from a peer. */
export const MAX_CACHED_HEADERS = 256;
const requestHeaders = new Map<string, RequestHeader>();
const responseContentTypes = new Map<string, string>();

/**
 * A request header, parsed and checked once per distinct text: a client sends the same
 * service, endpoint, content type and timeout over and over. Only headers without metadata
 * are kept (metadata such as trace ids differs from call to call); the result is frozen.
 */
function requestHeader(bytes: Uint8Array): RequestHeader {
  // The same header as the last one (the usual case: one client, one endpoint) is found by a
  // byte comparison, without decoding the text or hashing it.
  if (lastRequest !== undefined && lastRequest.bytes.equals(bytes)) return lastRequest.header;
  const text = headerText(bytes);
  let header = requestHeaders.get(text);
  if (header === undefined) {
    header = parseRequestHeader(parseHeaderText(text));
    if (header.metadata !== NO_METADATA || bytes.byteLength > MAX_CACHED_HEADER_BYTES) return header;
    if (requestHeaders.size >= MAX_CACHED_HEADERS) requestHeaders.clear();
    requestHeaders.set(text, header);
  }
  // A copy: the bytes are a view into a socket chunk the frame would otherwise keep alive.
  lastRequest = { bytes: Buffer.from(bytes), header };
  return header;
}

let lastRequest: { readonly bytes: Buffer; readonly header: RequestHeader } | undefined;

function responseContentType(bytes: Uint8Array): string {
  // As for requests: the same header as the last reply's is found by its bytes alone.
  if (lastResponse !== undefined && lastResponse.bytes.equals(bytes)) return lastResponse.contentType;
  const text = headerText(bytes);
  let contentType = responseContentTypes.get(text);
  if (contentType === undefined) {
    contentType = requireString(parseHeaderText(text), 'contentType');
    if (bytes.byteLength > MAX_CACHED_HEADER_BYTES) return contentType;
    if (responseContentTypes.size >= MAX_CACHED_HEADERS) responseContentTypes.clear();
    responseContentTypes.set(text, contentType);
  }
  lastResponse = { bytes: Buffer.from(bytes), contentType };
  return contentType;
}

let lastResponse: { readonly bytes: Buffer; readonly contentType: string } | undefined;

const wireErrors = new Map<string, WireError>();

/** An error header, parsed and checked once per distinct text (refusals repeat); one with a retry-after below a second is parsed each time. */
function wireError(bytes: Uint8Array): WireError {
  // The same refusal as the last one (a client refused over and over) is found by its bytes alone.
  if (lastError !== undefined && lastError.bytes.equals(bytes)) return lastError.wire;
  const text = headerText(bytes);
  const known = wireErrors.get(text);
  if (known !== undefined) {
    lastError = { bytes: Buffer.from(bytes), wire: known };
    return known;
  }
  const parsed = parseWireError(parseHeaderText(text));
  if (!repeats(parsed.retryAfterMs) || bytes.byteLength > MAX_CACHED_HEADER_BYTES) return Object.freeze(parsed);
  // Sealed: shared by every call that receives the same header.
  const wire = sealWireError(parsed);
  if (wireErrors.size >= MAX_CACHED_HEADERS) wireErrors.clear();
  wireErrors.set(text, wire);
  lastError = { bytes: Buffer.from(bytes), wire };
  return wire;
}

let lastError: { readonly bytes: Buffer; readonly wire: WireError } | undefined;

/** How many error headers are kept now, encoded and decoded (each at most `MAX_CACHED_HEADERS`). */
export function cachedErrorHeaders(): { readonly encoded: number; readonly decoded: number } {
  return { encoded: errorHeaders.size, decoded: wireErrors.size };
}

/** How many decoded request headers are cached now (at most `MAX_CACHED_HEADERS`). */
export function cachedRequestHeaders(): number {
  return requestHeaders.size;
}

function requireString(header: Record<string, unknown>, name: string): string {
  const value = header[name];
  if (typeof value !== 'string') throw malformedFrame(`the header field '${name}' must be a string`);
  return value;
}

function parseMetadata(value: unknown): CallMetadata {
  if (!isRecord(value)) throw malformedFrame("the header field 'metadata' must be an object");
  if (!hasMetadataKeys(value)) return NO_METADATA;
  // Bounded (keys, bytes) and without prototype keys, so metadata a handler forwards stays small and inert.
  const problem = metadataProblem(value);
  if (problem !== undefined) throw malformedFrame(problem);
  return freezeMetadata(value as Record<string, string>);
}

/** One frozen `{}` for the many calls that carry no metadata, instead of a copy each. */
const NO_METADATA: CallMetadata = Object.freeze({});

function parseRequestHeader(header: Record<string, unknown>): RequestHeader {
  const timeoutMs = header['timeoutMs'];
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw malformedFrame("the header field 'timeoutMs' must be a non-negative number");
  }
  return Object.freeze({
    service: requireString(header, 'service'),
    endpoint: requireString(header, 'endpoint'),
    contentType: requireString(header, 'contentType'),
    metadata: parseMetadata(header['metadata']),
    timeoutMs,
  });
}

function parseWireError(header: Record<string, unknown>): { -readonly [K in keyof WireError]: WireError[K] } {
  const code = header['code'];
  if (typeof code !== 'number' || !Number.isInteger(code)) throw malformedFrame("the header field 'code' must be an integer");
  const wire: { -readonly [K in keyof WireError]: WireError[K] } = {
    id: requireString(header, 'id'),
    code,
    status: requireString(header, 'status'),
    detail: requireString(header, 'detail'),
  };
  const { fields, retryAfterMs } = header;
  if (fields !== undefined) {
    if (!Array.isArray(fields)) throw malformedFrame("the header field 'fields' must be an array");
    wire.fields = fields.map((field: unknown) => {
      const constraints: unknown = isRecord(field) ? field['constraints'] : undefined;
      // Peer values are checked, never coerced: String() on a crafted object throws (attack F1).
      if (!isRecord(field) || typeof field['path'] !== 'string' || !Array.isArray(constraints) || !constraints.every((c) => typeof c === 'string')) {
        throw malformedFrame("each entry of 'fields' needs a string path and string constraints");
      }
      return { path: field['path'], constraints: constraints as string[] };
    });
  }
  if (retryAfterMs !== undefined) {
    if (typeof retryAfterMs !== 'number' || !Number.isFinite(retryAfterMs)) {
      throw malformedFrame("the header field 'retryAfterMs' must be a number");
    }
    wire.retryAfterMs = retryAfterMs;
  }
  return wire;
}

/** Decodes one payload (the bytes after the length prefix). Throws a malformed-frame error. */
export function decodePayload(payload: Uint8Array): Frame {
  if (payload.byteLength < FRAME_FIXED_BYTES) throw malformedFrame('the payload is shorter than its fixed fields');
  const kind = KIND_BY_BYTE[payload[0] as number];
  if (kind === undefined) throw malformedFrame('unknown frame kind');
  const callId = readUInt32(payload, 1);
  const headerLength = readUInt32(payload, 5);
  if (headerLength > payload.byteLength - FRAME_FIXED_BYTES) throw malformedFrame('the header length runs past the payload');
  const headerBytes = payload.subarray(FRAME_FIXED_BYTES, FRAME_FIXED_BYTES + headerLength);
  const body = payload.subarray(FRAME_FIXED_BYTES + headerLength);
  switch (kind) {
    case 'request':
      return { kind, callId, header: requestHeader(headerBytes), body };
    case 'response':
      return { kind, callId, contentType: responseContentType(headerBytes), body };
    case 'error':
      return { kind, callId, error: wireError(headerBytes) };
    default:
      if (headerLength !== 0) throw malformedFrame(`a ${kind} frame carries no header`);
      return { kind, callId, body };
  }
}

/** Pieces of a spanning frame below this size are copied together; larger ones are kept as they came. */
const SMALL_PIECES_BYTES = 4096;

/** Receives each complete frame, in order; it must not throw. */
export type FrameSink = (frame: Frame) => void;

/**
 * FrameDecoder turns a byte stream, cut anywhere, into frames. The declared length is
 * checked as soon as the prefix is in, before anything is buffered for the payload (B11);
 * partial prefixes and payloads are kept until the rest arrives (B13).
 */
export class FrameDecoder {
  private readonly prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
  private prefixBytes = 0;
  /** Declared payload length of the frame being read, or -1 between frames. */
  private expected = -1;
  /** The unfinished frame's bytes so far, in order: views of large chunks, copies of small ones. */
  private parts: Buffer[] = [];
  private staged = 0;
  /** The buffer small pieces are copied into while it is the last part, and how much of it is used. */
  private tail: Buffer | undefined;
  private tailUsed = 0;
  private failure: BastionError | undefined;

  constructor(readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /** True while a frame has started but not finished; the frame-read timeout runs then. */
  get pending(): boolean {
    return this.prefixBytes > 0 || this.expected >= 0;
  }

  /** Bytes held for the unfinished frame. */
  get bufferedBytes(): number {
    return this.prefixBytes + this.staged;
  }

  /**
   * Feeds one chunk and hands every frame it completes to `sink`. Throws a BastionError
   * (`FRAME_TOO_LARGE` or `MALFORMED_FRAME`) at the first bad frame, after the frames
   * before it were delivered; the decoder then refuses any further input. Frame bodies, and
   * a large piece of an unfinished frame, are views of `chunk`: never reuse a chunk pushed.
   */
  push(chunk: Uint8Array, sink: FrameSink): void {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.consume(chunk, sink);
    } catch (error) {
      // Whatever a crafted frame makes a parser throw is the frame's fault, and typed as such.
      const failure = BastionError.is(error) ? error : malformedFrame('the frame could not be decoded');
      this.fail(failure);
      throw failure;
    }
  }

  private consume(chunk: Uint8Array, sink: FrameSink): void {
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.expected < 0) {
        const length = this.readPrefix(chunk, offset);
        offset += length.used;
        if (length.value === undefined) return;
        this.expected = this.checkLength(length.value);
      }
      const remaining = chunk.byteLength - offset;
      if (remaining === 0) return;
      if (this.staged === 0 && remaining >= this.expected) {
        const payload = chunk.subarray(offset, offset + this.expected);
        offset += this.expected;
        this.expected = -1;
        sink(decodePayload(payload));
        continue;
      }
      offset += this.stage(chunk, offset);
      if (this.staged < this.expected) return;
      const payload = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.expected);
      this.resetParts();
      this.expected = -1;
      sink(decodePayload(payload));
    }
  }

  private readPrefix(chunk: Uint8Array, offset: number): { used: number; value: number | undefined } {
    if (this.prefixBytes === 0 && chunk.byteLength - offset >= FRAME_PREFIX_BYTES) {
      return { used: FRAME_PREFIX_BYTES, value: readUInt32(chunk, offset) };
    }
    const used = Math.min(FRAME_PREFIX_BYTES - this.prefixBytes, chunk.byteLength - offset);
    this.prefix.set(chunk.subarray(offset, offset + used), this.prefixBytes);
    this.prefixBytes += used;
    if (this.prefixBytes < FRAME_PREFIX_BYTES) return { used, value: undefined };
    this.prefixBytes = 0;
    return { used, value: readUInt32(this.prefix, 0) };
  }

  private checkLength(length: number): number {
    if (length > this.maxFrameBytes) throw frameTooLarge(this.maxFrameBytes);
    if (length < FRAME_FIXED_BYTES) throw malformedFrame('the payload is shorter than its fixed fields');
    return length;
  }

  /**
   * Keeps what the chunk holds of a frame that spans chunks; the frame is joined once, when
   * complete. A large piece is kept as a view of its chunk (a chunk in the middle of a frame
   * is all frame, so nothing else is held); small pieces are copied into buffers of at most
   * `SMALL_PIECES_BYTES`, so a peer trickling tiny chunks cannot make each cost an object.
   * What is held stays within the frame bytes received, the start of the chunk the frame
   * began in, and the unused room of one small-piece buffer; never past the declared length.
   */
  private stage(chunk: Uint8Array, offset: number): number {
    const used = Math.min(this.expected - this.staged, chunk.byteLength - offset);
    const piece = chunk.subarray(offset, offset + used);
    if (used >= SMALL_PIECES_BYTES) {
      this.trimTail();
      this.parts.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    } else {
      this.copySmall(piece);
    }
    this.staged += used;
    return used;
  }

  /**
   * Copies a small piece into the small-piece buffer, filling its room before a new one is
   * started, so only the last buffer ever has unused room (pieces of 2 and 4095 bytes in turn
   * cannot leave a mostly empty buffer behind each). The buffer is kept whole in `parts`, not
   * as a view of its used bytes: a buffer is never larger than what is left of the frame, so
   * it is full by the time the frame completes, and `trimTail` cuts it if a large piece comes.
   */
  private copySmall(piece: Uint8Array): void {
    let copied = 0;
    const tail = this.tail;
    if (tail !== undefined) {
      const room = tail.byteLength - this.tailUsed;
      if (room >= piece.byteLength) {
        tail.set(piece, this.tailUsed);
        this.tailUsed += piece.byteLength;
        return;
      }
      if (room > 0) tail.set(piece.subarray(0, room), this.tailUsed);
      copied = room;
    }
    const next = Buffer.allocUnsafe(Math.min(this.expected - this.staged - copied, SMALL_PIECES_BYTES));
    next.set(copied === 0 ? piece : piece.subarray(copied), 0);
    this.tail = next;
    this.tailUsed = piece.byteLength - copied;
    this.parts.push(next);
  }

  /** Closes the small-piece buffer; its unused room is given back, so pieces that alternate in size cannot double what is held. */
  private trimTail(): void {
    if (this.tail === undefined) return;
    if (this.tailUsed < this.tail.byteLength) {
      const exact = Buffer.allocUnsafeSlow(this.tailUsed);
      this.tail.copy(exact, 0, 0, this.tailUsed);
      this.parts[this.parts.length - 1] = exact;
    }
    this.tail = undefined;
  }

  private resetParts(): void {
    this.parts = [];
    this.staged = 0;
    this.tail = undefined;
    this.tailUsed = 0;
  }

  private fail(error: BastionError): void {
    this.failure = error;
    this.resetParts();
    this.prefixBytes = 0;
    this.expected = -1;
  }
}
