// Child process: serves one contender until the runner says stop, and reports its RSS.
import { loadContender } from './contenders/index.js';
import { readBenchPki } from './pki-file.js';

/** Messages the runner sends a server process. */
export type ToServer = { readonly type: 'rss' } | { readonly type: 'stop' };
/** Messages a server process sends the runner. */
export type FromServer = { readonly type: 'ready'; readonly port: number } | { readonly type: 'rss'; readonly rssMb: number };

const [name, pkiDir] = process.argv.slice(2);
if (name === undefined || pkiDir === undefined || process.send === undefined) {
  console.error('usage: forked by the runner with <contender> <pki-dir>');
  process.exit(2);
}
const send = process.send.bind(process);
const contender = await loadContender(name);
const server = await contender.serve(await readBenchPki(pkiDir));

process.on('message', (message: ToServer) => {
  if (message.type === 'rss') send({ type: 'rss', rssMb: process.memoryUsage().rss / 2 ** 20 } satisfies FromServer);
  if (message.type === 'stop') {
    // A hung close must not hang the run; exit (and write any --cpu-prof profile) either way.
    const forced = setTimeout(() => process.exit(0), 5000);
    server.close().finally(() => {
      clearTimeout(forced);
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: server.port } satisfies FromServer);
