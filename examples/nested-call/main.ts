import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNestedCallExample } from './run-example.js';

// Usage: node dist/examples/nested-call/main.js
const outcome = await runNestedCallExample(join(tmpdir(), 'bastion-nested-call-example'));
console.log(JSON.stringify(outcome, null, 2));
