// Call metadata is bounded and inert: a caller cannot make a server hold, log or forward
// unbounded metadata, nor smuggle prototype keys through it.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsOptional, IsString } from 'class-validator';
import { Bastion, BastionError, Handler, Service, TOKENS, type CallContext } from '../../src/index.js';
import type { Transport } from '../../src/transport/transport.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

let seen: Readonly<Record<string, string>>[] = [];

class Note {
  @IsOptional()
  @IsString()
  text?: string;
}

@Service({ name: 'echo' })
class Echo {
  @Handler()
  meta(_note: Note, ctx: CallContext): string {
    seen.push(ctx.metadata);
    return 'ok';
  }
}

const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
const attacks: [string, Record<string, unknown>][] = [
  ['33 keys', many(33)],
  ['9 KiB of values', { big: 'x'.repeat(9 * 1024) }],
  ['a __proto__ key', JSON.parse('{"__proto__":{"polluted":"1"}}') as Record<string, unknown>],
  ['a constructor key', { constructor: 'x' }],
  ['a key with a space', { 'a b': 'x' }],
  ['a non-string value', { n: 1 }],
];

describe('Call metadata under attack', () => {
  let app: Bastion;
  let port: number;
  before(async () => {
    app = await Bastion.create({ services: [Echo], insecure: true, logger: new RecordingLogger() });
    port = (await app.start()).port;
  });
  after(async () => {
    await app.stop();
  });

  describe('when a client sends metadata over the limits through the framework client', () => {
    it('should refuse it before sending with BST_ERR_CLIENT_METADATA_INVALID', async () => {
      seen = [];
      for (const [name, metadata] of attacks) {
        await assert.rejects(app.client.call('echo', 'Echo.meta', {}, { metadata: metadata as Record<string, string> }), (e: unknown) => BastionError.hasId(e, 'BST_ERR_CLIENT_METADATA_INVALID'), name);
      }
      assert.equal(seen.length, 0);
    });
  });

  describe('when a crafted frame carries such metadata straight to the server', () => {
    it('should close the connection as malformed, never run the handler, and pollute nothing', async () => {
      seen = [];
      const transport = app.container.get<Transport>(TOKENS.Transport);
      for (const [name, metadata] of attacks) {
        const connection = await transport.dial({ host: '127.0.0.1', port, expectedService: 'echo' });
        const header = { service: 'echo', endpoint: 'Echo.meta', contentType: 'application/json', metadata: metadata as Record<string, string>, timeoutMs: 0 };
        await assert.rejects(connection.request(header, new TextEncoder().encode('{}')), (e: unknown) => BastionError.hasId(e, 'BST_ERR_TRANSPORT_CLOSED'), name);
        await connection.close();
      }
      assert.equal(seen.length, 0);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      assert.equal(await app.client.call('echo', 'Echo.meta', {}, { metadata: { 'trace-id': 't1' } }), 'ok');
      assert.deepEqual(seen, [{ 'trace-id': 't1' }]);
    });
  });
});
