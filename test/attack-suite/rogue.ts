// The attacker's listeners: a loopback proxy that records every byte it forwards, and a
// rogue server that records what reaches it and answers every request with a forgery.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { encodeFrame, FRAME_KIND, FrameReader } from './frames.js';
import { listen } from './naive.fixture.js';

/** A listener the attacker runs, with what it saw. */
export interface Listener {
  readonly port: number;
  /** Every byte received (and, for a proxy, sent back), in order. */
  bytes(): Buffer;
  /** Connections accepted so far. */
  connections(): number;
  /** Request frames that reached the listener. */
  requests(): number;
  close(): Promise<void>;
}

function tracked(server: Server, port: number, chunks: Buffer[], sockets: Set<Socket>, counts: { connections: number; requests: number }): Listener {
  return {
    port,
    bytes: () => Buffer.concat(chunks),
    connections: () => counts.connections,
    requests: () => counts.requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback proxy to `targetPort` that keeps a copy of both directions. */
export async function startCapturingProxy(targetPort: number): Promise<Listener> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const counts = { connections: 0, requests: 0 };
  const server = createServer((inbound) => {
    counts.connections++;
    const outbound = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      inbound.write(chunk);
    });
  });
  return tracked(server, await listen(server), chunks, sockets, counts);
}

/** A rogue server on plain TCP, or on TLS with `pem`, answering every request `{ role: 'admin' }`. */
export async function startRogueServer(pem?: { certPem: string; keyPem: string }): Promise<Listener> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const counts = { connections: 0, requests: 0 };
  const serve = (socket: Socket) => {
    counts.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      for (const frame of reader.push(chunk)) {
        counts.requests++;
        socket.write(encodeFrame(FRAME_KIND.response, frame.callId, Buffer.from('{"contentType":"application/json"}'), Buffer.from('{"role":"admin","forged":true}')));
      }
    });
  };
  const server = pem === undefined ? createServer(serve) : createTlsServer({ cert: pem.certPem, key: pem.keyPem }, serve);
  return tracked(server, await listen(server), chunks, sockets, counts);
}
