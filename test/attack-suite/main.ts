// `npm run attack`: runs the suite, prints the table and writes docs/attack-report.md.
// Exits 1 when any attack did not behave as documented.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatReport } from './report.js';
import { problemsOf, runAttackSuite } from './suite.js';

const rows = await runAttackSuite();
const report = formatReport(rows, new Date());
console.log(report);
writeFileSync(fileURLToPath(new URL('../../../docs/attack-report.md', import.meta.url)), report);
process.exit(rows.some((row) => problemsOf(row).length > 0) ? 1 : 0);
