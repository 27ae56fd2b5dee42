import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CONTENT_TYPE } from '../../codec/codecs.js';
import { auditTable, decoratedServiceClasses, formatAuditTable, strictViolations, subscriberProblems } from '../../metadata/audit.js';
import { exploreServices, exploreSubscribers } from '../../metadata/explorer.js';
import type { ServiceClass } from '../../server/server.js';
import { CommandFailure, parseCommand, UsageError, type Command, type CommandEnv, type CommandResult } from '../command.js';
import { toJSON } from '../output.js';

const HELP = `Usage:
  bastion audit <entry file> [--strict] [--json]

Loads the application's entry module without starting it and prints each endpoint and
each @Subscribe method (kind "subscribe <topic>") with its protections: mutual TLS,
allowed peers, rate limit, codec and validated request. It is the table Bastion logs at
boot. It exits 1 on anything boot would refuse (@RequireMutualTLS on a @Subscribe method).

The entry is a JavaScript module (compiled output) that exports its service classes, as
  export const services = [Greeter];
or a default export of the options passed to Bastion.create():
  export default { services: [Greeter], ... };
or the @Service classes themselves (a compiled service file, e.g. dist/src/greeter.service.js).

Warning: auditing imports the file, and importing runs its top-level code. Audit a file
that only declares services; auditing one with side effects (a main.js that calls
Bastion.create()/start()) starts that server.

Options:
  --strict   exit 1 when an endpoint lacks @RequireMutualTLS, @RateLimit or a validated request
  --json     print the rows as JSON`;

function servicesOf(exports: Record<string, unknown>, file: string): readonly ServiceClass[] {
  const candidates = [exports['services'], (exports['default'] as { services?: unknown } | undefined)?.services, exports['default']];
  const found = candidates.find((value) => Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'function'));
  if (found !== undefined) return found as ServiceClass[];
  const decorated = decoratedServiceClasses(exports);
  if (decorated.length === 0) {
    throw new CommandFailure(
      `${file} exports no service classes: export a @Service class, export const services = [MyService], or export default { services: [...] }`,
    );
  }
  return decorated;
}

async function run(argv: readonly string[], env: CommandEnv): Promise<CommandResult> {
  const { values, positionals } = parseCommand(argv, { strict: { type: 'boolean' }, json: { type: 'boolean' } }, HELP);
  if (values.help === true) return { code: 0, output: HELP };
  if (positionals.length !== 1) throw new UsageError('bastion audit: name one entry file', HELP);
  const file = positionals[0] as string;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(resolve(env.cwd, file)).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandFailure(`cannot load ${file}: ${code === 'ERR_MODULE_NOT_FOUND' ? 'no such module' : (error as Error).message}`);
  }
  const services = servicesOf(exports, file);
  const endpoints = exploreServices(services, { codec: DEFAULT_CONTENT_TYPE });
  const subscribers = exploreSubscribers(services, { codec: DEFAULT_CONTENT_TYPE });
  const rows = auditTable(endpoints, subscribers);
  // What boot refuses in any mode is a problem here too; strict mode adds its own (attack F9).
  const problems = [...subscriberProblems(subscribers), ...(values.strict === true ? strictViolations(endpoints) : [])];
  const code = problems.length === 0 ? 0 : 1;
  if (values.json === true) return { code, output: toJSON({ endpoints: rows, problems }) };
  const table = formatAuditTable(rows);
  if (code === 0) return { code, output: table };
  return { code, output: `${table}\n\n${values.strict === true ? 'strict mode' : 'boot'} refuses ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}` };
}

/** `bastion audit`: the protection table of an application, without starting it. */
export const auditCommand: Command = { name: 'audit', help: HELP, run };
