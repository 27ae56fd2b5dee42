// Runs the compiled CLI as a child process, as a user would, and captures what it prints.
import { execFile } from 'node:child_process';

export const CLI_MAIN = new URL('../../src/cli/main.js', import.meta.url).pathname;

/** Exit code and output of one `bastion` run. */
export interface CLIRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bastion ...args` in `cwd` with colours off (stdout is a pipe anyway). */
export function bastion(args: readonly string[], options: { cwd?: string; timeoutMs?: number; env?: Record<string, string | undefined> } = {}): Promise<CLIRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_MAIN, ...args],
      { cwd: options.cwd, timeout: options.timeoutMs ?? 30_000, env: { ...process.env, NO_COLOR: '1', ...options.env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
