// `node dist/examples/mutual-tls/main.js [pki-dir]`: runs the mutual-TLS example; exits 0 only if every outcome is as expected.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMutualTLSExample } from './run-example.js';

const pkiDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'bastion-mtls-example-')));
const outcomes = await runMutualTLSExample({ pkiDir });
for (const o of outcomes) console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.step.padEnd(22)} ${o.summary}`);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
