import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClientOnlyExample } from './run-example.js';

// Usage: node dist/examples/client-only/main.js
const outcome = await runClientOnlyExample(join(tmpdir(), 'bastion-client-only-example'));
console.log(JSON.stringify(outcome, null, 2));
