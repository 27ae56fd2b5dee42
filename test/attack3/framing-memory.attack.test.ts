// Attack round 3: FrameDecoder's small-piece buffers (commit 1c59224, 4278da6). The doc says what
// a half-received frame holds "stays within the frame bytes received, the start of the chunk the
// frame began in, and the unused room of one small-piece buffer". A slow sender alternating
// 2-byte and 4095-byte TLS records makes every small piece open a fresh 4 KiB buffer: every
// second buffer holds 2 bytes and 4094 unused, so memory held is about twice the bytes received
// (bufferedBytes, which the listener and tests watch, shows only the bytes received).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFrame, FrameDecoder } from '../../src/transport/framing.js';

const LIMIT = 4 * 1024 * 1024;

/** Bytes of memory the decoder's unfinished frame pins: the whole backing store of every part. */
function pinned(decoder: FrameDecoder): number {
  const parts = (decoder as unknown as { parts: Buffer[] }).parts;
  const stores = new Set<ArrayBufferLike>();
  let total = 0;
  for (const part of parts) {
    if (stores.has(part.buffer)) continue;
    stores.add(part.buffer);
    total += part.buffer.byteLength;
  }
  return total;
}

describe('attack3 F-frame: memory a slow sender makes the decoder hold', () => {
  it('should hold no more than the bytes received plus one small-piece buffer, whatever the piece sizes', () => {
    const decoder = new FrameDecoder(LIMIT);
    const frame = encodeFrame({ kind: 'ping', callId: 1, body: new Uint8Array(LIMIT - 64) }, LIMIT);
    // Send about 1 MiB of the 4 MiB frame, each piece a fresh chunk (as a TLS record would be).
    const sizes = [2, 4095];
    let offset = 0;
    for (let i = 0; offset < 1024 * 1024; i++) {
      const size = sizes[i % 2] as number;
      decoder.push(Buffer.from(frame.subarray(offset, offset + size)), () => assert.fail('the frame is not complete'));
      offset += size;
    }
    const received = decoder.bufferedBytes;
    const held = pinned(decoder);
    assert.ok(held <= received + 4096 + 64, `received ${received} bytes, bufferedBytes says ${decoder.bufferedBytes}, but ${held} bytes are pinned (${(held / received).toFixed(2)}x)`);
  });
});
