// Attack F8: known protobuf fields sent with another wire type. protobufjs drops such a
// field as if it were unknown, so the handler got `{}` where the caller sent a value;
// docs/security/codecs.md promises a 400. Every case below must be refused.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { decodeBody } from '../../src/codec/pipeline.js';
import { ProtobufCodec } from '../../src/codec/protobuf.codec.js';
import { writeProtoFiles } from './proto-fixture.js';
import { throwsBastion } from './support.js';

const PROBE_PROTO = `syntax = "proto3";
package wire;
enum Kind { A = 0; B = 1; }
message Inner { int32 n = 1; }
message Probe {
  int64 big = 1;
  Inner inner = 2;
  fixed32 f32 = 3;
  fixed64 f64 = 4;
  string text = 5;
  Kind kind = 6;
  repeated int32 nums = 7;
  map<string, Inner> by_name = 8;
  double ratio = 9;
  sfixed64 when = 10;
}
`;

/** A proto2 group, the one message kind delimited by tags instead of a length. */
const GROUP_PROTO = `syntax = "proto2";
package legacy;
message Box {
  optional group Meta = 2 { optional int32 a = 1; }
  optional string s = 3;
}
`;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

/** One field on the wire: its tag, then `payload` (a length prefix is added for LEN). */
function field(id: number, wire: number, payload: readonly number[]): number[] {
  return [...varint((id << 3) | wire), ...(wire === LEN ? varint(payload.length) : []), ...payload];
}

const bytes = (...fields: number[][]) => Uint8Array.from(fields.flat());
const EIGHT = [1, 0, 0, 0, 0, 0, 0, 0];
const FOUR = [1, 0, 0, 0];
const limits = DEFAULT_CODEC_LIMITS;
const context = { endpoint: 'Probe.send', body: 'request' } as const;

/** Each: a known field of Probe sent with a wire type its schema does not give it. */
const WRONG_WIRE_TYPES: Record<string, Uint8Array> = {
  'int64 sent as LEN': bytes(field(1, LEN, [0x31])),
  'int64 sent as fixed64': bytes(field(1, I64, EIGHT)),
  'message sent as a varint': bytes(field(2, VARINT, [5])),
  'message sent as fixed32': bytes(field(2, I32, FOUR)),
  'fixed32 sent as a varint': bytes(field(3, VARINT, [7])),
  'fixed32 sent as fixed64': bytes(field(3, I64, EIGHT)),
  'fixed64 sent as fixed32': bytes(field(4, I32, FOUR)),
  'fixed64 sent as a varint': bytes(field(4, VARINT, [7])),
  'string sent as a varint': bytes(field(5, VARINT, [1])),
  'enum sent as fixed32': bytes(field(6, I32, FOUR)),
  'repeated int32 sent as fixed32': bytes(field(7, I32, FOUR)),
  'map sent as a varint': bytes(field(8, VARINT, [1])),
  'map value (a message) sent as a varint': bytes(field(8, LEN, [...field(1, LEN, [0x6b]), ...field(2, VARINT, [1])])),
  'map key (a string) sent as a varint': bytes(field(8, LEN, [...field(1, VARINT, [1]), ...field(2, LEN, [])])),
  'double sent as a varint': bytes(field(9, VARINT, [1])),
  'sfixed64 sent as LEN': bytes(field(10, LEN, [1, 2])),
  'a field of a nested message with the wrong wire type': bytes(field(2, LEN, field(1, LEN, [0x78]))),
  'a wrong field after valid ones': bytes(field(5, LEN, [0x61]), field(1, VARINT, [3]), field(3, VARINT, [1])),
};

describe(ProtobufCodec.name, () => {
  const files = writeProtoFiles({ 'probe.proto': PROBE_PROTO });
  after(() => files.cleanup());
  const schema = join(files.dir, 'probe.proto');
  const codec = new ProtobufCodec({ files: [schema], endpoints: { 'Probe.send': { request: 'wire.Probe' } } });
  const Probe = protobuf.loadSync(schema).lookupType('wire.Probe');

  describe('.parse', () => {
    describe('when a known field arrives with a wire type its schema does not give it (attack F8)', () => {
      for (const [name, body] of Object.entries(WRONG_WIRE_TYPES)) {
        it(`should refuse ${name} with 400 BST_ERR_CODEC_DECODE instead of dropping it`, () => {
          const error = throwsBastion(() => decodeBody(codec, body, limits, context), 'BST_ERR_CODEC_DECODE', 400);
          assert.equal(error.detail, 'The request body is not a valid protobuf message', 'the detail names nothing of the schema');
        });
      }
    });

    describe('when every field arrives with its own wire type', () => {
      it('should decode all of them, nested messages and maps included', () => {
        const message = Probe.fromObject({ big: '9007199254740993', inner: { n: 4 }, f32: 7, f64: '8', text: 'hi', kind: 'B', nums: [1, 2], byName: { k: { n: 1 } }, ratio: 0.5, when: '-3' });
        assert.deepEqual(decodeBody(codec, Probe.encode(message).finish(), limits, context), {
          big: '9007199254740993',
          inner: { n: 4 },
          f32: 7,
          f64: '8',
          text: 'hi',
          kind: 'B',
          nums: [1, 2],
          byName: { k: { n: 1 } },
          ratio: 0.5,
          when: '-3',
        });
      });

      it('should accept a repeated scalar both packed and unpacked, as protobuf parsers must', () => {
        const packed = bytes(field(7, LEN, [1, 2, 3]));
        const unpacked = bytes(field(7, VARINT, [1]), field(7, VARINT, [2]), field(7, VARINT, [3]));
        assert.deepEqual(decodeBody(codec, packed, limits, context), { nums: [1, 2, 3] });
        assert.deepEqual(decodeBody(codec, unpacked, limits, context), { nums: [1, 2, 3] });
      });
    });

    describe('when a proto2 group field arrives', () => {
      const groups = writeProtoFiles({ 'box.proto': GROUP_PROTO });
      after(() => groups.cleanup());
      const boxes = new ProtobufCodec({ files: [join(groups.dir, 'box.proto')], endpoints: { 'Box.put': { request: 'legacy.Box' } } });
      const box = { endpoint: 'Box.put', body: 'request' } as const;

      it('should decode it when it is delimited by its start and end tags', () => {
        assert.deepEqual(decodeBody(boxes, Uint8Array.of(0x13, 0x08, 0x05, 0x14, 0x1a, 0x01, 0x78), limits, box), { meta: { a: 5 }, s: 'x' });
      });

      it('should refuse it sent as LEN, with a wrong wire type inside, or never closed', () => {
        for (const body of [bytes(field(2, LEN, [0x08, 0x05])), Uint8Array.of(0x13, 0x0d, 1, 0, 0, 0, 0x14), Uint8Array.of(0x13, 0x08, 0x05)]) {
          throwsBastion(() => decodeBody(boxes, body, limits, box), 'BST_ERR_CODEC_DECODE', 400);
        }
      });
    });

    describe('when an unknown field arrives with any wire type', () => {
      it('should still drop it (forward compatibility) and keep the known fields', () => {
        const body = bytes(field(5, LEN, [0x61]), field(99, VARINT, [1]), field(98, I64, EIGHT), field(97, LEN, [1, 2]), field(96, I32, FOUR));
        assert.deepEqual(decodeBody(codec, body, limits, context), { text: 'a' });
      });
    });
  });
});
