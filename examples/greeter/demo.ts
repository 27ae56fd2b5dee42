// `npm run demo`: runs the greeter over mutual TLS and shows each protection at work.
// Exits 0 only if every outcome is the expected one.
import { runGreeterDemo } from './run-demo.js';

const outcomes = await runGreeterDemo({ pkiDir: '.bastion/pki' });
for (const outcome of outcomes) {
  console.log(`${outcome.ok ? 'ok  ' : 'FAIL'} ${outcome.step.padEnd(22)} ${outcome.summary}`);
}
const failed = outcomes.filter((o) => !o.ok).length;
console.log(failed === 0 ? `\nall ${outcomes.length} outcomes as expected` : `\n${failed} of ${outcomes.length} outcomes unexpected`);
process.exit(failed === 0 ? 0 : 1);
