// Micro-benchmark of the transport's per-call frame work (issue 8, part 2): encoding a
// request frame (header JSON + body into one buffer) and decoding it on the server, for a
// 100 B echo request without metadata and with one trace id. Run after `npx tsc -p .`:
// `node bench/micro/framing.mjs`; BENCH_DIST=<other build>/dist compares another build.
import { report } from './measure.mjs';

const dist = process.env.BENCH_DIST === undefined ? new URL('../../dist/', import.meta.url) : new URL(`file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}`);
const { encodeFrame, decodePayload } = await import(new URL('src/transport/framing.js', dist).href);

const body = Buffer.from(JSON.stringify({ name: 'bench', count: 3, pad: 'x'.repeat(70) }));
const frame = (metadata) => ({ kind: 'request', callId: 7, header: { service: 'echo', endpoint: 'Echo.echo', contentType: 'application/json', metadata, timeoutMs: 5000 }, body });
const empty = frame(Object.freeze({}));
const traced = frame(Object.freeze({ 'trace-id': '4bf92f3577b34da6a3ce929d0e0e4736' }));
// decodePayload takes the payload after the 4-byte length prefix.
const emptyPayload = encodeFrame(empty).subarray(4);
const tracedPayload = encodeFrame(traced).subarray(4);


const cases = {
  'encodeFrame request, no metadata': () => encodeFrame(empty),
  'encodeFrame request, trace id': () => encodeFrame(traced),
  'decodePayload request, no metadata': () => decodePayload(emptyPayload),
  'decodePayload request, trace id': () => decodePayload(tracedPayload),
};
await report(cases, process.argv[2]);
