import 'reflect-metadata';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Container } from 'inversify';
import { TOKENS } from '../../src/container/tokens.js';
import { ANONYMOUS_MEMORY_PEER, MemoryTransport, memoryPeer } from '../../src/transport/memory.transport.js';
import { resolveTransportOptions } from '../../src/transport/options.js';
import type { InboundCall, Reply } from '../../src/transport/transport.js';
import { echoHandler, header, rejectsWithId, sleep } from './tls-helpers.js';

const options = resolveTransportOptions({ maxFrameBytes: 1024 });
const HOST = { host: 'memory', port: 0 };
const text = (reply: Reply) => (reply.kind === 'response' ? new TextDecoder().decode(reply.body) : `error ${reply.error.id}`);
const body = (value: string) => new TextEncoder().encode(value);

describe(MemoryTransport.name, () => {
  let transport: MemoryTransport;

  beforeEach(() => {
    transport = new MemoryTransport(options);
  });

  describe('constructor', () => {
    describe('when resolved from an inversify container', () => {
      it('should take the transport options by token', () => {
        const container = new Container();
        container.bind(TOKENS.TransportOptions).toConstantValue(options);
        container.bind(MemoryTransport).toSelf();
        assert.equal(container.get(MemoryTransport).name, 'memory');
      });
    });
  });

  describe('.listen', () => {
    describe('when asked for port 0 twice', () => {
      it('should assign two distinct fake ports', async () => {
        const a = await transport.listen(HOST, echoHandler());
        const b = await transport.listen(HOST, echoHandler());
        assert.notEqual(a.port, b.port);
        assert.ok(a.port > 0);
      });
    });

    describe('when the address is taken', () => {
      it('should refuse a second listener', async () => {
        await transport.listen({ host: 'memory', port: 5 }, echoHandler());
        await assert.rejects(transport.listen({ host: 'memory', port: 5 }, echoHandler()));
      });
    });
  });

  describe('.dial', () => {
    describe('when a call is made', () => {
      it('should deliver header and body and return the reply', async () => {
        const handler = echoHandler();
        const listener = await transport.listen(HOST, handler);
        const connection = await transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' });
        assert.equal(text(await connection.request({ ...header(), metadata: { k: 'v' } }, body('hi'))), 'hi');
        assert.deepEqual(handler.calls[0]?.header, { ...header(), metadata: { k: 'v' } });
      });

      it('should copy the body both ways', async () => {
        let seen: Uint8Array | undefined;
        const listener = await transport.listen(HOST, async (call) => {
          seen = call.body;
          call.body.fill(0);
          return { kind: 'response', contentType: 'x', body: call.body };
        });
        const connection = await transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' });
        const mine = body('abc');
        const reply = await connection.request(header(), mine);
        assert.equal(new TextDecoder().decode(mine), 'abc');
        if (reply.kind === 'response') reply.body.fill(1);
        assert.deepEqual([...(seen ?? [])], [0, 0, 0]);
      });
    });

    describe('when no peer was set', () => {
      it('should present an anonymous, unauthorized peer', async () => {
        const handler = echoHandler();
        const listener = await transport.listen(HOST, handler);
        await (await transport.dial({ host: listener.host, port: listener.port, expectedService: 'x' })).request(header(), body(''));
        assert.deepEqual(handler.calls[0]?.peer, ANONYMOUS_MEMORY_PEER);
      });
    });

    describe('when calling as different identities', () => {
      it('should present each identity to the handler', async () => {
        const handler = echoHandler();
        const listener = await transport.listen(HOST, handler);
        const target = { host: listener.host, port: listener.port, expectedService: 'greeter' };
        await (await transport.asPeer(memoryPeer('orders')).dial(target)).request(header(), body(''));
        await (await transport.asPeer(memoryPeer('billing')).dial(target)).request(header(), body(''));
        await (await transport.setPeer(memoryPeer('audit')).dial(target)).request(header(), body(''));
        assert.deepEqual(
          handler.calls.map((call: InboundCall) => call.peer.identity?.name),
          ['orders', 'billing', 'audit'],
        );
        assert.equal(handler.calls[0]?.peer.authorized, true);
      });
    });

    describe('when the listener claims another service', () => {
      it('should refuse with SERVER_IDENTITY, as TLS would', async () => {
        const listener = await transport.serveAs('orders').listen(HOST, echoHandler());
        await rejectsWithId(transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' }), 'BST_ERR_SECURITY_SERVER_IDENTITY');
        await transport.dial({ host: listener.host, port: listener.port, expectedService: 'orders' });
      });
    });

    describe('when nothing listens at the target', () => {
      it('should reject with CLIENT_CONNECTION', async () => {
        await rejectsWithId(transport.dial({ host: 'memory', port: 1, expectedService: 'greeter' }), 'BST_ERR_CLIENT_CONNECTION');
      });
    });

    describe('when a body or a reply exceeds maxFrameBytes', () => {
      it('should refuse the request unsent with FRAME_TOO_LARGE', async () => {
        const handler = echoHandler();
        const listener = await transport.listen(HOST, handler);
        const connection = await transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' });
        await rejectsWithId(connection.request(header(), new Uint8Array(1024)), 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE');
        assert.equal(handler.calls.length, 0);
      });

      it('should turn an oversized reply into a FRAME_TOO_LARGE error reply', async () => {
        const listener = await transport.listen(HOST, async () => ({ kind: 'response', contentType: 'x', body: new Uint8Array(1024) }));
        const connection = await transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' });
        assert.equal(text(await connection.request(header(), body('x'))), 'error BST_ERR_TRANSPORT_FRAME_TOO_LARGE');
      });
    });

    describe('when the handler throws despite its contract', () => {
      it('should reply with an internal error', async () => {
        const listener = await transport.listen(HOST, async () => {
          throw new Error('boom');
        });
        const connection = await transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' });
        assert.equal(text(await connection.request(header(), body('x'))), 'error BST_ERR_SERVER_INTERNAL');
      });
    });
  });

  describe('Listener.close', () => {
    describe('when a call is in flight', () => {
      it('should let it finish, answer late calls with SHUTTING_DOWN and then refuse dials', async () => {
        const listener = await transport.listen(HOST, async (call) => {
          await sleep(50);
          return { kind: 'response', contentType: 'x', body: call.body };
        });
        const target = { host: listener.host, port: listener.port, expectedService: 'greeter' };
        const connection = await transport.dial(target);
        const first = connection.request(header(), body('first'));
        const closing = listener.close(1_000);
        assert.equal(text(await connection.request(header(), body('late'))), 'error BST_ERR_SERVER_SHUTTING_DOWN');
        assert.equal(text(await first), 'first');
        await Promise.all([closing, listener.close()]);
        assert.equal(connection.closed, true);
        await rejectsWithId(transport.dial(target), 'BST_ERR_CLIENT_CONNECTION');
      });
    });

    describe('when a call outlives drainMs', () => {
      it('should fail it with TRANSPORT_CLOSED', async () => {
        const listener = await transport.listen(HOST, () => new Promise<Reply>(() => undefined));
        const connection = await transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' });
        const stuck = rejectsWithId(connection.request(header(), body('x')), 'BST_ERR_TRANSPORT_CLOSED');
        await listener.close(10);
        await stuck;
      });
    });
  });

  describe('ClientConnection.close', () => {
    describe('when the connection was closed', () => {
      it('should report closed and refuse requests', async () => {
        const listener = await transport.listen(HOST, echoHandler());
        const connection = await transport.dial({ host: listener.host, port: listener.port, expectedService: 'greeter' });
        await connection.close();
        assert.equal(connection.closed, true);
        await rejectsWithId(connection.request(header(), body('x')), 'BST_ERR_TRANSPORT_CLOSED');
      });
    });
  });
});
