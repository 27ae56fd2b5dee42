// The runner's side of its child processes: where they are, waiting for one's answer, stopping one.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));
export const CLIENT = fileURLToPath(new URL('./client.js', import.meta.url));
/** How long a child may take to load its contender and be ready. */
export const START_TIMEOUT_MS = 30_000;

/** The child's next message that `accept` takes; fails if it exits or stays silent for `timeoutMs`. */
export function nextMessage<T>(child: ChildProcess, what: string, timeoutMs: number, accept: (m: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: T) => accept(message) && finish(undefined, message);
    const onExit = (code: number | null) => finish(new Error(`${what}: exited with ${code} before answering`));
    function finish(error: Error | undefined, message?: T): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error === undefined) resolve(message as T);
      else reject(error);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks the child to stop, and kills it if it has not exited 10 s later. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
