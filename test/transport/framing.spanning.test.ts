// FrameDecoder joins a frame that spans chunks once, when it is complete: large pieces are
// kept as views of their chunks, small ones copied together (issue 8, part 3). Whatever the
// cut, the frames must come out exactly as sent, and nothing is held past the frame.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/transport/framing.js';

const LIMIT = 256 * 1024;

function bodyOf(frame: Frame): string {
  return 'body' in frame ? Buffer.from(frame.body).toString('hex') : '';
}

/** Cuts `bytes` at the given sizes (cycled), as a socket might deliver them. */
function cut(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < bytes.byteLength; i++) {
    const size = sizes[i % sizes.length] as number;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

function decodeAll(chunks: readonly Uint8Array[], decoder = new FrameDecoder(LIMIT)): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) decoder.push(chunk, (frame) => frames.push(frame));
  return frames;
}

/** Bytes the decoder's unfinished frame pins: the whole backing store of each part, once. */
function pinned(decoder: FrameDecoder): number {
  const stores = new Set<ArrayBufferLike>();
  for (const part of (decoder as unknown as { parts: Buffer[] }).parts) stores.add(part.buffer);
  let total = 0;
  for (const store of stores) total += store.byteLength;
  return total;
}

/** A ping frame whose body counts bytes, so a piece out of place changes it. */
function ping(callId: number, bytes: number): Frame {
  const body = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) body[i] = (i * 7 + callId) & 0xff;
  return { kind: 'ping', callId, body };
}

describe(`${FrameDecoder.name} (frames spanning chunks)`, () => {
  describe('when frames of any size arrive cut anywhere, in pieces large and small', () => {
    it('should deliver exactly the frames sent, in order', () => {
      const frames = fc.array(
        fc.record({ callId: fc.integer({ min: 1, max: 0xffff }), bytes: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 3000, max: 70_000 })) }),
        { minLength: 1, maxLength: 5 },
      );
      const sizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 17, max: 4095 }), fc.integer({ min: 4096, max: 20_000 })), {
        minLength: 1,
        maxLength: 8,
      });
      fc.assert(
        fc.property(frames, sizes, (specs, chunkSizes) => {
          const sent = specs.map(({ callId, bytes }) => ping(callId, bytes));
          const stream = Buffer.concat(sent.map((frame) => encodeFrame(frame, LIMIT)));
          const received = decodeAll(cut(stream, chunkSizes));
          assert.deepEqual(
            received.map((frame) => [frame.callId, bodyOf(frame)]),
            sent.map((frame) => [frame.callId, bodyOf(frame)]),
          );
        }),
        { numRuns: 150 },
      );
    });
  });

  describe('when a frame arrives in pieces of any mix of sizes, each a chunk of its own', () => {
    it('should pin no more memory than the bytes received, the prefix and one small-piece buffer', () => {
      const body = 200 * 1024;
      const bytes = encodeFrame(ping(5, body), LIMIT);
      const sizes = fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 17, max: 4095 }), fc.integer({ min: 4096, max: 20_000 })), {
        minLength: 1,
        maxLength: 8,
      });
      fc.assert(
        fc.property(sizes, (pieceSizes) => {
          const decoder = new FrameDecoder(LIMIT);
          // Stop 8 KiB short of the end: a last small-piece buffer under 4 KiB is a slice of Node's shared pool.
          const chunks = cut(bytes.subarray(0, bytes.byteLength - 8 * 1024), pieceSizes).map((chunk) => new Uint8Array(chunk));
          decodeAll(chunks, decoder);
          const held = pinned(decoder);
          assert.ok(held <= decoder.bufferedBytes + 4 + 4096, `${held} bytes pinned for ${decoder.bufferedBytes} received`);
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('when a 64 KiB frame arrives in 16 KiB records', () => {
    it('should count every payload byte held until the frame completes, then hold none', () => {
      const bytes = encodeFrame(ping(3, 64 * 1024), LIMIT);
      const decoder = new FrameDecoder(LIMIT);
      const chunks = cut(bytes, [16 * 1024]);
      let held = -4; // the length prefix is read, not held
      for (const chunk of chunks.slice(0, -1)) {
        decoder.push(chunk, () => assert.fail('the frame is not complete yet'));
        held += chunk.byteLength;
        assert.equal(decoder.bufferedBytes, held);
      }
      const frames = decodeAll(chunks.slice(-1), decoder);
      assert.equal(frames.length, 1);
      assert.equal(bodyOf(frames[0] as Frame), bodyOf(ping(3, 64 * 1024)));
      assert.equal(decoder.pending, false);
      assert.equal(decoder.bufferedBytes, 0);
    });
  });

  describe('when a frame arrives one byte at a time', () => {
    it('should copy each byte as it comes rather than keep 10,000 chunks', () => {
      const bytes = Buffer.from(encodeFrame(ping(4, 10_000), LIMIT));
      const chunks = cut(bytes, [1]);
      const decoder = new FrameDecoder(LIMIT);
      decodeAll(chunks.slice(0, -1), decoder);
      // Had the decoder kept views of the chunks, this would change the body it delivers.
      bytes.fill(0, 0, bytes.byteLength - 1);
      const frames = decodeAll(chunks.slice(-1), decoder);
      assert.equal(frames.length, 1);
      assert.equal(bodyOf(frames[0] as Frame), bodyOf(ping(4, 10_000)));
    });
  });
});
