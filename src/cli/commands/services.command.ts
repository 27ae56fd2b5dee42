import type { ServiceRecord } from '../../registry/registry.js';
import { checkRegistryUrl, checkServiceName, parseCommand, UsageError, type Command, type CommandResult } from '../command.js';
import { formatColumns, toJSON, writeLogLine } from '../output.js';

const HELP = `Usage:
  bastion services [name] [--registry URL] [--json]

Lists the services in a registry with their versions, nodes and endpoints; with a name,
only that service. Records go through the same checks a client applies on read, so a
malformed record written straight into the store is not shown (a warning says so).

Options:
  --registry URL   memory:, file:///dir, redis://host:port or nats://host:port
                   (default: the BASTION_REGISTRY environment variable)
  --json           print the records as JSON`;

const MEMORY_HINT =
  'memory: is a registry inside one process, this command\'s own, so it is always empty here; ' +
  'give the registry your services use (a scaffolded service: --registry file://$PWD/.bastion/registry, or BASTION_REGISTRY)';

function render(records: readonly ServiceRecord[]): string {
  const rows = [['service', 'version', 'node', 'address', 'endpoints']];
  for (const record of records) {
    const endpoints = record.endpoints.map((e) => e.name).join(', ') || '-';
    if (record.nodes.length === 0) rows.push([record.name, record.version, '-', '-', endpoints]);
    for (const node of record.nodes) rows.push([record.name, record.version, node.id, `${node.host}:${node.port}`, endpoints]);
  }
  return formatColumns(rows);
}

async function run(argv: readonly string[]): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, { registry: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (values.help === true) return { code: 0, output: HELP };
  if (positionals.length > 1) throw new UsageError('bastion services: at most one service name', HELP);
  const name = positionals[0] === undefined ? undefined : checkServiceName(positionals[0], HELP);
  const url = (values.registry as string | undefined) ?? process.env['BASTION_REGISTRY'];
  if (url === undefined) throw new UsageError('bastion services: give --registry URL (or set BASTION_REGISTRY)', HELP);
  checkRegistryUrl(url, HELP);
  // Loading the registry backends (Redis, NATS clients) waits until the command line is known to be good.
  const [{ openRegistryReader }, { ConsoleLogger }] = await Promise.all([import('../../container/registry-reader.js'), import('../../logging/logger.js')]);
  let reader;
  try {
    reader = openRegistryReader(url, new ConsoleLogger('warn', writeLogLine));
  } catch (error) {
    // registryFromUrl refuses a malformed URL or an unknown scheme with a RangeError: the command line is wrong.
    if (error instanceof RangeError) throw new UsageError(error.message, HELP);
    throw error;
  }
  try {
    const records = name === undefined ? await reader.registry.listServices() : await reader.registry.getService(name);
    const sorted = [...records].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
    // `memory:` is this command's own process: a running service registered in its own one.
    const hint = url.startsWith('memory:') ? `\n${MEMORY_HINT}` : '';
    if (name !== undefined && sorted.length === 0) return { code: 1, output: `service '${name}' is not in ${url.replace(/\/\/[^@/]*@/, '//***@')}${hint}` };
    return { code: 0, output: values.json === true ? toJSON(sorted) : sorted.length === 0 ? `no services registered${hint}` : render(sorted) };
  } finally {
    await reader.close();
  }
}

/** `bastion services`: the services, versions, nodes and endpoints in a registry. */
export const servicesCommand: Command = { name: 'services', help: HELP, run };
