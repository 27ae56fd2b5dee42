import 'reflect-metadata';
import { injectable } from 'inversify';
import type { Packr, Unpackr } from 'msgpackr';
import { lazyPackage } from '../lazy/lazy.js';
import { internal } from '../errors/factories.js';
import type { Codec, CodecLimits } from './codec.js';
import { checkBodySize } from './codec-errors.js';
import { scanMessagePack } from './msgpack-scan.js';
import { toPlainData } from './sanitize.js';
import { checkDecodedValue } from './value-check.js';

const msgpackr = lazyPackage<typeof import('msgpackr')>('msgpackr');

/** Options of the MessagePack codec. */
export interface MsgpackCodecOptions {
  /**
   * Extension type codes a peer may send (for example `-1`, the timestamp). None by
   * default: msgpackr's built-in extensions build errors, regular expressions and
   * records, which no request body needs.
   */
  readonly extensions?: readonly number[];
}

/**
 * MsgpackCodec reads and writes `application/msgpack` bodies. The whole body is checked
 * by one linear pass (`scanMessagePack`) before msgpackr decodes it; the decoded value
 * then goes through the same key filter and limits as JSON. Maps decode to plain objects
 * with string keys only. See docs/security/codecs.md.
 */
@injectable()
export class MsgpackCodec implements Codec {
  readonly name = 'msgpack';
  readonly contentType = 'application/msgpack';
  private readonly extensions: ReadonlySet<number>;
  // Made on first use: the default container builds this codec for every application.
  private unpackrInstance: Unpackr | undefined;
  private packrInstance: Packr | undefined;

  constructor(options: MsgpackCodecOptions = {}) {
    this.extensions = new Set(options.extensions ?? []);
  }

  private get unpackr(): Unpackr {
    return (this.unpackrInstance ??= new (msgpackr().Unpackr)({ mapsAsObjects: true, useRecords: false, int64AsType: 'number', moreTypes: false }));
  }

  private get packr(): Packr {
    return (this.packrInstance ??= new (msgpackr().Packr)({ useRecords: false, moreTypes: false }));
  }

  /** Refuses oversized bodies, then scans the whole body once (depth, sizes, keys, UTF-8, extensions). */
  checkRaw(bytes: Uint8Array, limits: CodecLimits): void {
    checkBodySize(bytes, limits.maxBytes);
    if (bytes.byteLength > 0) scanMessagePack(bytes, limits, this.extensions);
  }

  /** Decodes scanned bytes and applies the shared key filter and limits. */
  parse(bytes: Uint8Array, limits: CodecLimits): unknown {
    // A Buffer view, so msgpackr never copies or keeps the caller's memory.
    const value: unknown = this.unpackr.unpack(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    checkDecodedValue(value, limits);
    return value;
  }

  /** Returns plain data: byte arrays kept, dates as ISO strings, functions and prototype keys dropped. */
  sanitize(value: unknown): unknown {
    return toPlainData(value, true);
  }

  /** The MessagePack bytes of a sanitised value. */
  serialize(value: unknown): Uint8Array {
    try {
      return this.packr.pack(value);
    } catch (error) {
      throw internal(error);
    }
  }
}
