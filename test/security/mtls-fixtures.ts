// Fixtures shared by the mutual-TLS attack and rotation tests: one service with a guarded
// and an open endpoint, apps made with Bastion.create, and raw TLS callers for the
// certificates Bastion itself would refuse to boot with.
import 'reflect-metadata';
import { rename, writeFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { IsString, Length } from 'class-validator';
import { Bastion, Handler, MemoryRegistry, RequireMutualTLS, Service, type BastionOptions, type CallContext, type TLSOptions } from '../../src/index.js';
import type { WireError } from '../../src/errors/bastion-error.js';
import { FrameDecoder, encodeFrame, type Frame } from '../../src/transport/framing.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

export class HelloRequest {
  @IsString()
  @Length(1, 32)
  name!: string;
}

/** `open` requires mTLS from `frontend` or `ops-*`; `health` serves anyone the transport admits. */
@Service({ name: 'accounts' })
export class Accounts {
  calls = 0;
  /** While set, `open` waits on it: lets a test hold calls in flight. */
  gate: Promise<void> | undefined;

  @RequireMutualTLS({ allow: ['frontend', 'ops-*'] })
  @Handler()
  async open(request: HelloRequest, ctx: CallContext): Promise<{ greeting: string; caller: string }> {
    this.calls++;
    await this.gate;
    return { greeting: `hello ${request.name}`, caller: ctx.peer.identity?.name ?? '' };
  }

  @RequireMutualTLS()
  @Handler()
  whoami(_request: HelloRequest, ctx: CallContext): { identity: string; subject: string; subjectAltName: string } {
    return { identity: ctx.peer.identity?.uri ?? '', subject: ctx.peer.certificate?.subject ?? '', subjectAltName: ctx.peer.certificate?.subjectAltName ?? '' };
  }

  @Handler()
  health(): { status: string } {
    return { status: 'ok' };
  }
}

/** Another service, for a node that proves a different identity than the one a client wants. */
@Service({ name: 'orders' })
export class Orders {
  calls = 0;

  @Handler()
  list(): string[] {
    this.calls++;
    return [];
  }
}

/** A server app and what a test needs of it. */
export interface ServedApp {
  readonly app: Bastion;
  readonly port: number;
  readonly accounts: Accounts;
  readonly logger: RecordingLogger;
  readonly registry: MemoryRegistry;
}

/** Boots and starts the `accounts` service with `options` (a fresh registry and a recording logger). */
export async function serveAccounts(options: Partial<BastionOptions>): Promise<ServedApp> {
  const logger = new RecordingLogger();
  const registry = new MemoryRegistry();
  const app = await Bastion.create({ services: [Accounts], registry, logger, ...options });
  const { port } = await app.start();
  return { app, port, accounts: app.container.get(Accounts), logger, registry };
}

/** A client-only app that finds `accounts` in `registry`. */
export function clientApp(tls: TLSOptions, registry: MemoryRegistry, extra: Partial<BastionOptions> = {}): Promise<Bastion> {
  return Bastion.create({ tls, registry, registryPolicy: { allowServices: ['accounts'] }, logger: new RecordingLogger(), ...extra });
}

/** What one raw call got back: a decoded body, a wire error, or nothing before the connection closed. */
export type RawOutcome = { kind: 'response'; body: unknown } | { kind: 'error'; error: WireError } | { kind: 'closed' };

/** Sends one JSON request for `endpoint` of `accounts` on an open raw socket (`health` takes no body). */
export function rawAccountsCall(socket: TLSSocket, endpoint: 'Accounts.open' | 'Accounts.health'): Promise<RawOutcome> {
  const body = endpoint === 'Accounts.open' ? Buffer.from(JSON.stringify({ name: 'mallory' })) : Buffer.alloc(0);
  return new Promise((resolve) => {
    const decoder = new FrameDecoder(1 << 20);
    const settle = (outcome: RawOutcome): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (frame: Frame) => {
        if (frame.kind === 'response') settle({ kind: 'response', body: JSON.parse(Buffer.from(frame.body).toString('utf8')) });
        else if (frame.kind === 'error') settle({ kind: 'error', error: frame.error });
      }),
    );
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ kind: 'closed' }));
    const header = { service: 'accounts', endpoint, contentType: 'application/json', metadata: {}, timeoutMs: 0 };
    socket.write(encodeFrame({ kind: 'request', callId: 1, header, body }));
  });
}

/** Replaces `path` the way rotation tools do: write a sibling file, then rename it over. */
export async function replaceFile(path: string, content: string): Promise<void> {
  await writeFile(`${path}.next`, content, { mode: 0o600 });
  await rename(`${path}.next`, path);
}

/** Waits until `logger` has a record of `event` beyond the first `after` records; fails after `withinMs`. */
export async function logged(logger: RecordingLogger, event: string, after = 0, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!logger.records.slice(after).some((r) => r.event === event)) {
    if (Date.now() > deadline) throw new Error(`no '${event}' record within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
