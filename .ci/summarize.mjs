// Prints `N passed, N failed[, N skipped]` from a vitest JSON report; exits 1 when it has no results.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`no test results in ${file}: ${err.message}`);
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
// A file that failed with no failed test of its own (it did not load, or a beforeAll/afterAll hook
// threw and its tests were reported skipped) counts as one failure: its tests did not pass.
const brokenFiles = report.testResults.filter(
  (f) => f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed'),
).length;
let failed = report.numFailedTests + brokenFiles;
// vitest also fails a run for errors outside any file (an unhandled rejection): never print 0 then.
if (report.success === false && failed === 0) failed = 1;
console.log(
  `${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
);
process.exit(failed > 0 ? 1 : 0);
