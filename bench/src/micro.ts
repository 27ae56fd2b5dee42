// Micro-benchmark: decode + validate of one echo request, for every codec the build has.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { BodyCodec } from '../../dist/src/index.js';
import { decodeBody } from '../../dist/src/codec/pipeline.js';
import { DEFAULT_CODEC_LIMITS } from '../../dist/src/codec/options.js';
import { StrictBinder } from '../../dist/src/validation/strict-binder.js';
import { EchoRequest as EchoDto } from '../../dist/examples/echo-bench/echo.service.js';
import { PAYLOADS, echoRequest } from './workload.js';

/** Operations per second of one codec, decode alone and decode + validate. */
export interface MicroResult {
  readonly codec: string;
  readonly contentType: string;
  readonly decodeOps: number;
  readonly decodeValidateOps: number;
}

const CODEC_DIR = fileURLToPath(new URL('../../dist/src/codec/', import.meta.url));

/** Every codec class the build exports from `src/codec/*.codec.ts` that can be made without arguments. */
async function codecs(): Promise<BodyCodec[]> {
  const found: BodyCodec[] = [];
  for (const file of (await readdir(CODEC_DIR)).filter((f) => f.endsWith('.codec.js')).sort()) {
    let module: Record<string, unknown>;
    try {
      module = (await import(new URL(file, `file://${CODEC_DIR}`).href)) as Record<string, unknown>;
    } catch (error) {
      // A codec that does not load (a half-built dist/) is left out, not the whole report.
      process.stderr.write(`micro-benchmark: ${file} left out (${error instanceof Error ? error.message : String(error)})\n`);
      continue;
    }
    for (const value of Object.values(module)) {
      if (typeof value !== 'function' || value.length > 0) continue;
      try {
        const codec = new (value as new () => BodyCodec)();
        if (typeof codec.parse === 'function' && typeof codec.serialize === 'function') found.push(codec);
      } catch {
        // not a codec class
      }
    }
  }
  return found;
}

// Sync work is timed without an await per op, so the figure is the codec's, not the microtask queue's.
async function opsPerSecond(seconds: number, op: () => unknown): Promise<number> {
  const start = performance.now();
  const end = start + seconds * 1000;
  const isAsync = op() instanceof Promise;
  let ops = 0;
  while (performance.now() < end) {
    if (isAsync) for (let i = 0; i < 256; i++) await op();
    else for (let i = 0; i < 256; i++) op();
    ops += 256;
  }
  return ops / ((performance.now() - start) / 1000);
}

/** Measures each codec for `seconds` per figure. */
export async function runMicro(seconds: number): Promise<MicroResult[]> {
  const binder = new StrictBinder();
  const results: MicroResult[] = [];
  for (const codec of await codecs()) {
    const bytes = codec.serialize(codec.sanitize(echoRequest(PAYLOADS.small)));
    const decode = () => decodeBody(codec, bytes, DEFAULT_CODEC_LIMITS);
    await binder.toInstance(EchoDto, decode());
    results.push({
      codec: codec.name,
      contentType: codec.contentType,
      decodeOps: await opsPerSecond(seconds, decode),
      decodeValidateOps: await opsPerSecond(seconds, () => binder.toInstance(EchoDto, decode())),
    });
  }
  return results;
}
