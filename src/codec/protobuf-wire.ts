import type * as protobuf from 'protobufjs';
import { protobufPackage } from './protobuf-package.js';

type WireTypeTables = Record<'basic' | 'mapKey' | 'packed', Readonly<Record<string, number | undefined>>>;

/** protobufjs's wire type tables; read on first use (protobufjs loads with the first ProtobufCodec). */
let tables: WireTypeTables | undefined;
const wireTypes = (): WireTypeTables => (tables ??= protobufPackage().types as unknown as WireTypeTables);

const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;

/** The scalar type a field is read as on the wire: enums travel as `int32`. */
function wireTypeName(field: protobuf.FieldBase): string {
  return field.resolvedType instanceof protobufPackage().Enum ? 'int32' : field.type;
}

/** The wire type a single value of `field` must arrive with; `delimited`: a proto2 group. */
function expectedWireType(field: protobuf.FieldBase, delimited: boolean): number {
  return wireTypes().basic[wireTypeName(field)] ?? (delimited ? START_GROUP : LENGTH_DELIMITED);
}

/**
 * Checks every field of a protobuf message against the wire type its schema gives it,
 * before protobufjs decodes it. protobufjs treats a known field sent with another wire
 * type as an unknown field and drops it, so an `int64` sent as bytes or a message sent as
 * a varint would reach the handler as an empty message (attack F8); here it throws
 * instead, and the codec answers `400 BST_ERR_CODEC_DECODE`. Repeated scalar fields may
 * arrive packed or not, as the protobuf spec requires of parsers; unknown fields are
 * skipped (forward compatibility). Nesting deeper than protobufjs's own recursion limit
 * throws, as its decoder would.
 */
export function checkWireTypes(type: protobuf.Type, bytes: Uint8Array): void {
  const reader = protobufPackage().Reader.create(bytes);
  walk(reader, reader.len, type, 0, undefined);
}

function walk(reader: protobuf.Reader, end: number, type: protobuf.Type, depth: number, group: number | undefined): void {
  if (depth > protobufPackage().Reader.recursionLimit) throw new Error('max depth exceeded');
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    if (id === 0) throw new Error('illegal tag: field number 0');
    if (wire === END_GROUP) {
      if (id === group) return;
      throw new Error('unexpected end group tag');
    }
    const field = type.fieldsById[id];
    if (field === undefined) reader.skipType(wire, depth, id);
    else checkField(reader, end, field, wire, depth);
  }
  if (reader.pos > end) throw new RangeError('a field runs past the end of its message');
  if (group !== undefined) throw new Error('missing end group tag');
}

function checkField(reader: protobuf.Reader, end: number, field: protobuf.Field, wire: number, depth: number): void {
  if (field instanceof protobufPackage().MapField) {
    if (wire !== LENGTH_DELIMITED) throw wrongWireType(field, wire);
    return within(reader, end, (entryEnd) => checkMapEntry(reader, entryEnd, field, depth));
  }
  if (field.repeated && wire === LENGTH_DELIMITED && wireTypes().packed[wireTypeName(field)] !== undefined) return void reader.skipType(wire);
  if (wire !== expectedWireType(field, field.delimited)) throw wrongWireType(field, wire);
  const nested = field.resolvedType instanceof protobufPackage().Type ? field.resolvedType : undefined;
  if (nested === undefined) return void reader.skipType(wire);
  if (wire === START_GROUP) return walk(reader, end, nested, depth + 1, field.id);
  within(reader, end, (messageEnd) => walk(reader, messageEnd, nested, depth + 1, undefined));
}

/** A map entry is a message with the key as field 1 and the value as field 2. */
function checkMapEntry(reader: protobuf.Reader, end: number, field: protobuf.MapField, depth: number): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    const id = tag >>> 3;
    if (id === 1 && wire !== wireTypes().mapKey[field.keyType]) throw wrongWireType(field, wire, 'key');
    if (id === 2 && wire !== expectedWireType(field, false)) throw wrongWireType(field, wire, 'value');
    if (id === 2 && field.resolvedType instanceof protobufPackage().Type) {
      const value = field.resolvedType;
      within(reader, end, (valueEnd) => walk(reader, valueEnd, value, depth + 1, undefined));
    } else reader.skipType(wire, depth, id);
  }
}

/** Reads a length prefix and runs `check` over exactly that many bytes. */
function within(reader: protobuf.Reader, end: number, check: (innerEnd: number) => void): void {
  const length = reader.uint32();
  const innerEnd = reader.pos + length;
  if (innerEnd > end) throw new RangeError('a length runs past the end of its message');
  check(innerEnd);
  if (reader.pos !== innerEnd) throw new RangeError('a nested message runs past its length');
}

function wrongWireType(field: protobuf.FieldBase, wire: number, part?: string): Error {
  return new Error(`field ${field.id}${part === undefined ? '' : ` ${part}`} sent with wire type ${wire}`);
}
