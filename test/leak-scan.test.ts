// The leak scan of test/run.mjs finds what a deliberately leaking run
// prints, in every form, and stays quiet where it must.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LeakLogEntry } from './support/leak-log.js';
import {
  findLeaks,
  formatLeakReport,
  scanLogFolder,
} from './support/leak-scan.js';

type RunEntry = Extract<LeakLogEntry, { kind: 'run' }>;

const SECRET = 'leak-test-"Secret?>42';
const USER = 'leak';

function run(
  text: string,
  options: { stream?: string; exempt?: boolean; args?: string[] } = {},
): RunEntry {
  return {
    kind: 'run',
    file: 'fake.test.ts',
    program: 'regcred',
    args: options.args ?? ['list'],
    stdoutExempt: options.exempt ?? false,
    outputs: [{ stream: options.stream ?? 'stderr', text }],
    secrets: [{ value: SECRET, user: USER, source: 'config.json' }],
  };
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

const FORMS: [string, string, RegExp][] = [
  ['plain text', `error: ${SECRET} refused`, /^plain text$/],
  ['JSON-escaped', JSON.stringify({ x: SECRET }), /^JSON-escaped$/],
  ['base64', `token ${base64(SECRET)}`, /^base64$/],
  [
    'base64 of user:secret',
    `Authorization: Basic ${base64(`${USER}:${SECRET}`)}`,
    /^base64 of user:secret$/,
  ],
  ['base64url', Buffer.from(SECRET).toString('base64url'), /^base64url$/],
  ['base64 in JSON', base64(`{"password":"${SECRET}"}`), /inside/],
  ['base64url', Buffer.from(`xx${SECRET}yy`).toString('base64url'), /inside/],
];

for (const [label, text, form] of FORMS) {
  test(`the scan finds a secret as ${label}`, () => {
    const leaks = findLeaks([run(text)]);
    assert.equal(leaks.length, 1, text);
    assert.match(leaks[0]?.form ?? '', form);
  });
}

test('the report names file, command, stream and form, never the secret', () => {
  const leaks = findLeaks([run(SECRET, { args: ['login', '-p', SECRET] })]);
  const report = formatLeakReport(leaks);
  assert.match(report, /fake\.test\.ts: regcred login -p \*\*\*/);
  assert.match(report, /stderr holds a secret as plain text/);
  assert.match(report, /config\.json: l\*{5} \(21 chars\)/);
  assert.equal(report.includes(SECRET), false);
  assert.equal(report.includes(base64(SECRET)), false);
});

test('the stdout of a credential printer is not scanned, its stderr is', () => {
  const stdout = run(SECRET, { stream: 'stdout', exempt: true });
  assert.deepEqual(findLeaks([stdout]), []);
  const stderr = run(SECRET, { stream: 'stderr', exempt: true });
  assert.equal(findLeaks([stderr]).length, 1);
});

test('short secrets, user names and words of the product are skipped', () => {
  const entry = (value: string, user?: string): RunEntry => ({
    ...run(`alice said pw and password and ${value}`),
    secrets: [{ value, user, source: 'config.json' }],
  });
  assert.deepEqual(findLeaks([entry('pw')]), []);
  assert.deepEqual(findLeaks([entry('alice', 'alice')]), []);
  const productText = 'prompt("password")';
  assert.deepEqual(findLeaks([entry('password')], { productText }), []);
});

test('a registered secret applies to every run of its test file', () => {
  const registered: LeakLogEntry = {
    kind: 'secret',
    file: 'fake.test.ts',
    secret: { value: 'helper-held-secret', source: 'registered' },
  };
  const other = { ...run('helper-held-secret'), secrets: [] };
  assert.equal(findLeaks([other, registered]).length, 1);
  assert.deepEqual(
    findLeaks([{ ...other, file: 'else.test.ts' }, registered]),
    [],
  );
});

test('a leaking run logged through the recorder fails the scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-leak-scan-'));
  try {
    // a "product" that prints the password it was given on stderr
    const box = join(dir, 'docker');
    const config = {
      auths: { 'r.example': { auth: base64(`${USER}:${SECRET}`) } },
    };
    spawnSync('mkdir', [box]);
    writeFileSync(join(box, 'config.json'), JSON.stringify(config));
    const script = `
      import { watchProductRun } from './build/test/support/leak-log.js';
      const run = watchProductRun('regcred', ['list'], { DOCKER_CONFIG: ${JSON.stringify(box)} });
      run.finish([{ stream: 'stderr', text: 'oops ${SECRET}' }]);
    `;
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        env: { ...process.env, REGCRED_TEST_OUTPUT_LOG: dir },
      },
    );
    assert.equal(child.status, 0, child.stderr.toString());
    const leaks = scanLogFolder(dir);
    assert.equal(leaks.length, 1);
    assert.equal(leaks[0]?.stream, 'stderr');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
