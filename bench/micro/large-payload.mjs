// Micro-benchmark of the 64 KiB echo path (issue 8, part 3): the JSON codec's steps on a
// request and a reply of the bench's 64 KiB workload, and the transport's framing of such a
// frame (encode, then decode from 16 KiB chunks as TLS records arrive). Run after
// `npx tsc -p .`: `node bench/micro/large-payload.mjs [case]`; BENCH_DIST=<other build>/dist
// compares another build.
import { report } from './measure.mjs';

const dist = process.env.BENCH_DIST === undefined ? new URL('../../dist/', import.meta.url) : new URL(`file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}`);
const { encodeFrame, FrameDecoder } = await import(new URL('src/transport/framing.js', dist).href);
const { decodeBody, encodeBody } = await import(new URL('src/codec/pipeline.js', dist).href);
const { DEFAULT_CODEC_LIMITS } = await import(new URL('src/codec/options.js', dist).href);
const { JSONCodec } = await import(new URL('src/codec/json.codec.js', dist).href);

const codec = new JSONCodec();
const limits = DEFAULT_CODEC_LIMITS;
// As bench/src/workload.ts: the reply is about 64 KiB of JSON; the handler builds a new string each call.
const name = 'b'.repeat(64 * 1024 - 35);
const requestBytes = Buffer.from(JSON.stringify({ name, count: 12345 }));
const reply = () => ({ message: `Hello, ${name}`, count: 12345 });
// Text with escapes and multi-byte characters, so the string scan's slow branches are measured too.
const mixed = Buffer.from(JSON.stringify({ name: 'é"\\ü€😀 '.repeat(6000), tags: Array.from({ length: 200 }, (_, i) => ({ k: `v${i}` })) }));

const frame = encodeFrame({ kind: 'request', callId: 7, header: { service: 'echo', endpoint: 'Echo.echo', contentType: 'application/json', metadata: Object.freeze({}), timeoutMs: 5000 }, body: requestBytes });
const chunks = [];
for (let offset = 0; offset < frame.byteLength; offset += 16 * 1024) chunks.push(frame.subarray(offset, offset + 16 * 1024));
const sink = () => {};

/** Cuts bytes as TLS hands them over: 16 KiB records. */
function* records(bytes) {
  for (let offset = 0; offset < bytes.byteLength; offset += 16 * 1024) yield bytes.subarray(offset, offset + 16 * 1024);
}
const header = { service: 'echo', endpoint: 'Echo.echo', contentType: 'application/json', metadata: Object.freeze({}), timeoutMs: 5000 };
/** Both ends of one echo call without TLS: every codec and framing step, and the garbage they leave. */
function roundTrip() {
  let request;
  const requestDecoder = new FrameDecoder();
  for (const record of records(encodeFrame({ kind: 'request', callId: 7, header, body: encodeBody(codec, { name, count: 12345 }) }))) {
    requestDecoder.push(record, (f) => (request = f));
  }
  const args = decodeBody(codec, request.body, limits);
  let response;
  const replyFrame = encodeFrame({ kind: 'response', callId: 7, contentType: 'application/json', body: encodeBody(codec, { message: `Hello, ${args.name}`, count: args.count }) });
  const decoder = new FrameDecoder();
  for (const record of records(replyFrame)) decoder.push(record, (f) => (response = f));
  return decodeBody(codec, response.body, limits);
}

const cases = {
  '64 KiB round trip (codec + framing, both ends)': roundTrip,
  '64 KiB checkRaw (request)': () => codec.checkRaw(requestBytes, limits),
  '64 KiB checkRaw (escapes, multi-byte, 200 objects)': () => codec.checkRaw(mixed, limits),
  '64 KiB parse (request)': () => codec.parse(requestBytes, limits),
  '64 KiB decodeBody (request)': () => decodeBody(codec, requestBytes, limits),
  '64 KiB sanitize (reply)': () => codec.sanitize(reply()),
  '64 KiB serialize (reply)': () => codec.serialize(reply()),
  '64 KiB encodeBody (reply)': () => encodeBody(codec, reply()),
  '64 KiB encodeFrame request': () => encodeFrame({ kind: 'request', callId: 7, header: { service: 'echo', endpoint: 'Echo.echo', contentType: 'application/json', metadata: Object.freeze({}), timeoutMs: 5000 }, body: requestBytes }),
  '64 KiB FrameDecoder, 16 KiB chunks': () => {
    const decoder = new FrameDecoder();
    for (const chunk of chunks) decoder.push(chunk, sink);
  },
};
await report(cases, process.argv[2]);
