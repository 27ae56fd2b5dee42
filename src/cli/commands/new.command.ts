import { readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { checkServiceName, CommandFailure, parseCommand, UsageError, type Command, type CommandEnv, type CommandResult } from '../command.js';
import { toJSON } from '../output.js';
import { scaffoldFiles } from '../templates/index.js';
import { className, SCAFFOLD_PACKAGE_MANAGERS, SCAFFOLD_REGISTRIES, type ScaffoldContext } from '../templates/scaffold-context.js';

/** `memory (default), file, redis or nats`: from the same list the flag is checked against. */
const REGISTRY_CHOICES = `${SCAFFOLD_REGISTRIES[0]} (default), ${SCAFFOLD_REGISTRIES.slice(1, -1).join(', ')} or ${SCAFFOLD_REGISTRIES.at(-1)}`;

const HELP = `Usage:
  bastion new <name> [--yes] [--registry memory|file|redis|nats] [--package-manager npm|pnpm|yarn] [--dir DIR]

Scaffolds a service project in DIR (default ./<name>): a handler class with request and
reply DTOs protected by @RequireMutualTLS, @RateLimit and @Codec, src/main.ts booting it
over mutual TLS (dev certificates are created on first run), a test using bastion/testing,
a README and a .gitignore that keeps keys out of git. <name> must be a valid npm package
name; its unscoped part becomes the service name. DIR must not exist or be empty.

In a terminal, missing choices are asked for; --yes takes the defaults instead.

Options:
  --yes                     never prompt; use defaults for anything not given
  --registry KIND           ${REGISTRY_CHOICES}
  --package-manager PM      npm (default), pnpm or yarn: used in scripts and the README
  --dir DIR                 where to write the project
  --bastion SPEC            the bastion dependency spec (default ^<this version>; a file: tarball works)
  --json                    print what was written as JSON`;

interface OwnPackage {
  readonly version: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as OwnPackage;
}

/** The rules of npm's validate-npm-package-name for new packages; the reason, or undefined when valid. */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 214) return 'it is longer than 214 characters';
  if (name !== name.toLowerCase()) return 'it has capital letters';
  if (name.trim() !== name || /\s/.test(name)) return 'it has spaces';
  if (/^[._]/.test(name)) return "it starts with '.' or '_'";
  if (/[~'!()*]/.test(name)) return "it has one of ~'!()*";
  const match = /^(?:@([^/]+)\/)?([^/]+)$/.exec(name);
  if (match === null) return 'it is not name or @scope/name';
  for (const part of [match[1], match[2]]) {
    if (part !== undefined && encodeURIComponent(part) !== part) return 'it has characters that are not URL-safe';
  }
  if (['node_modules', 'favicon.ico'].includes(name) || builtinModules.includes(name)) return 'it is a reserved or core module name';
  return undefined;
}

async function choose<T extends string>(
  given: string | undefined,
  allowed: readonly T[],
  flag: string,
  env: CommandEnv,
  prompt: boolean,
): Promise<T> {
  const value = given ?? (prompt ? await env.ask(`${flag.slice(2)} (${allowed.join(' | ')})`, allowed[0] as string) : (allowed[0] as string));
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${value.slice(0, 32)}'`, HELP);
  return value as T;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'ENOTDIR') return false;
    throw error;
  }
}

async function run(argv: readonly string[], env: CommandEnv): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      yes: { type: 'boolean', short: 'y' },
      registry: { type: 'string' },
      'package-manager': { type: 'string' },
      dir: { type: 'string' },
      bastion: { type: 'string' },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (values.help === true) return { code: 0, output: HELP };
  if (positionals.length > 1) throw new UsageError(`bastion new: one name only, got ${positionals.length}`, HELP);
  const prompt = env.interactive && values.yes !== true;
  const packageName = positionals[0] ?? (prompt ? await env.ask('package name', 'my-service') : undefined);
  if (packageName === undefined) throw new UsageError('bastion new: name the project (or run it in a terminal to be asked)', HELP);
  const problem = packageNameProblem(packageName);
  if (problem !== undefined) throw new UsageError(`'${packageName.slice(0, 64)}' is not a valid package name: ${problem}`, HELP);
  const service = checkServiceName((packageName.split('/').pop() as string).replaceAll('_', '-'), HELP);
  const registry = await choose(values.registry as string | undefined, SCAFFOLD_REGISTRIES, '--registry', env, prompt);
  const packageManager = await choose(values['package-manager'] as string | undefined, SCAFFOLD_PACKAGE_MANAGERS, '--package-manager', env, prompt);

  const target = resolve(env.cwd, (values.dir as string | undefined) ?? service);
  if (!(await isEmptyOrMissing(target))) throw new CommandFailure(`${target} is not empty; choose another --dir or name`);
  const own = ownPackage();
  const ctx: ScaffoldContext = {
    packageName,
    service,
    className: className(service),
    clientIdentity: `${service}-client`,
    registry,
    packageManager,
    versions: {
      bastion: (values.bastion as string | undefined) ?? `^${own.version}`,
      classValidator: own.dependencies['class-validator'] as string,
      classTransformer: own.dependencies['class-transformer'] as string,
      typescript: own.devDependencies['typescript'] as string,
      typesNode: own.devDependencies['@types/node'] as string,
    },
  };
  const files = scaffoldFiles(ctx);
  for (const file of files) {
    const path = join(target, file.path);
    await mkdir(dirname(path), { recursive: true });
    // 'wx' refuses to overwrite, should another process write into the folder meanwhile.
    await writeFile(path, file.text, { flag: 'wx' });
  }
  const where = relative(env.cwd, target) || '.';
  if (values.json === true) return { code: 0, output: toJSON({ dir: target, service, registry, packageManager, files: files.map((f) => f.path) }) };
  return {
    code: 0,
    output: [
      `Created ${packageName} in ${where} (service '${service}', ${registry} registry):`,
      ...files.map((f) => `  ${f.path}`),
      '',
      'Next:',
      `  cd ${where}`,
      `  ${packageManager} install`,
      `  ${packageManager} test`,
      `  ${packageManager} start`,
    ].join('\n'),
  };
}

/** `bastion new`: scaffolds a service project with every protection switched on. */
export const newCommand: Command = { name: 'new', help: HELP, run };
