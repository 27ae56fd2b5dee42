import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { encodeFrame, FrameDecoder, FRAME_KIND, type Frame } from '../../src/transport/framing.js';

const LIMIT = 1024;

const request: Frame = {
  kind: 'request',
  callId: 7,
  header: { service: 'greeter', endpoint: 'Greeter.hello', contentType: 'application/json', metadata: { trace: 'abc' }, timeoutMs: 250 },
  body: new TextEncoder().encode('{"name":"ada"}'),
};
const response: Frame = { kind: 'response', callId: 7, contentType: 'application/json', body: new TextEncoder().encode('{"greeting":"hi"}') };
const failure: Frame = {
  kind: 'error',
  callId: 8,
  error: { id: 'BST_ERR_VALIDATION_FAILED', code: 400, status: 'Bad Request', detail: 'bad', fields: [{ path: 'name', constraints: ['isString'] }], retryAfterMs: 5 },
};
const controls: Frame[] = [
  { kind: 'cancel', callId: 9, body: new Uint8Array(0) },
  { kind: 'ping', callId: 10, body: Uint8Array.of(1, 2, 3) },
  { kind: 'pong', callId: 0xffffffff, body: Uint8Array.of(1, 2, 3) },
];

/** Frames with bodies as hex, so Buffer views and Uint8Arrays compare equal. */
function plain(frame: Frame): unknown {
  return 'body' in frame ? { ...frame, body: Buffer.from(frame.body).toString('hex') } : frame;
}

function decodeChunks(chunks: readonly Uint8Array[], limit = LIMIT): Frame[] {
  const decoder = new FrameDecoder(limit);
  const frames: Frame[] = [];
  for (const chunk of chunks) decoder.push(chunk, (frame) => frames.push(frame));
  assert.equal(decoder.pending, false);
  return frames;
}

/** A frame assembled by hand, to build payloads `encodeFrame` would never produce. */
function rawFrame(kind: number, header: string | Uint8Array, body: Uint8Array = new Uint8Array(0), callId = 1): Buffer {
  const headerBytes = typeof header === 'string' ? Buffer.from(header, 'utf8') : Buffer.from(header);
  const payload = Buffer.alloc(9 + headerBytes.length + body.length);
  payload.writeUInt8(kind, 0);
  payload.writeUInt32BE(callId, 1);
  payload.writeUInt32BE(headerBytes.length, 5);
  headerBytes.copy(payload, 9);
  payload.set(body, 9 + headerBytes.length);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(payload.length);
  return Buffer.concat([prefix, payload]);
}

function prefixOf(length: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return prefix;
}

function assertRefused(bytes: Uint8Array, id: string): void {
  const decoder = new FrameDecoder(LIMIT);
  assert.throws(
    () => decoder.push(bytes, () => assert.fail('no frame expected')),
    (error: unknown) => BastionError.is(error) && error.id === id,
  );
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('encodeFrame', () => {
  describe('when given a frame of each kind', () => {
    for (const frame of [request, response, failure, ...controls]) {
      it(`should round-trip a ${frame.kind} frame through FrameDecoder`, () => {
        const bytes = encodeFrame(frame, LIMIT);
        assert.equal(bytes.readUInt32BE(0), bytes.length - 4);
        assert.equal(bytes[4], FRAME_KIND[frame.kind]);
        assert.deepEqual(decodeChunks([bytes]).map(plain), [plain(frame)]);
      });
    }
  });

  describe('when the payload would exceed maxFrameBytes', () => {
    it('should throw BST_ERR_TRANSPORT_FRAME_TOO_LARGE', () => {
      const big: Frame = { ...response, body: new Uint8Array(LIMIT) } as Frame;
      assert.throws(() => encodeFrame(big, LIMIT), (error: unknown) => BastionError.hasId(error, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE'));
    });
  });

  describe('when the call id is not an unsigned 32-bit integer', () => {
    it('should throw a RangeError', () => {
      assert.throws(() => encodeFrame({ kind: 'ping', callId: 2 ** 32, body: new Uint8Array(0) }), RangeError);
      assert.throws(() => encodeFrame({ kind: 'ping', callId: -1, body: new Uint8Array(0) }), RangeError);
    });
  });

  describe('when a request carries fields beyond the header shape', () => {
    it('should encode only the declared header fields', () => {
      const header = { ...(request as Frame & { kind: 'request' }).header, secret: 'x' };
      const bytes = encodeFrame({ ...request, header } as Frame, LIMIT);
      assert.equal(bytes.includes('secret'), false);
    });
  });

  describe('when requests go to more endpoints than the header cache keeps, with names JSON must escape', () => {
    it('should encode every header exactly as sent, before and after the cache starts over', () => {
      const headers = Array.from({ length: 1500 }, (_, i) => ({
        service: `svc"${i % 3}\u2028`,
        endpoint: `E\\${i}`,
        contentType: i % 2 === 0 ? 'application/json' : 'application/msgpack',
        metadata: (i % 5 === 0 ? { 'trace-id': `t${i}` } : {}) as Record<string, string>,
        timeoutMs: i,
      }));
      for (const header of [...headers, ...headers.slice(0, 10)]) {
        const [decoded] = decodeChunks([encodeFrame({ kind: 'request', callId: 1, header, body: new Uint8Array(0) }, LIMIT)]);
        assert.deepEqual(decoded?.kind === 'request' ? { ...decoded.header, metadata: { ...decoded.header.metadata } } : decoded, header);
      }
    });
  });
});

describe(FrameDecoder.name, () => {
  const three = [request, response, failure].map((frame) => encodeFrame(frame, LIMIT));
  const stream = Buffer.concat(three);
  const expected = [request, response, failure].map(plain);

  describe('.push', () => {
    describe('when three frames arrive one byte per chunk', () => {
      it('B13: should deliver three frames, in order and byte-identical', () => {
        const chunks = [...stream].map((byte) => Uint8Array.of(byte));
        assert.deepEqual(decodeChunks(chunks).map(plain), expected);
      });
    });

    describe('when a chunk ends inside the length prefix', () => {
      it('B13: should buffer the two prefix bytes and decode the rest', () => {
        assert.deepEqual(decodeChunks([stream.subarray(0, 2), stream.subarray(2)]).map(plain), expected);
      });
    });

    describe('when three frames arrive in one chunk', () => {
      it('B13: should deliver all three, in order', () => {
        assert.deepEqual(decodeChunks([stream]).map(plain), expected);
      });
    });

    describe('when one and a half frames arrive, then the rest', () => {
      it('B13: should keep the half frame and complete it with the remainder', () => {
        const cut = (three[0] as Buffer).length + Math.floor((three[1] as Buffer).length / 2);
        const decoder = new FrameDecoder(LIMIT);
        const frames: Frame[] = [];
        decoder.push(stream.subarray(0, cut), (frame) => frames.push(frame));
        assert.equal(frames.length, 1);
        assert.equal(decoder.pending, true);
        decoder.push(stream.subarray(cut), (frame) => frames.push(frame));
        assert.deepEqual(frames.map(plain), expected);
      });
    });

    describe('when the stream is cut at random places', () => {
      it('B13: should decode every frame for 200 seeded random splits', () => {
        const random = seededRandom(0xb13);
        for (let trial = 0; trial < 200; trial += 1) {
          const chunks: Buffer[] = [];
          for (let offset = 0; offset < stream.length; ) {
            const size = 1 + Math.floor(random() * 40);
            chunks.push(stream.subarray(offset, offset + size));
            offset += size;
          }
          assert.deepEqual(decodeChunks(chunks).map(plain), expected, `trial ${trial}`);
        }
      });
    });

    describe('when a whole frame lies inside one chunk', () => {
      it('should hand out the body as a view into the chunk, without copying', () => {
        const chunk = encodeFrame(response, LIMIT);
        const [frame] = decodeChunks([chunk]);
        assert.equal(frame?.kind, 'response');
        assert.equal((frame as Frame & { kind: 'response' }).body.buffer, chunk.buffer);
      });
    });

    describe('when part of a frame has arrived', () => {
      it('should report a pending frame until it completes', () => {
        const decoder = new FrameDecoder(LIMIT);
        const bytes = encodeFrame(request, LIMIT);
        assert.equal(decoder.pending, false);
        decoder.push(bytes.subarray(0, 3), () => undefined);
        assert.equal(decoder.pending, true);
        decoder.push(bytes.subarray(3, 20), () => undefined);
        assert.equal(decoder.pending, true);
        assert.equal(decoder.bufferedBytes, 16);
        decoder.push(bytes.subarray(20), () => undefined);
        assert.equal(decoder.pending, false);
        assert.equal(decoder.bufferedBytes, 0);
      });
    });

    describe('when a prefix declares exactly maxFrameBytes', () => {
      it('should accept the frame', () => {
        const body = new Uint8Array(LIMIT - 9);
        assert.equal(decodeChunks([encodeFrame({ kind: 'ping', callId: 1, body }, LIMIT)]).length, 1);
      });
    });

    for (const [label, declared] of [['maxFrameBytes + 1', LIMIT + 1], ['0xFFFFFFFF', 0xffffffff]] as const) {
      describe(`when a prefix declares ${label} bytes`, () => {
        it('B11: should throw FRAME_TOO_LARGE as soon as the four prefix bytes are in', () => {
          const decoder = new FrameDecoder(LIMIT);
          const prefix = prefixOf(declared);
          decoder.push(prefix.subarray(0, 3), () => undefined);
          assert.throws(
            () => decoder.push(prefix.subarray(3), () => undefined),
            (error: unknown) => BastionError.hasId(error, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE'),
          );
          assert.equal(decoder.bufferedBytes, 0);
        });

        it('B11: should refuse every later chunk with the same error', () => {
          const decoder = new FrameDecoder(LIMIT);
          assert.throws(() => decoder.push(prefixOf(declared), () => undefined));
          assert.throws(
            () => decoder.push(new Uint8Array(16), () => assert.fail('no frame expected')),
            (error: unknown) => BastionError.hasId(error, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE'),
          );
        });
      });
    }

    describe('when a good frame precedes a bad prefix in one chunk', () => {
      it('should deliver the good frame before throwing', () => {
        const decoder = new FrameDecoder(LIMIT);
        const frames: Frame[] = [];
        const chunk = Buffer.concat([encodeFrame(response, LIMIT), prefixOf(0xffffffff)]);
        assert.throws(() => decoder.push(chunk, (frame) => frames.push(frame)));
        assert.deepEqual(frames.map(plain), [plain(response)]);
      });
    });
  });

  describe('.push', () => {
    const cases: [string, Uint8Array][] = [
      ['a payload shorter than its fixed fields', Buffer.concat([prefixOf(5), Buffer.alloc(5)])],
      ['a header length past the payload', (() => { const b = rawFrame(2, '{"contentType":"x"}'); b.writeUInt32BE(1000, 9); return b; })()],
      ['an unknown kind 0', rawFrame(0, '')],
      ['an unknown kind 7', rawFrame(7, '')],
      ['a header that is not JSON', rawFrame(2, '{contentType')],
      ['a header that is not UTF-8', rawFrame(2, Uint8Array.of(0x7b, 0xff, 0x7d))],
      ['a header that is a JSON array', rawFrame(2, '["x"]')],
      ['a response without contentType', rawFrame(2, '{}')],
      ['a request without endpoint', rawFrame(1, '{"service":"a","contentType":"c","metadata":{},"timeoutMs":0}')],
      ['a request with a numeric service', rawFrame(1, '{"service":1,"endpoint":"e","contentType":"c","metadata":{},"timeoutMs":0}')],
      ['a request with a non-string metadata value', rawFrame(1, '{"service":"a","endpoint":"e","contentType":"c","metadata":{"k":1},"timeoutMs":0}')],
      ['a request with array metadata', rawFrame(1, '{"service":"a","endpoint":"e","contentType":"c","metadata":[],"timeoutMs":0}')],
      ['a request with a negative timeout', rawFrame(1, '{"service":"a","endpoint":"e","contentType":"c","metadata":{},"timeoutMs":-1}')],
      ['a request with a string timeout', rawFrame(1, '{"service":"a","endpoint":"e","contentType":"c","metadata":{},"timeoutMs":"5"}')],
      ['an error without id', rawFrame(3, '{"code":400,"status":"s","detail":"d"}')],
      ['an error with a fractional code', rawFrame(3, '{"id":"x","code":4.5,"status":"s","detail":"d"}')],
      ['an error with bad fields', rawFrame(3, '{"id":"x","code":400,"status":"s","detail":"d","fields":[1]}')],
      ['an error with a string retryAfterMs', rawFrame(3, '{"id":"x","code":429,"status":"s","detail":"d","retryAfterMs":"1"}')],
      ['a ping with a header', rawFrame(5, '{}')],
    ];
    for (const [label, bytes] of cases) {
      describe(`when the frame has ${label}`, () => {
        it('should throw BST_ERR_TRANSPORT_MALFORMED_FRAME', () => assertRefused(bytes, 'BST_ERR_TRANSPORT_MALFORMED_FRAME'));
      });
    }

    describe('when a request header carries a __proto__ metadata key', () => {
      it('should refuse the frame as malformed (metadata keys are letters, digits, _ . -; never a prototype key)', () => {
        const bytes = rawFrame(1, '{"service":"a","endpoint":"e","contentType":"c","metadata":{"__proto__":"x"},"timeoutMs":0}');
        assert.throws(() => decodeChunks([bytes]), (e: unknown) => BastionError.hasId(e, 'BST_ERR_TRANSPORT_MALFORMED_FRAME'));
      });
    });

    describe('when two requests carry empty metadata', () => {
      it('should give both the same frozen empty metadata, which a handler cannot write into', () => {
        const bytes = rawFrame(1, '{"service":"a","endpoint":"e","contentType":"c","metadata":{},"timeoutMs":0}');
        const [first, second] = decodeChunks([bytes, bytes]).map((frame) => (frame.kind === 'request' ? frame.header.metadata : undefined));
        assert.deepEqual(first, {});
        assert.equal(first, second);
        assert.equal(Object.isFrozen(first), true);
        assert.throws(() => {
          (first as Record<string, string>)['k'] = 'v';
        }, TypeError);
      });
    });
  });
});
