import { runResilientClientExample } from './run-example.js';

console.log(await runResilientClientExample());
