// In-process micro-benchmark of the server's hot-path pieces issue 8 works on: binding and
// validating a request, refusing one (400, 429) up to its wire form, the rate limiter and
// its wrapper, and encoding a reply. Run after `npx tsc -p .`: `node bench/micro/hot-path.mjs`
// (add `rss` to measure the RSS of importing dist/src/index.js in a fresh process).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { report } from './measure.mjs';

// BENCH_DIST points at another build (e.g. of the previous commit) to compare in one sitting.
const dist = process.env.BENCH_DIST === undefined ? new URL('../../dist/', import.meta.url) : new URL(`file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}`);

if (process.argv[2] === 'rss-child') {
  const before = process.memoryUsage().rss;
  await import(new URL('src/index.js', dist).href);
  globalThis.gc?.();
  const after = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ before: before / 2 ** 20, after: after / 2 ** 20 }));
  process.exit(0);
}

if (process.argv[2] === 'rss') {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'rss-child'], { encoding: 'utf8' })));
  }
  const median = (xs) => xs.sort((a, b) => a - b)[1];
  console.log(`rss before import ${median(runs.map((r) => r.before)).toFixed(1)} MiB, after ${median(runs.map((r) => r.after)).toFixed(1)} MiB, delta ${median(runs.map((r) => r.after - r.before)).toFixed(1)} MiB`);
  process.exit(0);
}

const { StrictBinder } = await import(new URL('src/validation/strict-binder.js', dist).href);
const { EchoRequest } = await import(new URL('examples/echo-bench/echo.service.js', dist).href);
const { rateLimited } = await import(new URL('src/errors/factories.js', dist).href);
const { BastionError } = await import(new URL('src/errors/bastion-error.js', dist).href);
const { MemoryRateLimiter } = await import(new URL('src/ratelimit/memory.rate-limiter.js', dist).href);
const { rateLimitWrapper } = await import(new URL('src/ratelimit/rate-limit.wrapper.js', dist).href);
const { parseRateLimitOptions } = await import(new URL('src/ratelimit/options.js', dist).href);
const { decodeBody, encodeBody } = await import(new URL('src/codec/pipeline.js', dist).href);
const { DEFAULT_CODEC_LIMITS } = await import(new URL('src/codec/options.js', dist).href);
const { JSONCodec } = await import(new URL('src/codec/json.codec.js', dist).href);


const refused = async (op) => {
  try {
    await op();
  } catch (error) {
    return BastionError.is(error) ? JSON.stringify(error.toWire()) : undefined;
  }
  throw new Error('the op was expected to fail');
};

const binder = new StrictBinder();
binder.prepare(EchoRequest);
const good = () => ({ name: 'bench', count: 3 });
const bad = () => ({ name: 7, count: 'x' });

const limiter = new MemoryRateLimiter({ maxBuckets: 10_000 });
const open = parseRateLimitOptions({ tokensPerInterval: 1e12, interval: 'second', key: 'endpoint' });
const closed = parseRateLimitOptions({ tokensPerInterval: 1, interval: 'hour', key: 'peer' });
const endpoint = (policy) => ({
  service: 'echo', version: '1.0.0', endpoint: 'Echo.echo', serviceClass: class {}, method: 'echo', request: undefined,
  codec: 'application/json', rateLimits: [policy], mutualTLS: undefined, maxInFlight: { service: undefined, endpoint: undefined }, wrappers: [],
});
const peer = { identity: { name: 'client', trustDomain: 'bench', uri: 'spiffe://bench/service/client' }, authorized: true, remoteAddress: '127.0.0.1' };
const ctx = (ep) => ({ endpoint: ep, peer, metadata: {}, timeoutMs: 0, signal: new AbortController().signal, remainingMs: () => Infinity });
const factory = rateLimitWrapper(limiter);
const openEp = endpoint(open);
const closedEp = endpoint(closed);
const openWrapper = factory(openEp);
const closedWrapper = factory(closedEp);
const openCtx = ctx(openEp);
const closedCtx = ctx(closedEp);
const next = async () => 'ok';
await closedWrapper(closedCtx, next); // spends the one token of the hour


const codec = new JSONCodec();
const requestBytes = Buffer.from(JSON.stringify({ name: 'bench-client-0000000000000000000000000000000000000000000000000000000000000000', count: 7 }));
const reply = { message: 'Hello, bench', count: 3 };

// The server's share of one call without the transport: decode, bind, handler, toPlain and
// encode for an accepted call; decode, bind and the error's wire form for a 400.
const goodBytes = Buffer.from(JSON.stringify({ name: 'bench', count: 3 }));
const badBytes = Buffer.from(JSON.stringify({ name: 7, count: 'x' }));
const handler = (request) => ({ message: `Hello, ${request.name}`, count: request.count });
const serverPath = async (bytes) => {
  try {
    const request = await binder.toInstance(EchoRequest, decodeBody(codec, bytes, DEFAULT_CODEC_LIMITS));
    return encodeBody(codec, binder.toPlain(handler(request)));
  } catch (error) {
    return Buffer.from(JSON.stringify(error.toWire()));
  }
};

const cases = {
  'server path: accepted call': () => serverPath(goodBytes),
  'server path: 400 call': () => serverPath(badBytes),
  'bind+validate (accepted)': () => binder.toInstance(EchoRequest, good()),
  'bind+validate (400) + toWire': () => refused(() => binder.toInstance(EchoRequest, bad())),
  'rateLimited() 429 + toWire': () => JSON.stringify(rateLimited(1000).toWire()),
  'limiter.take (accepted)': () => limiter.take([{ key: 'ep:echo/Echo.echo', policy: open }]),
  'rate-limit wrapper (accepted)': () => openWrapper(openCtx, next),
  'rate-limit wrapper (429) + toWire': () => refused(() => closedWrapper(closedCtx, next)),
  'encodeBody json (100 B reply)': () => encodeBody(codec, reply),
  'decodeBody json (100 B request)': () => decodeBody(codec, requestBytes, DEFAULT_CODEC_LIMITS),
};

await report(cases, process.argv[2]);
