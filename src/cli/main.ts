#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BastionError } from '../errors/bastion-error.js';
import { CERTS_HELP, certsCommand } from './commands/certs.command.js';
import type { CommandResult } from './command.js';

const HELP = `Usage: bastion <command> [options]

Commands:
  certs init|issue   create a development CA and service certificates

Options:
  --help      show help (also after a command)
  --version   print the version`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function run(argv: readonly string[]): Promise<CommandResult> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean' },
      version: { type: 'boolean' },
      dir: { type: 'string', default: '.bastion/pki' },
      'trust-domain': { type: 'string', default: 'bastion.local' },
    },
  });
  const [command, action, ...rest] = positionals;
  if (values.version === true) return { code: 0, output: version() };
  if (command === undefined) return { code: values.help === true ? 0 : 2, output: HELP };
  if (command === 'certs') {
    if (values.help === true) return { code: 0, output: CERTS_HELP };
    return certsCommand({ action, services: rest, dir: values.dir as string, trustDomain: values['trust-domain'] as string });
  }
  return { code: 2, output: `bastion: unknown command '${command}'\n\n${HELP}` };
}

try {
  const result = await run(process.argv.slice(2));
  (result.code === 0 ? process.stdout : process.stderr).write(result.output + '\n');
  process.exitCode = result.code;
} catch (error) {
  // Every failure here is the user's input or environment; a message is more useful than a stack.
  process.stderr.write(`bastion: ${BastionError.is(error) ? error.detail : (error as Error).message}\n`);
  process.exitCode = 2;
}
