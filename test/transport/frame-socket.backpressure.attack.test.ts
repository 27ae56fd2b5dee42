// A peer that sends requests and never reads the replies: the server must stop reading its
// requests once the replies it could not deliver pass a bound, so what the peer makes it hold
// stays bounded (PAUSE_ABOVE_QUEUED_BYTES plus one batch of in-flight replies).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAUSE_ABOVE_QUEUED_BYTES } from '../../src/transport/frame-socket.js';
import { encodeFrame } from '../../src/transport/framing.js';
import { resolveTransportOptions } from '../../src/transport/options.js';
import { TCPTransport } from '../../src/transport/tcp.transport.js';
import type { InboundCall, Reply } from '../../src/transport/transport.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { header, rawTcp, sleep } from './tls-helpers.js';

const REPLY = new Uint8Array(64 * 1024);
const IN_FLIGHT = 8;

describe('a peer that never reads its replies', () => {
  it('should make the server stop reading, holding at most the pause bound, one batch and what the kernel buffers', async () => {
    let served = 0;
    const handler = async (_call: InboundCall): Promise<Reply> => {
      served++;
      return { kind: 'response', contentType: 'application/octet-stream', body: REPLY };
    };
    const options = resolveTransportOptions({ maxInFlightPerConnection: IN_FLIGHT });
    const listener = await new TCPTransport(options, new RecordingLogger()).listen({ host: '127.0.0.1', port: 0 }, handler);
    const socket = await rawTcp(listener.port);
    socket.pause(); // never reads a reply
    socket.on('error', () => undefined);
    try {
      const requests = 4_000; // 250 MiB of replies if all were served
      for (let i = 1; i <= requests; i++) socket.write(encodeFrame({ kind: 'request', callId: i, header: header(), body: new Uint8Array(16) }));
      await sleep(1_000);
      const settled = served;
      await sleep(500);
      assert.equal(served, settled, 'the server stopped reading requests');
      assert.ok(served < requests, `${served} of ${requests} served`);
      // Loopback socket buffers take a few MiB; everything else the server holds is the bound plus one batch.
      const kernelAllowance = 24 * 1024 * 1024;
      const held = served * REPLY.byteLength;
      assert.ok(held <= kernelAllowance + PAUSE_ABOVE_QUEUED_BYTES + IN_FLIGHT * (REPLY.byteLength + 1024), `${held} bytes of replies produced`);
    } finally {
      socket.destroy();
      await listener.close(0);
    }
  });
});
