// Shared set-up of the backend tests: unique names per run, and a child process that
// registers and is then killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A name unique to this test run, so parallel runs never share keys or buckets. */
export function runId(label: string): string {
  return `${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'register-child.js');

/** Starts a child that registers `service` in the registry at `url`, resolved once it has. */
export async function startRegistrant(url: string, service: string, ttlMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, url, service, String(ttlMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`registrant exited with ${code}`)));
    child.stdout?.once('data', () => resolve());
  });
  child.removeAllListeners('exit');
  return child;
}

/** Kills `child` with SIGKILL, as a crash would, and waits for it to be gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
