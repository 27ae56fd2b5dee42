import { parseCommand, UsageError, type Command, type CommandResult } from '../command.js';

const HELP = `Usage:
  bastion services [name] --registry URL [--json]`;

async function run(argv: readonly string[]): Promise<CommandResult> {
  const { values } = parseCommand(argv, { registry: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (values.help === true) return { code: 0, output: HELP };
  throw new UsageError('bastion services: --registry is required', HELP);
}

/** `bastion services`: the services, versions, nodes and endpoints in a registry. */
export const servicesCommand: Command = { name: 'services', help: HELP, run };
