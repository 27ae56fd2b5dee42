// Attack round 7 on a25029c: a refusal or failure answered synchronously is built on a path
// that no longer goes through a promise (answerNow -> refused -> failed). It must tell the peer
// no more than the promise path did (no stack, no file path, no thrown value, no parser
// message), and a log sink that throws there must neither crash the process, nor leave the
// call unanswered, nor surface as an unhandled rejection.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Codec, defineCodec, Handler, MemoryRegistry, RateLimit, Service } from '../../src/index.js';
import { openTcp, type RawPeer, type Reply } from '../attack-suite/frames.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ask {
  @IsString() name!: string;
}

const SECRET = '/srv/app/secrets/db-password.txt';

/** A custom codec whose parser fails with an internal message (a third-party parser's error). */
const leakyCodec = defineCodec({
  contentType: 'application/x-leaky',
  checkRaw: () => undefined,
  parse: (bytes) => {
    const text = Buffer.from(bytes).toString('utf8');
    if (text.startsWith('boom')) throw new Error(`parser failed reading ${SECRET}: ${text}`);
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (text.startsWith('raw')) throw `raw string thrown with ${SECRET}`;
    return JSON.parse(text) as unknown;
  },
  sanitize: (value) => value,
  serialize: (value) => Buffer.from(JSON.stringify(value)),
});

const thrown: Record<string, () => unknown> = {
  error: () => new Error(`failed at ${SECRET}`),
  string: () => `failed at ${SECRET}`,
  object: () => ({ message: `failed at ${SECRET}`, stack: SECRET, detail: SECRET, code: 400, status: 'BAD_REQUEST', id: 'BST_ERR_VALIDATION_FAILED' }),
  nullish: () => null,
  undefinedValue: () => undefined,
  symbol: () => Symbol(SECRET),
  localOnly: () => new BastionError('BST_ERR_CLIENT_CONNECTION', `dialling ${SECRET}`),
};

@Service({ name: 'leaks' })
class Leaks {
  @Handler()
  throws(ask: Ask): never {
    throw (thrown[ask.name] as () => unknown)();
  }

  @Codec('application/x-leaky')
  @Handler()
  parsed(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }

  @RateLimit({ tokensPerInterval: 1, interval: 'hour', key: 'endpoint' })
  @Handler()
  limited(ask: Ask): { hello: string } {
    return { hello: ask.name };
  }
}

/** A log sink that fails on every write at the given levels. */
class ThrowingLogger extends RecordingLogger {
  /** Off while the app boots (its start-up warnings would stop it): the attack is on the call path. */
  on = false;
  constructor(private readonly failing: readonly string[]) {
    super();
  }
  override warn(event: string, fields: Record<string, unknown> = {}): void {
    super.warn(event, fields);
    if (this.on && this.failing.includes('warn')) throw new Error('log sink down');
  }
  override error(event: string, fields: Record<string, unknown> = {}): void {
    super.error(event, fields);
    if (this.on && this.failing.includes('error')) throw new Error('log sink down');
  }
}

function frame(endpoint: string, contentType: string, body: string, callId: number): Buffer {
  const header = Buffer.from(JSON.stringify({ service: 'leaks', endpoint: `Leaks.${endpoint}`, contentType, metadata: {}, timeoutMs: 0 }));
  const bytes = Buffer.from(body);
  const prefix = Buffer.alloc(13);
  prefix.writeUInt32BE(9 + header.length + bytes.length, 0);
  prefix.writeUInt8(1, 4);
  prefix.writeUInt32BE(callId, 5);
  prefix.writeUInt32BE(header.length, 9);
  return Buffer.concat([prefix, header, bytes]);
}

const leaksNothing = (reply: Reply): boolean => !JSON.stringify(reply).includes('/srv') && !JSON.stringify(reply).includes('boom') && !JSON.stringify(reply).includes('raw string');

for (const failing of [[], ['error', 'warn']] as const) {
  describe(`attack7: what a synchronous failure tells the peer${failing.length === 0 ? '' : ', with a log sink that throws'}`, () => {
    let app: Bastion;
    let peer: RawPeer;
    let nextId = 1;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    const send = (endpoint: string, body: string, contentType = 'application/json'): Promise<Reply> => {
      const id = nextId++;
      return Promise.race([peer.sendAndWait(id, frame(endpoint, contentType, body, id)), sleep(2_000).then((): Reply => ({ kind: 'closed' }))]);
    };

    before(async () => {
      process.on('unhandledRejection', onUnhandled);
      const logger = new ThrowingLogger(failing);
      app = await Bastion.create({ services: [Leaks], insecure: true, registry: new MemoryRegistry(), logger, codecs: [leakyCodec] });
      const { port } = await app.start();
      logger.on = true;
      peer = await openTcp(port);
    });
    after(async () => {
      peer.close();
      await app.stop().catch(() => undefined);
      process.off('unhandledRejection', onUnhandled);
    });

    for (const kind of Object.keys(thrown)) {
      it(`A7-L1: should answer a handler throwing ${kind} synchronously with a bare 500 (${failing.join('+') || 'working log'})`, async () => {
        const reply = await send('throws', JSON.stringify({ name: kind }));
        assert.equal(reply.kind, 'error', `no answer: ${JSON.stringify(reply)}`);
        assert.equal((reply as { error: { id?: string } }).error.id, 'BST_ERR_SERVER_INTERNAL');
        assert.ok(leaksNothing(reply), JSON.stringify(reply));
      });
    }

    it('A7-L2: should answer a custom codec that throws while parsing with a bare 400, refused as a value', async () => {
      for (const body of ['boom at the parser', 'raw please']) {
        const reply = await send('parsed', body, 'application/x-leaky');
        assert.equal(reply.kind === 'error' && reply.error.id, 'BST_ERR_CODEC_DECODE', JSON.stringify(reply));
        assert.ok(leaksNothing(reply), JSON.stringify(reply));
      }
      assert.deepEqual(await send('parsed', '{"name":"ok"}', 'application/x-leaky'), { kind: 'response', body: { hello: 'ok' } });
    });

    it('A7-L3: should answer a 400 with field paths only, never the values sent', async () => {
      const reply = await send('throws', JSON.stringify({ name: `${SECRET}`, [`x${SECRET}`]: 1 }));
      assert.equal(reply.kind === 'error' && reply.error.id, 'BST_ERR_VALIDATION_FAILED');
      // The unknown key is the caller's own text and is named; the value of `name` is not.
      assert.ok(!JSON.stringify(reply).includes(`"${SECRET}"`), JSON.stringify(reply));
    });

    it('A7-L4: should answer 429s synchronously and keep serving (security event sink included)', async () => {
      await send('limited', JSON.stringify({ name: 'a' }));
      for (let i = 0; i < 3; i++) {
        const reply = await send('limited', JSON.stringify({ name: 'a' }));
        assert.equal(reply.kind === 'error' && reply.error.id, 'BST_ERR_RATELIMIT_EXCEEDED');
      }
    });

    it('A7-L5: should have raised no unhandled rejection and kept the connection', async () => {
      await sleep(20);
      assert.deepEqual(unhandled.map(String), []);
      assert.deepEqual(await send('parsed', '{"name":"still here"}', 'application/x-leaky'), { kind: 'response', body: { hello: 'still here' } });
    });
  });
}
