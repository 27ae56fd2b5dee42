// Attack round 5 on 4a2a72a (codecs hand a result that `isPlainData` accepts to the serialiser
// as is). The check and the serialiser now read the value twice: the check reads every
// property, then JSON.stringify / msgpackr read it again. The sanitising copy read each property
// once and the serialiser only ever saw the copy. An accessor (a getter on a plain object, or a
// Proxy with a plain prototype) that does not return the same thing twice therefore puts on the
// wire a value that was never checked: a prototype key, a BigInt, a function, or, for a
// changing accessor, anything at all. End to end the binder's toPlain sits in front: a flat
// reply was already read twice before 4a2a72a (flat check, then the copy, whose result went
// out); now the serialiser's third read goes out unchecked (A5-3/A5-4: the server writes an own
// "__proto__" key and the client gets a 400 BST_ERR_CODEC_FORBIDDEN_KEY instead of its reply).
// Each test passes with asPlainData reduced to the copy (4a2a72a^) and fails on 4a2a72a.
// Fixed since: the JSON codec stringifies once and checks the text it wrote (codec `encode`),
// so what goes out is what was checked; MessagePack and protobuf copy first again.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { MsgpackCodec } from '../../src/codec/msgpack.codec.js';
import { encodeBody } from '../../src/codec/pipeline.js';
import { toPlainData } from '../../src/codec/sanitize.js';
import { Codec, Handler, Service } from '../../src/index.js';
import { createTestApp, type TestApp } from '../../src/testing/index.js';

/** What the codec wrote before 4a2a72a: the serialiser's bytes of the sanitising copy. */
function copyBytes(codec: JSONCodec | MsgpackCodec, value: unknown, keepBytes: boolean): string {
  return Buffer.from(codec.serialize(toPlainData(value, keepBytes))).toString('hex');
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A plain object whose `field` reads `first` once, then `later` on every read after. */
function changesAfterFirstRead(first: unknown, later: unknown): { readonly field: unknown } {
  let reads = 0;
  return {
    get field(): unknown {
      reads += 1;
      return reads === 1 ? first : later;
    },
  };
}

describe('attack5: the plain-data fast path reads a result twice', () => {
  it('A5-1: should never write a prototype key the check did not see (JSON)', () => {
    const codec = new JSONCodec();
    // The second read returns an object with an OWN __proto__ key (JSON.parse makes one).
    const make = () => changesAfterFirstRead({ role: 'user' }, JSON.parse('{"role":"user","__proto__":{"isAdmin":true}}'));
    const wire = Buffer.from(encodeBody(codec, make())).toString('utf8');
    // Old: {"field":{"role":"user"}}  New: {"field":{"role":"user","__proto__":{"isAdmin":true}}}
    assert.ok(!wire.includes('__proto__'), `a prototype key reached the wire: ${wire}`);
    assert.equal(hex(encodeBody(codec, make())), copyBytes(codec, make(), false));
  });

  it('A5-2: should never hand msgpackr a BigInt or a function the check did not see', () => {
    const codec = new MsgpackCodec();
    const bigint = () => changesAfterFirstRead('ok', 10n);
    const fn = () => changesAfterFirstRead('ok', () => 'secret');
    // Old: de0001 a1 66... a2 6f6b ("ok") for both.
    // New: the BigInt goes out as an int64 (d3 00..0a), the function as a bare ext (d4 00 00):
    // "A BigInt cannot be encoded" no longer holds for what msgpackr is given.
    assert.equal(hex(encodeBody(codec, bigint())), copyBytes(codec, bigint(), true));
    assert.equal(hex(encodeBody(codec, fn())), copyBytes(codec, fn(), true));
  });
});

class Ask {
  @IsString()
  who!: string;
}

const reads = { detail: 0 };

/**
 * A flat reply (primitives only, so the binder's toPlain hands it on as is) whose accessor
 * answers 'ok' to the first two reads and an object with an own `__proto__` key after that.
 * Before 4a2a72a the server read it twice (the binder's flat check, then the sanitising copy),
 * and the copy is what went out. Now a third read, by the serialiser, is what goes out.
 */
@Service({ name: 'status' })
class Status {
  @Handler()
  get(_ask: Ask): { status: string; readonly detail: unknown } {
    reads.detail = 0;
    return {
      status: 'ok',
      get detail(): unknown {
        reads.detail += 1;
        return reads.detail <= 2 ? 'ok' : JSON.parse('{"__proto__":{"isAdmin":true}}');
      },
    };
  }

  @Codec('application/msgpack')
  @Handler()
  getPacked(ask: Ask): { status: string; readonly detail: unknown } {
    return this.get(ask);
  }
}

describe('attack5: end to end over the memory transport', () => {
  let app: TestApp;
  before(async () => {
    app = await createTestApp({ services: [Status], transport: 'memory' });
  });
  after(() => app.close());

  it('A5-3: should send the value the server checked, not a later read of a result accessor (JSON)', async () => {
    const client = await app.client(Status);
    // Old: { status: 'ok', detail: 'ok' } after 2 reads. New: 3 reads; the JSON codec writes
    // {"status":"ok","detail":{"__proto__":{"isAdmin":true}}} and the client rejects with a
    // 400 BST_ERR_CODEC_FORBIDDEN_KEY ("The request body holds...") for a call that succeeded.
    const reply = await client.get({ who: 'alice' }).catch((error: unknown) => error);
    assert.deepEqual(reply, { status: 'ok', detail: 'ok' });
    assert.equal(reads.detail, 2);
  });

  it('A5-4: should send the value the server checked, not a later read of a result accessor (msgpack)', async () => {
    const client = await app.client(Status);
    const reply = await client.getPacked({ who: 'bob' }).catch((error: unknown) => error);
    assert.deepEqual(reply, { status: 'ok', detail: 'ok' });
    assert.equal(reads.detail, 2);
  });
});
