import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseRegistryUrl } from '../container/registry-url.js';

/** What a CLI command hands back: the exit code and the text to print. */
export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

/** Where a command runs: the folder, whether a person is at the terminal, and how to ask them. */
export interface CommandEnv {
  readonly cwd: string;
  /** stdin and stdout are a terminal: prompts are allowed. */
  readonly interactive: boolean;
  /** stdout is a terminal and NO_COLOR is unset. */
  readonly color: boolean;
  /** Asks a question on the terminal; resolves with the answer, or `fallback` when it is empty. */
  ask(question: string, fallback: string): Promise<string>;
}

/** A command: its help text and what it does with its own arguments. */
export interface Command {
  readonly name: string;
  readonly help: string;
  run(argv: readonly string[], env: CommandEnv): Promise<CommandResult>;
}

/** Exit codes: 0 success, 1 the call or the application failed, 2 the command line is wrong. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });

/** The command line is wrong; the CLI prints the message and the command's help, and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

/** The user's input or environment makes the command fail; the CLI prints the message and exits 1. */
export class CommandFailure extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** A parsed command line: option values by name, and the positional arguments. */
export interface ParsedCommand {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
}

/** node:util parseArgs with `--help` added, strict, and any parse error turned into a UsageError. */
export function parseCommand(argv: readonly string[], options: Options, help: string): ParsedCommand {
  try {
    return parseArgs({ args: [...argv], options: { help: { type: 'boolean' }, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, help);
  }
}

/** Parses `host:port` (IPv6 in brackets) or throws a UsageError. */
export function parseAddress(value: string, help: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535) throw new UsageError(`--address must be host:port, got '${value.slice(0, 80)}'`, help);
  return { host: (match[1] ?? match[2]) as string, port };
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;

/** Throws a UsageError unless `name` is a service name (what a certificate's SPIFFE path may hold). */
export function checkServiceName(name: string, help: string): string {
  if (!SERVICE_NAME.test(name)) throw new UsageError(`'${name.slice(0, 64)}' is not a valid service name (a-z, 0-9, '.', '-'; at most 63)`, help);
  return name;
}

/** Throws a UsageError unless `url` is a registry URL Bastion can open (a `file:` URL with a host is not). */
export function checkRegistryUrl(url: string, help: string): string {
  try {
    parseRegistryUrl(url);
  } catch (error) {
    throw new UsageError((error as Error).message, help);
  }
  return url;
}
