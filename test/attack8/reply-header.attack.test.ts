// Attack round 8 on the client's reply header shortcut (7d34b83): `responseContentType`
// remembers the last reply header's bytes (a copy, at most 1 KiB) and answers an equal header
// with the remembered content type. The claims: never a content type other than parsing gives,
// not fooled by chunk reuse, bounded memory, a malformed header still refused. Attacked as a
// rogue server would: replies alternating content types, headers equal in bytes but cut into
// different chunks, chunks overwritten after they were pushed, near-equal malformed headers,
// headers around the 1 KiB bound, a BOM, and (the bound the commit names) large headers.
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodePayload, encodeFrame, FrameDecoder, MAX_CACHED_HEADERS, type Frame } from '../../src/transport/framing.js';

const PREFIX = 4;

/** A whole response frame (length prefix included) with exactly `header` as its header bytes. */
function rawResponse(header: Uint8Array | string, body: Uint8Array = new Uint8Array([0x7b, 0x7d]), callId = 1): Buffer {
  const headerBytes = typeof header === 'string' ? Buffer.from(header, 'utf8') : Buffer.from(header);
  const payload = Buffer.alloc(9 + headerBytes.length + body.length);
  payload.writeUInt8(2, 0);
  payload.writeUInt32BE(callId, 1);
  payload.writeUInt32BE(headerBytes.length, 5);
  headerBytes.copy(payload, 9);
  payload.set(body, 9 + headerBytes.length);
  const frame = Buffer.alloc(PREFIX + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, PREFIX);
  return frame;
}

/** What parsing the header text gives, done here from scratch (no cache): a content type or 'malformed'. */
function parsed(header: Uint8Array): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(header);
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'malformed';
    const contentType = (value as Record<string, unknown>)['contentType'];
    return typeof contentType === 'string' ? contentType : 'malformed';
  } catch {
    return 'malformed';
  }
}

/** What decodePayload says about a whole frame: its content type or 'malformed'. */
function decoded(frame: Buffer): string {
  try {
    const out = decodePayload(frame.subarray(PREFIX));
    assert.equal(out.kind, 'response');
    return (out as Frame & { kind: 'response' }).contentType;
  } catch (error) {
    assert.match(String((error as { id?: string }).id), /MALFORMED_FRAME/);
    return 'malformed';
  }
}

const headerOf = (contentType: string) => JSON.stringify({ contentType });

describe('attack8: the reply header remembered by its bytes', () => {
  it('A8-F1: should give every reply its own content type when a rogue server alternates, repeats and varies headers', () => {
    const headers = [
      headerOf('application/json'),
      headerOf('application/msgpack'),
      '{"contentType":"application/json","x":1}',
      '{"contentType":"application/json" }',
      '{"contentType":"application/jsoN"}',
      '{"contentType":"application/json","contentType":"application/msgpack"}',
      '\ufeff{"contentType":"application/bom"}',
      '{"contentType":"appl\\u0069cation/json"}',
      '{"contentType":1}',
      '{"contentType":"application/json"',
      '[{"contentType":"application/json"}]',
      '{"contentType":"\u00e9"}',
    ].map((text) => Buffer.from(text, 'utf8'));
    headers.push(Buffer.from([0x7b, 0x22, 0x63, 0xff, 0x22, 0x7d]));
    fc.assert(
      fc.property(fc.array(fc.nat(headers.length - 1), { minLength: 1, maxLength: 30 }), (order) => {
        for (const index of order) {
          const header = headers[index] as Buffer;
          assert.equal(decoded(rawResponse(header)), parsed(header), `header ${index}: ${header.toString('utf8')}`);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('A8-F2: should not be fooled by a chunk overwritten after the decoder took it, cut anywhere', () => {
    const json = rawResponse(headerOf('application/json'));
    const other = rawResponse(headerOf('application/jsoX'));
    assert.equal(json.length, other.length);
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }), fc.nat(json.length), (sequence, cut) => {
        const decoder = new FrameDecoder();
        const seen: string[] = [];
        const sink = (frame: Frame) => seen.push(frame.kind === 'response' ? frame.contentType : frame.kind);
        // One socket buffer, reused for every reply: filled, pushed in two pieces, then overwritten.
        const buffer = Buffer.alloc(json.length);
        for (const isJson of sequence) {
          buffer.set(isJson ? json : other);
          decoder.push(buffer.subarray(0, cut), sink);
          decoder.push(buffer.subarray(cut), sink);
          buffer.fill(0x7b);
        }
        assert.deepEqual(seen, sequence.map((isJson) => (isJson ? 'application/json' : 'application/jsoX')));
      }),
      { numRuns: 500 },
    );
  });

  it('A8-F3: should refuse a header one byte away from the remembered one (same length): bad UTF-8, bad JSON, no string', () => {
    const good = Buffer.from(headerOf('application/json'));
    for (let at = 0; at < good.length; at++) {
      for (const byte of [0xff, 0xc3, 0x00, 0x22, 0x7d, 0x20]) {
        assert.equal(decoded(rawResponse(good)), 'application/json');
        const near = Buffer.from(good);
        near[at] = byte;
        assert.equal(decoded(rawResponse(near)), parsed(near), `byte ${at} set to ${byte}`);
      }
    }
  });

  it('A8-F4: should refuse the remembered header with a byte more or a byte less', () => {
    const good = Buffer.from(headerOf('application/json'));
    assert.equal(decoded(rawResponse(good)), 'application/json');
    assert.equal(decoded(rawResponse(Buffer.concat([good, Buffer.from('x')]))), 'malformed');
    assert.equal(decoded(rawResponse(good)), 'application/json');
    assert.equal(decoded(rawResponse(good.subarray(0, good.length - 1))), 'malformed');
    assert.equal(decoded(rawResponse(good)), 'application/json');
    assert.equal(decoded(rawResponse(new Uint8Array(0))), 'malformed');
  });

  it('A8-F5: should give the right content type on both sides of the 1 KiB bound, alternating with small headers', () => {
    const padded = (size: number, contentType: string): Buffer => {
      const base = `{"contentType":"${contentType}","pad":""}`;
      const text = `{"contentType":"${contentType}","pad":"${'p'.repeat(size - base.length)}"}`;
      const bytes = Buffer.from(text);
      assert.equal(bytes.length, size);
      return bytes;
    };
    const headers = [padded(1023, 'a/1023'), padded(1024, 'a/1024'), padded(1025, 'a/1025'), padded(1024, 'b/1024'), padded(1025, 'b/1025'), Buffer.from(headerOf('application/json'))];
    fc.assert(
      fc.property(fc.array(fc.nat(headers.length - 1), { minLength: 1, maxLength: 20 }), (order) => {
        for (const index of order) assert.equal(decoded(rawResponse(headers[index] as Buffer)), parsed(headers[index] as Buffer));
      }),
      { numRuns: 300 },
    );
  });

  it('A8-F6: should give each reply its content type when the header is a view into a larger shared buffer (equal bytes, other offsets)', () => {
    const a = rawResponse(headerOf('application/json'), new Uint8Array([1, 2, 3]), 5);
    const b = rawResponse(headerOf('application/msgpack'), new Uint8Array([4]), 6);
    const arena = Buffer.concat([Buffer.from([9, 9, 9]), a, b, a, b]);
    const decoder = new FrameDecoder();
    const seen: string[] = [];
    decoder.push(arena.subarray(3), (frame) => seen.push(frame.kind === 'response' ? `${frame.callId}:${frame.contentType}:${Buffer.from(frame.body).toString('hex')}` : frame.kind));
    assert.deepEqual(seen, ['5:application/json:010203', '6:application/msgpack:04', '5:application/json:010203', '6:application/msgpack:04']);
  });

  it('A8-F7: should give a reply the content type its header names when the last decoded header was a request header with the same bytes', () => {
    const request = encodeFrame({ kind: 'request', callId: 1, header: { service: 's', endpoint: 'e', contentType: 'application/json', metadata: {}, timeoutMs: 5 }, body: new Uint8Array(0) });
    decodePayload(request.subarray(PREFIX));
    const headerLength = request.readUInt32BE(PREFIX + 5);
    const header = request.subarray(PREFIX + 9, PREFIX + 9 + headerLength);
    assert.equal(decoded(rawResponse(header)), 'application/json');
  });
});

// Not from 7d34b83: the decoded-header caches keyed by the whole header text (unchanged by the
// commit, bounded only in entries) keep any header up to the frame limit; the commit bounds its
// own copy at 1 KiB for this very reason, as error headers already were.
describe('attack8: memory a rogue peer can make the other side keep through headers (before 7d34b83 too)', () => {
  /** The heap in use after a full collection. */
  function heapAfterGc(): number {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  }

  it(`A8-F8: should not keep large reply headers: ${32} distinct 1 MiB headers keep less than 8 MiB (error headers over 1 KiB are never kept)`, () => {
    // Start from an empty text cache: MAX_CACHED_HEADERS distinct small headers clear it at least once.
    for (let i = 0; i <= MAX_CACHED_HEADERS; i++) decoded(rawResponse(headerOf(`warm/${i}`)));
    const before = heapAfterGc();
    for (let i = 0; i < 32; i++) {
      // What a rogue server sends: a valid header padded to 1 MiB, varied so each one is new.
      const header = `{"contentType":"application/json","pad":"${String(i).padStart(8, '0')}${'x'.repeat(1024 * 1024)}"}`;
      assert.equal(decoded(rawResponse(header)), 'application/json');
    }
    const kept = heapAfterGc() - before;
    assert.ok(kept < 8 * 1024 * 1024, `the client keeps ${(kept / 1024 / 1024).toFixed(1)} MiB after 32 headers of 1 MiB (up to ${MAX_CACHED_HEADERS} x the 4 MiB frame limit)`);
  });
  it('A8-F9: should not keep large request headers either (server side, any client): 32 distinct padded 1 MiB headers keep less than 8 MiB', () => {
    const request = (endpoint: string, pad: string): Buffer => {
      const header = Buffer.from(`{"service":"s","endpoint":"${endpoint}","contentType":"application/json","metadata":{},"timeoutMs":5,"pad":"${pad}"}`);
      const frame = Buffer.alloc(PREFIX + 9 + header.length);
      frame.writeUInt32BE(9 + header.length, 0);
      frame.writeUInt8(1, PREFIX);
      frame.writeUInt32BE(1, PREFIX + 1);
      frame.writeUInt32BE(header.length, PREFIX + 5);
      header.copy(frame, PREFIX + 9);
      return frame;
    };
    for (let i = 0; i <= MAX_CACHED_HEADERS; i++) decodePayload(request(`warm${i}`, '').subarray(PREFIX));
    const before = heapAfterGc();
    for (let i = 0; i < 32; i++) {
      const frame = decodePayload(request('e', `${String(i).padStart(8, '0')}${'x'.repeat(1024 * 1024)}`).subarray(PREFIX));
      assert.ok(frame.kind === 'request' && frame.header.endpoint === 'e');
    }
    const kept = heapAfterGc() - before;
    assert.ok(kept < 8 * 1024 * 1024, `the server keeps ${(kept / 1024 / 1024).toFixed(1)} MiB after 32 request headers of 1 MiB`);
  });
});
