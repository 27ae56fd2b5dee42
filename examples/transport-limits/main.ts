import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTransportLimitsExample } from './run-example.js';

// Usage: node dist/examples/transport-limits/main.js
const outcome = await runTransportLimitsExample(join(tmpdir(), 'bastion-transport-limits-example'));
console.log(JSON.stringify(outcome, null, 2));
