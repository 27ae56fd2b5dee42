// The limit: node:tls with 4-byte length-prefixed JSON frames, many calls multiplexed on
// one connection by id, mutual TLS, no framework.
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { SERVER_DNS, type BenchClient, type BenchPki, type BenchServer, type Contender } from '../contender.js';
import { echo, type EchoRequest } from '../workload.js';

const MAX_FRAME = 4 * 1024 * 1024;

interface Frame {
  id: number;
  body?: unknown;
  error?: string;
}

/** Reads length-prefixed frames from a socket, copying only when a frame spans chunks. */
function onFrames(socket: TLSSocket, handle: (frame: Frame) => void): void {
  let pending: Buffer[] = [];
  let buffered = 0;
  let need = 4;
  socket.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    buffered += chunk.length;
    if (buffered < need) return;
    let data = pending.length === 1 ? chunk : Buffer.concat(pending, buffered);
    let offset = 0;
    need = 4;
    while (data.length - offset >= 4) {
      const length = data.readUInt32BE(offset);
      if (length > MAX_FRAME) {
        socket.destroy();
        return;
      }
      if (data.length - offset - 4 < length) {
        need = 4 + length;
        break;
      }
      handle(JSON.parse(data.toString('utf8', offset + 4, offset + 4 + length)) as Frame);
      offset += 4 + length;
    }
    data = data.subarray(offset);
    pending = data.length === 0 ? [] : [data];
    buffered = data.length;
  });
}

function writeFrame(socket: TLSSocket, frame: Frame): void {
  const json = JSON.stringify(frame);
  const length = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(4 + length);
  out.writeUInt32BE(length, 0);
  out.write(json, 4, 'utf8');
  socket.write(out);
}

/** The raw TLS contender. */
export const rawTls: Contender = {
  name: 'raw-tls',
  async serve(pki: BenchPki): Promise<BenchServer> {
    const server = createServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: true });
    server.on('secureConnection', (socket) => {
      socket.on('error', () => socket.destroy());
      onFrames(socket, (frame) => writeFrame(socket, { id: frame.id, body: echo(frame.body as EchoRequest) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
  async connect(pki: BenchPki, port: number): Promise<BenchClient> {
    const socket = connect({ host: '127.0.0.1', port, servername: SERVER_DNS, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    let nextId = 0;
    onFrames(socket, (frame) => {
      const call = waiting.get(frame.id);
      waiting.delete(frame.id);
      if (frame.error !== undefined) call?.reject(new Error(frame.error));
      else call?.resolve(frame.body);
    });
    socket.on('close', () => {
      for (const call of waiting.values()) call.reject(new Error('connection closed'));
      waiting.clear();
    });
    return {
      call(request: EchoRequest): Promise<unknown> {
        const id = ++nextId;
        return new Promise((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          writeFrame(socket, { id, body: request });
        });
      },
      async close() {
        socket.end();
        socket.destroy();
      },
    };
  },
};
