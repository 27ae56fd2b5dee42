// Deadlines and cancellation end to end over the framed transport (plain TCP here; TLS uses
// the same listener and client connection): the handler reads the time left and gets an
// abort signal when the deadline passes or the client cancels; typed proxies make the calls.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsInt, Max, Min } from 'class-validator';
import { Bastion, BastionError, Handler, Service, TOKENS, type CallContext } from '../../src/index.js';
import type { Transport } from '../../src/transport/transport.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Work {
  @IsInt()
  @Min(0)
  @Max(5000)
  ms!: number;
}

interface Seen {
  aborted: boolean;
  reason: string | undefined;
  remaining: number;
}

let seen: Seen[] = [];
let started: () => void = () => {};

@Service({ name: 'worker' })
class Worker {
  @Handler()
  async slow(work: Work, ctx: CallContext): Promise<{ done: boolean }> {
    const entry: Seen = { aborted: false, reason: undefined, remaining: ctx.remainingMs() };
    seen.push(entry);
    started();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, work.ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        entry.aborted = true;
        entry.reason = BastionError.is(ctx.signal.reason) ? ctx.signal.reason.id : String(ctx.signal.reason);
        resolve();
      });
    });
    return { done: !ctx.signal.aborted };
  }

  @Handler()
  left(_work: Work, ctx: CallContext): { remaining: number } {
    return { remaining: ctx.remainingMs() };
  }
}

const waitFor = (check: () => boolean, ms = 2000) =>
  new Promise<void>((resolve, reject) => {
    const start = Date.now();
    const poll = setInterval(() => {
      if (check()) resolve(clearInterval(poll));
      else if (Date.now() - start > ms) {
        clearInterval(poll);
        reject(new Error('condition not met in time'));
      }
    }, 5);
  });

describe('Call deadlines', () => {
  let app: Bastion;
  let port: number;

  before(async () => {
    app = await Bastion.create({ services: [Worker], insecure: true, logger: new RecordingLogger() });
    port = (await app.start()).port;
  });

  after(async () => {
    await app.stop();
  });

  describe('.proxy', () => {
    describe('when a slow handler is called with a 50 ms deadline', () => {
      it('should fail with 408 and abort the handler signal', async () => {
        seen = [];
        const worker = app.client.proxy(Worker);
        await assert.rejects(worker.slow({ ms: 3000 }, { timeoutMs: 50 }), (e: unknown) => BastionError.is(e) && e.code === 408);
        await waitFor(() => seen[0]?.aborted === true);
        assert.ok(['BST_ERR_CLIENT_DEADLINE_EXCEEDED', 'BST_ERR_TRANSPORT_CLOSED'].includes(String(seen[0]?.reason)));
      });
    });

    describe('when the handler reads the time left', () => {
      it('should see at most the deadline the caller set', async () => {
        const reply = await app.client.proxy(Worker).left({ ms: 0 }, { timeoutMs: 2000 });
        assert.ok(reply.remaining > 0 && reply.remaining <= 2000, String(reply.remaining));
      });
    });
  });

  describe('server side', () => {
    describe('when the deadline in the header passes and the client keeps waiting', () => {
      it('should answer 408 and abort the handler with the deadline reason', async () => {
        seen = [];
        const transport = app.container.get<Transport>(TOKENS.Transport);
        const connection = await transport.dial({ host: '127.0.0.1', port, expectedService: 'worker' });
        try {
          const header = { service: 'worker', endpoint: 'Worker.slow', contentType: 'application/json', metadata: {}, timeoutMs: 50 };
          const reply = await connection.request(header, new TextEncoder().encode('{"ms":3000}'));
          assert.equal(reply.kind, 'error');
          assert.equal(reply.kind === 'error' && reply.error.id, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED');
          await waitFor(() => seen[0]?.aborted === true);
          assert.equal(seen[0]?.reason, 'BST_ERR_CLIENT_DEADLINE_EXCEEDED');
        } finally {
          await connection.close();
        }
      });
    });

    describe('when the client cancels a running call', () => {
      it('should abort the handler signal as cancelled', async () => {
        seen = [];
        const transport = app.container.get<Transport>(TOKENS.Transport);
        const connection = await transport.dial({ host: '127.0.0.1', port, expectedService: 'worker' });
        const running = new Promise<void>((resolve) => (started = resolve));
        const controller = new AbortController();
        try {
          const header = { service: 'worker', endpoint: 'Worker.slow', contentType: 'application/json', metadata: {}, timeoutMs: 0 };
          const call = connection.request(header, new TextEncoder().encode('{"ms":3000}'), controller.signal);
          await running;
          controller.abort(new Error('caller gave up'));
          await assert.rejects(call, /caller gave up/);
          await waitFor(() => seen[0]?.aborted === true);
          assert.equal(seen[0]?.reason, 'BST_ERR_TRANSPORT_CLOSED');
          assert.equal(seen[0]?.remaining, Infinity);
        } finally {
          await connection.close();
        }
      });
    });
  });
});
