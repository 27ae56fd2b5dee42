import { runPubsubExample } from './run-example.js';

console.log(await runPubsubExample(process.argv[2]));
