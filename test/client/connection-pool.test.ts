import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectionPool } from '../../src/client/connection-pool.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { ServiceNode } from '../../src/registry/registry.js';
import { MemoryTransport } from '../../src/transport/memory.transport.js';
import { resolveTransportOptions } from '../../src/transport/options.js';
import { TCPTransport } from '../../src/transport/tcp.transport.js';
import type { Reply } from '../../src/transport/transport.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

const node = (port: number): ServiceNode => ({ id: `n-${port}`, host: '127.0.0.1', port, metadata: {} });
const ok = async (): Promise<Reply> => ({ kind: 'response', contentType: 'application/json', body: new Uint8Array(0) });
const header = { service: 'svc', endpoint: 'Svc.call', contentType: 'application/json', metadata: {}, timeoutMs: 0 };

describe(ConnectionPool.name, () => {
  describe('.get', () => {
    describe('when the pool holds two connections per node', () => {
      it('should hand them out in turn and never open a third', async () => {
        const transport = new MemoryTransport();
        const listener = await transport.listen({ host: 'mem', port: 0 }, ok);
        const pool = new ConnectionPool(transport, { size: 2, pingIntervalMs: 0, pingTimeoutMs: 0 });
        const target = { ...node(listener.port), host: 'mem' };
        const got = [await pool.get('svc', target), await pool.get('svc', target), await pool.get('svc', target), await pool.get('svc', target)];
        assert.notEqual(got[0], got[1]);
        assert.equal(got[2], got[0]);
        assert.equal(got[3], got[1]);
        await pool.close();
        await listener.close(0);
      });
    });

    describe('when a pooled connection closed', () => {
      it('should dial a new one in its place', async () => {
        const transport = new MemoryTransport();
        const listener = await transport.listen({ host: 'mem', port: 0 }, ok);
        const pool = new ConnectionPool(transport, { size: 1, pingIntervalMs: 0, pingTimeoutMs: 0 });
        const target = { ...node(listener.port), host: 'mem' };
        const first = await pool.get('svc', target);
        await first.close();
        const second = await pool.get('svc', target);
        assert.notEqual(second, first);
        assert.equal(second.closed, false);
        await pool.close();
        await assert.rejects(pool.get('svc', target), (e: unknown) => BastionError.hasId(e, 'BST_ERR_TRANSPORT_CLOSED'));
        await listener.close(0);
      });
    });
  });

  describe('keep-alive pings', () => {
    const sockets: Socket[] = [];
    let blackhole: Server;
    let port: number;
    const transport = new TCPTransport(resolveTransportOptions(), new RecordingLogger());

    before(async () => {
      // Accepts connections and never answers: a peer whose host died without closing TCP.
      blackhole = createServer((socket) => {
        sockets.push(socket);
        socket.resume();
      });
      await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
      port = (blackhole.address() as { port: number }).port;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    });

    describe('when the peer stops answering', () => {
      it('should destroy the connection and fail its pending calls instead of waiting for their deadlines', async () => {
        const pool = new ConnectionPool(transport, { size: 1, pingIntervalMs: 30, pingTimeoutMs: 60 });
        const connection = await pool.get('svc', node(port));
        await assert.rejects(connection.request(header, new Uint8Array(0)), (e: unknown) => BastionError.hasId(e, 'BST_ERR_TRANSPORT_CLOSED'));
        assert.equal(connection.closed, true);
        await pool.close();
      });
    });

    describe('when the peer answers pings', () => {
      it('should keep the connection open', async () => {
        const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, ok);
        const pool = new ConnectionPool(transport, { size: 1, pingIntervalMs: 20, pingTimeoutMs: 200 });
        const connection = await pool.get('svc', node(listener.port));
        await new Promise((resolve) => setTimeout(resolve, 150));
        assert.equal(connection.closed, false);
        assert.equal((await connection.request(header, new Uint8Array(0))).kind, 'response');
        await pool.close();
        await listener.close(0);
      });
    });
  });
});
