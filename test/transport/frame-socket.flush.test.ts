// A burst of frames written in one tick leaves in slices of FLUSH_EVERY_FRAMES, so the peer can
// start on the first frames while this side still produces the rest, and every frame arrives.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { FLUSH_EVERY_FRAMES, FrameSocket } from '../../src/transport/frame-socket.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/transport/framing.js';

describe('FrameSocket write batching', () => {
  it(`should flush a burst every ${FLUSH_EVERY_FRAMES} frames within the tick, and the rest at its end`, async () => {
    const received: Frame[] = [];
    const server = createServer((socket: Socket) => {
      const decoder = new FrameDecoder(1 << 20);
      socket.on('data', (chunk: Buffer) => decoder.push(chunk, (frame) => received.push(frame)));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const frames = new FrameSocket(socket, { maxFrameBytes: 1 << 20, frameReadTimeoutMs: 5_000, pauseOnBackpressure: false, notifyPeerOnProtocolError: false }, { onFrame: () => {}, onClose: () => {} });
    let uncorks = 0;
    const uncork = socket.uncork.bind(socket);
    socket.uncork = () => {
      uncorks++;
      uncork();
    };
    const burst = FLUSH_EVERY_FRAMES * 3 + 5;
    for (let i = 1; i <= burst; i++) frames.write(encodeFrame({ kind: 'ping', callId: i, body: new Uint8Array(8) }));
    assert.equal(uncorks, 3, 'three full slices flushed during the tick');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(uncorks, 4, 'the remainder flushed when the tick ended');
    const deadline = Date.now() + 2_000;
    while (received.length < burst && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(received.map((f) => f.callId), Array.from({ length: burst }, (_, i) => i + 1));
    socket.destroy();
    server.close();
  });
});
