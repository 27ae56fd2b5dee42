#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { BastionError } from '../errors/bastion-error.js';
import { CommandFailure, EXIT, UsageError, type Command, type CommandEnv, type CommandResult } from './command.js';
import { escapeControl, styles } from './output.js';

/** Each command module is loaded only when named, so `--help` and `--version` stay fast. */
interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  { name: 'new', summary: 'scaffold a service project', load: async () => (await import('./commands/new.command.js')).newCommand },
  { name: 'certs', summary: 'create a dev CA and service certificates; inspect a certificate', load: async () => (await import('./commands/certs.command.js')).certsCommand },
  { name: 'call', summary: 'call an endpoint over mutual TLS and print the reply', load: async () => (await import('./commands/call.command.js')).callCommand },
  { name: 'services', summary: 'list services, versions, nodes and endpoints in a registry', load: async () => (await import('./commands/services.command.js')).servicesCommand },
  { name: 'audit', summary: "print each endpoint's protections; --strict fails on gaps", load: async () => (await import('./commands/audit.command.js')).auditCommand },
];

const HELP = `Usage: bastion <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

Options:
  --help      show help (also after a command: bastion <command> --help)
  --version   print the version

Exit codes: 0 success, 1 the call or the application failed, 2 wrong command line.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The terminal environment; `close()` releases stdin once the command is done. */
function environment(): CommandEnv & { close(): void } {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let rl: Interface | undefined;
  let lines: AsyncIterator<string> | undefined;
  return {
    cwd: process.cwd(),
    interactive,
    color: process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined,
    async ask(question, fallback) {
      // One reader for every question: its iterator queues lines typed (or pasted) ahead of the prompt.
      rl ??= createInterface({ input: process.stdin, output: process.stdout, terminal: false });
      lines ??= rl[Symbol.asyncIterator]();
      process.stdout.write(`${question} [${fallback}]: `);
      const next = await lines.next();
      const answer = next.done === true ? '' : next.value.trim();
      return answer === '' ? fallback : answer;
    },
    close() {
      rl?.close();
    },
  };
}

async function run(argv: readonly string[], env: CommandEnv): Promise<CommandResult> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') return { code: EXIT.ok, output: version() };
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { code: first === undefined ? EXIT.usage : EXIT.ok, output: HELP };
  }
  const entry = COMMANDS.find((c) => c.name === first);
  if (entry === undefined) throw new UsageError(`unknown command '${first.slice(0, 64)}'`, HELP);
  return (await entry.load()).run(rest, env);
}

const env = environment();
const style = styles(env.color && process.stderr.isTTY === true);
try {
  const result = await run(process.argv.slice(2), env);
  // Everything printed passes one filter, whatever the command and wherever the text came from (attack F7).
  (result.code === EXIT.ok ? process.stdout : process.stderr).write(escapeControl(result.output) + '\n');
  process.exitCode = result.code;
} catch (error) {
  // Every failure here is the user's input or environment: a message helps more than a stack.
  if (error instanceof UsageError) {
    // The synopsis is enough to fix a typo; the full text is one --help away.
    const synopsis = error.help.split('\n\n')[0];
    process.stderr.write(`${style.red('usage error:')} ${escapeControl(error.message)}\n\n${synopsis}\n(--help for all options)\n`);
    process.exitCode = EXIT.usage;
  } else if (BastionError.is(error)) {
    process.stderr.write(`${style.red(`error ${error.code} ${error.status}`)} [${error.id}]: ${escapeControl(error.detail)}\n`);
    process.exitCode = EXIT.failed;
  } else {
    const message = error instanceof CommandFailure || error instanceof Error ? error.message : String(error);
    process.stderr.write(`${style.red('error:')} ${escapeControl(message)}\n`);
    process.exitCode = EXIT.failed;
  }
} finally {
  env.close();
}
