import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRateLimitExample } from './run-example.js';

// Usage: node dist/examples/rate-limit/main.js [redis://127.0.0.1:6379]
const redisUrl = process.argv[2];
const outcome = await runRateLimitExample({ pkiDir: join(tmpdir(), 'bastion-rate-limit-example'), ...(redisUrl === undefined ? {} : { redisUrl }) });
console.log(JSON.stringify(outcome, null, 2));
