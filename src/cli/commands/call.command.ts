import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TOKENS } from '../../container/tokens.js';
import type { Registry } from '../../registry/registry.js';
import { BastionError } from '../../errors/bastion-error.js';
import { metadataProblem } from '../../transport/call-metadata.js';
import { checkRegistryUrl, checkServiceName, CommandFailure, parseAddress, parseCommand, UsageError, type Command, type CommandEnv, type CommandResult } from '../command.js';
import { FORBIDDEN_KEYS } from '../../codec/codec.js';
import { toJSON, writeLogLine } from '../output.js';
import { pkiDir, untrustedHandshakeHint, type CallerMaterial } from '../pki.js';

const HELP = `Usage:
  bastion call <service> <endpoint> '<json>' (--registry URL | --address HOST:PORT) [options]

Calls <endpoint> (Class.method) of <service> over mutual TLS and prints the reply as JSON.
The server must prove <service>'s identity; the request is checked by the server's DTO.
On error it prints the error's code, id and detail and exits 1.

Options:
  --registry URL          find the service's nodes in this registry (memory:, file:///dir,
                          redis://host:port, nats://host:port; default BASTION_REGISTRY)
  --address HOST:PORT     dial this node directly instead
  --identity NAME         use DIR/NAME.crt and DIR/NAME.key (default cli)
  --pki DIR               the dev PKI folder (default BASTION_PKI, else .bastion/pki)
  --cert FILE             this caller's certificate (overrides --identity)
  --key FILE              this caller's private key
  --ca FILE               the CA bundle the server must chain to (default DIR/ca.crt)
  --trust-domain DOMAIN   the SPIFFE trust domain (default bastion.local)
  --timeout MS            fail with 408 after MS milliseconds (default 10000)
  --metadata K=V          call metadata, repeatable; K is letters (either case), digits,
                          '_', '.', '-', at most 64, starting with a letter or digit
  --json                  print an error as its JSON wire form (on stderr)`;

function parseRequest(text: string): unknown {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the request is not valid JSON: ${(error as Error).message}`, HELP);
  }
  // The client drops prototype keys before sending (codec sanitising): said here, rather than
  // calling with another body than the one typed.
  const key = forbiddenKeyIn(request);
  if (key !== undefined) throw new UsageError(`the request holds the key '${key}', which Bastion never sends (prototype keys are dropped); remove it`, HELP);
  return request;
}

function forbiddenKeyIn(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = forbiddenKeyIn(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

function parseMetadata(pairs: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = Object.create(null);
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, Math.max(at, 0));
    if (at < 1) throw new UsageError(`--metadata must be key=value, got '${pair.slice(0, 80)}'`, HELP);
    metadata[key] = pair.slice(at + 1);
  }
  // The transport's own rules, so the CLI refuses exactly what a client would refuse.
  const problem = metadataProblem(metadata);
  if (problem !== undefined) throw new UsageError(`--metadata: ${problem}`, HELP);
  return { ...metadata };
}

function parseTimeout(text: string): number {
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000) throw new UsageError(`--timeout must be a whole number of milliseconds (1..3600000), got '${text}'`, HELP);
  return ms;
}

async function run(argv: readonly string[], env: CommandEnv): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      address: { type: 'string' },
      registry: { type: 'string' },
      identity: { type: 'string', default: 'cli' },
      pki: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      'trust-domain': { type: 'string', default: 'bastion.local' },
      timeout: { type: 'string', default: '10000' },
      metadata: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (values.help === true) return { code: 0, output: HELP };
  const [service, endpoint, body, ...extra] = positionals;
  if (service === undefined || endpoint === undefined) throw new UsageError('bastion call: name the service and the endpoint', HELP);
  if (extra.length > 0) throw new UsageError(`bastion call: unexpected argument '${String(extra[0]).slice(0, 64)}'`, HELP);
  checkServiceName(service, HELP);
  const request = parseRequest(body ?? '{}');
  const timeoutMs = parseTimeout(values.timeout as string);
  const metadata = parseMetadata(values.metadata as string[]);
  const registryUrl = (values.registry as string | undefined) ?? process.env['BASTION_REGISTRY'];
  if (values.address !== undefined && values.registry !== undefined) throw new UsageError('bastion call: give --registry or --address, not both', HELP);
  if (values.address === undefined && registryUrl === undefined) throw new UsageError('bastion call: give --registry URL or --address HOST:PORT', HELP);
  const address = values.address === undefined ? undefined : parseAddress(values.address as string, HELP);
  if (address === undefined) checkRegistryUrl(registryUrl as string, HELP);
  const pki = pkiDir('--pki', values.pki as string | undefined);
  const identity = values.identity as string;
  // A missing default certificate is a local set-up problem, not a failed call: say how to fix it.
  if (values.cert === undefined && !existsSync(resolve(env.cwd, pki.dir, `${identity}.crt`))) {
    throw new CommandFailure(`no certificate for identity '${identity}' in ${pki.dir}: pass --identity <name> or run \`bastion certs issue ${identity}\``);
  }
  const used: CallerMaterial = {
    pki,
    ca: (values.ca as string | undefined) ?? join(pki.dir, 'ca.crt'),
    caFrom: values.ca === undefined ? 'pki' : '--ca',
    cert: (values.cert as string | undefined) ?? join(pki.dir, `${identity}.crt`),
  };
  // The framework loads only once the command line is known to be good: usage errors stay instant.
  const [{ Bastion }, { staticAddressRegistry }, { ConsoleLogger }] = await Promise.all([
    import('../../bastion.js'),
    import('../../container/static-address.js'),
    import('../../logging/logger.js'),
  ]);
  const registry = address === undefined ? (registryUrl as string) : await staticAddressRegistry(service, address);

  const app = await Bastion.create({
    tls: {
      ca: { path: used.ca },
      cert: { path: used.cert },
      key: { path: (values.key as string | undefined) ?? join(pki.dir, `${identity}.key`) },
      trustDomain: values['trust-domain'] as string,
    },
    registry,
    registryPolicy: { allowServices: [service] },
    logger: new ConsoleLogger('error', writeLogLine),
  });
  try {
    const reply = await app.client.call(service, endpoint, request, { timeoutMs, metadata });
    return { code: 0, output: toJSON(reply) };
  } catch (error) {
    if (!BastionError.is(error)) throw error;
    const fields = (error.fields ?? []).map((f) => `\n  - ${f.path}: ${f.constraints.join('; ')}`).join('');
    const hint = untrustedHandshakeHint(error, used, env.cwd);
    const output =
      values.json === true
        ? toJSON({ error: error.toWire(), ...(hint === undefined ? {} : { hint }) })
        : `error ${error.code} ${error.status} [${error.id}]: ${error.detail}${fields}${hint === undefined ? '' : `\n  ${hint}`}`;
    return { code: 1, output };
  } finally {
    await app.stop();
    // stop() leaves the registry to its owner, and a Redis or NATS connection would keep the process alive.
    await app.container.get<Registry>(TOKENS.InnerRegistry).close?.();
  }
}

/** `bastion call`: one call to an endpoint over mutual TLS, printed as JSON. */
export const callCommand: Command = { name: 'call', help: HELP, run };
