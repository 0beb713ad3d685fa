// Runs every compiled test file under build/test (or the files given) with
// node's test runner, then scans what the product printed during the run
// for test secrets (docs/testing-leaks.md): a leak fails the run even when
// every test passed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findLeaks,
  formatLeakReport,
  readLogFolder,
} from '../build/test/support/leak-scan.js';
import { LEAK_LOG_VARIABLE } from '../build/test/support/leak-log.js';

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.js')) found.push(path);
  }
  return found;
}

/** The text of regcred's own bundles: words it prints anyway. */
function productText() {
  const dir = join('dist', 'cli');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cjs') && name !== 'vendor.cjs')
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
}

// `node test/run.mjs build/test/a.test.js ...` runs only those files
const given = process.argv.slice(2);
const files = given.length > 0 ? given : findTests('build/test').sort();
const logDir = mkdtempSync(join(tmpdir(), 'regcred-output-log-'));
let status;
try {
  const result = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-concurrency=4',
      '--test-reporter=spec',
      '--import=./build/test/support/leak-errors.js',
      ...files,
    ],
    { stdio: 'inherit', env: { ...process.env, [LEAK_LOG_VARIABLE]: logDir } },
  );
  status = result.status ?? 1;

  const entries = readLogFolder(logDir);
  const leaks = findLeaks(entries, { productText: productText() });
  if (leaks.length > 0) {
    console.error(`\n${formatLeakReport(leaks)}\n`);
    status = 1;
  } else {
    const runs = entries.filter((entry) => entry.kind === 'run');
    const files = new Set(runs.map((entry) => entry.file));
    console.log(
      `Leak scan: no test secret in the output of ${runs.length} ` +
        `product runs from ${files.size} test files.`,
    );
  }
} finally {
  rmSync(logDir, { recursive: true, force: true });
}
process.exit(status);
