import { statSync } from 'node:fs';
import type * as protobuf from 'protobufjs';
import { BastionError } from '../errors/bastion-error.js';
import { internal } from '../errors/factories.js';
import type { BodyContext, Codec, CodecLimits } from './codec.js';
import { checkBodySize, decodeFailed, unsupportedContentType } from './codec-errors.js';
import { protobufPackage } from './protobuf-package.js';
import { checkWireTypes } from './protobuf-wire.js';
import { toPlainData } from './sanitize.js';
import { checkDecodedValue } from './value-check.js';

/** The message types of one endpoint, by fully qualified name (`greeter.HelloRequest`). */
export interface ProtobufMessages {
  readonly request?: string;
  readonly response?: string;
}

/** Options of the protobuf codec; everything is decided at boot. */
export interface ProtobufCodecOptions {
  /** Local `.proto` files, read once when the codec is built. Never schema text, never peer data (B09). */
  readonly files: readonly string[];
  /** Message types per endpoint (`Class.method`). */
  readonly endpoints: Readonly<Record<string, ProtobufMessages>>;
}

/**
 * How decoded messages become plain values: 64-bit integers as decimal strings (no
 * silent precision loss), enums by name, no defaults filled in, bytes as Buffers.
 */
const TO_OBJECT: protobuf.IConversionOptions = Object.freeze({ longs: String, enums: String, defaults: false, arrays: false, objects: false, oneofs: false });

let StrictReader: typeof protobuf.Reader | undefined;

/**
 * A reader that refuses invalid UTF-8 in every string field. proto3 schemas already verify
 * it; proto2 ones would otherwise decode it with replacement characters (silent
 * corruption). The class extends protobufjs's reader, so it is made once protobufjs is loaded.
 */
function strictReader(bytes: Uint8Array): protobuf.Reader {
  StrictReader ??= class extends protobufPackage().Reader {
    override string(): string {
      return this.stringVerify();
    }
  };
  return new StrictReader(bytes);
}

interface EndpointTypes {
  readonly request: protobuf.Type | undefined;
  readonly response: protobuf.Type | undefined;
}

/**
 * ProtobufCodec reads and writes `application/protobuf` bodies with message types loaded
 * from local `.proto` files at boot, one request and one response type per endpoint.
 * Unknown fields are dropped by the decoder (protobuf's forward-compatibility rule) and
 * never reach the handler; wrong wire types, truncated messages and invalid UTF-8 are `400`s. Decoded
 * messages go through the same key filter and limits as JSON. See docs/security/codecs.md.
 */
export class ProtobufCodec implements Codec {
  readonly name = 'protobuf';
  readonly contentType = 'application/protobuf';
  private readonly types = new Map<string, EndpointTypes>();

  constructor(options: ProtobufCodecOptions) {
    const root = loadLocalSchemas(options.files);
    for (const [endpoint, messages] of Object.entries(options.endpoints)) {
      this.types.set(endpoint, { request: lookup(root, messages.request), response: lookup(root, messages.response) });
    }
  }

  /** Throws at boot when `endpoint` has no message types. */
  supports(endpoint: string): void {
    if (!this.types.has(endpoint)) {
      throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `The protobuf codec has no message types for ${endpoint}`);
    }
  }

  /** Refuses oversized bodies and calls with no message type for this endpoint. */
  checkRaw(bytes: Uint8Array, limits: CodecLimits, context?: BodyContext): void {
    checkBodySize(bytes, limits.maxBytes);
    if (bytes.byteLength > 0) this.typeOf(context);
  }

  /** Decodes the endpoint's message type, converts it to a plain object and applies the shared checks. */
  parse(bytes: Uint8Array, limits: CodecLimits, context?: BodyContext): unknown {
    const type = this.typeOf(context);
    let value: unknown;
    try {
      checkWireTypes(type, bytes);
      value = type.toObject(type.decode(strictReader(bytes)), TO_OBJECT);
    } catch (error) {
      // Wrong wire types (which protobufjs would drop as unknown fields, attack F8), truncation
      // and recursion too deep for the decoder all land here.
      throw decodeFailed('The request body is not a valid protobuf message', error);
    }
    checkDecodedValue(value, limits);
    return value;
  }

  /** Returns plain data with prototype keys dropped; `fromObject` then builds the message from it. */
  sanitize(value: unknown): unknown {
    return toPlainData(value, true);
  }

  /** Encodes a sanitised value as the endpoint's message type; a value of the wrong shape is a `500`. */
  serialize(value: unknown, context?: BodyContext): Uint8Array {
    // Having nothing to encode a result with is this side's configuration error, not the peer's.
    const type = this.typeOf(context, () => internal(new TypeError(`The protobuf codec has no ${context?.body} type for ${context?.endpoint}`)));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw internal(new TypeError(`${context?.endpoint} produced a ${Array.isArray(value) ? 'array' : typeof value}, not a ${type.fullName} message`));
    }
    const problem = type.verify(value);
    if (problem !== null) throw internal(new TypeError(`${context?.endpoint}: ${problem}`));
    try {
      return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
    } catch (error) {
      throw internal(error);
    }
  }

  private typeOf(context: BodyContext | undefined, missing: () => BastionError = unsupportedContentType): protobuf.Type {
    const type = context === undefined ? undefined : this.types.get(context.endpoint)?.[context.body];
    if (type === undefined) throw missing();
    return type;
  }
}

/** Loads `.proto` files from disk; anything that is not an existing local file is refused, naming the source (B09). */
function loadLocalSchemas(files: readonly string[]): protobuf.Root {
  if (!Array.isArray(files) || files.length === 0) throw bootProblem('the protobuf codec needs at least one .proto file');
  for (const file of files) {
    const shown = String(file).slice(0, 80);
    if (typeof file !== 'string' || /[\n{;]/.test(file) || /^[a-z][a-z0-9+.-]*:\/\//i.test(file) || !file.endsWith('.proto')) {
      throw bootProblem(`protobuf schemas are loaded from local .proto files only; refused source '${shown}'`);
    }
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw bootProblem(`protobuf schema file '${shown}' does not exist`);
  }
  try {
    const root = protobufPackage().loadSync([...files]);
    root.resolveAll();
    return root;
  } catch (error) {
    throw bootProblem(`protobuf schema files could not be loaded: ${(error as Error).message}`);
  }
}

function lookup(root: protobuf.Root, name: string | undefined): protobuf.Type | undefined {
  if (name === undefined) return undefined;
  try {
    return root.lookupType(name);
  } catch {
    throw bootProblem(`protobuf message type '${name}' is not in the loaded schemas`);
  }
}

function bootProblem(detail: string): BastionError {
  return new BastionError('BST_ERR_BOOT_INVALID_CONFIG', detail);
}
