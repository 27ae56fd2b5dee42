import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runObservabilityExample } from './run-example.js';

// Usage: node dist/examples/observability/main.js
const outcome = await runObservabilityExample(join(tmpdir(), 'bastion-observability-example'));
for (const record of outcome.serverLog) console.log(JSON.stringify(record));
console.log(outcome.metricsText);
console.log(`trace ${outcome.clientTraceId} reached the handler as ${outcome.handlerTraceId}`);
