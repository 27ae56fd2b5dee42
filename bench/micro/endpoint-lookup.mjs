// Micro-benchmark of the client's per-call endpoint record lookup (issue 8, part 2): the
// content type and idempotency of an endpoint whose service's entry is cached, read the
// old way (two awaited async lookups) and, when the build has it, through the synchronous
// `lookup`. Run after `npx tsc -p .`: `node bench/micro/endpoint-lookup.mjs`;
// BENCH_DIST=<other build>/dist measures another build.
import { report } from './measure.mjs';

const dist = process.env.BENCH_DIST === undefined ? new URL('../../dist/', import.meta.url) : new URL(`file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}`);
const { EndpointCodecs } = await import(new URL('src/client/endpoint-codecs.js', dist).href);

const record = { name: 'echo', version: '1.0.0', nodes: [], endpoints: [{ name: 'Echo.echo', codec: 'application/json', idempotent: true }] };
const codecs = new EndpointCodecs({ getService: async () => [record] }, 60_000);
await codecs.contentType('echo', 'Echo.echo');


// Each case is an async function, as the client's call is: only the awaits inside differ.
const cases = {
  'two awaited lookups (contentType + idempotent)': async () => [await codecs.contentType('echo', 'Echo.echo'), await codecs.idempotent('echo', 'Echo.echo')],
};
if (typeof codecs.lookup === 'function') {
  cases['one lookup, awaited only when not cached'] = async () => {
    const found = codecs.lookup('echo', 'Echo.echo');
    const entry = found instanceof Promise ? await found : found;
    return [entry?.codec, entry?.idempotent === true];
  };
}
await report(cases, process.argv[2]);
