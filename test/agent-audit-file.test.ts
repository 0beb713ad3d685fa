import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { AgentError } from '../src/agent/agent-error.js';
import { openAuditFile } from '../src/agent/audit-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-audit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('openAuditFile() refuses a FIFO at once instead of waiting for a reader', () => {
  const fifo = join(dir, 'audit.fifo');
  execFileSync('mkfifo', [fifo]);
  const started = performance.now();
  assert.throws(() => openAuditFile(fifo), AgentError);
  assert.ok(performance.now() - started < 1_000);
});

test('openAuditFile() refuses a folder', () => {
  assert.throws(() => openAuditFile(dir), AgentError);
});

test('openAuditFile() appends lines, written at close', () => {
  const path = join(dir, 'audit.log');
  const audit = openAuditFile(path);
  audit.write('one');
  audit.write('two');
  audit.close();
  assert.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');
});

/** Waits for the batch written within AUDIT_FLUSH_MS (50 ms). */
const afterFlush = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 150));

test('openAuditFile() follows log rotation: a renamed file, then a new one at the path', async () => {
  const path = join(dir, 'audit.log');
  const audit = openAuditFile(path);
  audit.write('one');
  await afterFlush();
  renameSync(path, `${path}.1`);
  audit.write('two');
  await afterFlush();
  audit.write('three');
  audit.close();
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'one\n');
  assert.equal(readFileSync(path, 'utf8'), 'two\nthree\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('openAuditFile() makes a new file when the old one was removed', async () => {
  const path = join(dir, 'audit.log');
  const audit = openAuditFile(path);
  audit.write('one');
  await afterFlush();
  rmSync(path);
  audit.write('two');
  audit.close();
  assert.equal(readFileSync(path, 'utf8'), 'two\n');
});

test('openAuditFile() keeps the old file, and warns once, when the path cannot be reopened', async (t) => {
  const warnings: string[] = [];
  t.mock.method(process.stderr, 'write', (text: string) => {
    warnings.push(text);
    return true;
  });
  const path = join(dir, 'audit.log');
  const audit = openAuditFile(path);
  audit.write('one');
  await afterFlush();
  renameSync(path, `${path}.1`);
  mkdirSync(path);
  audit.write('two');
  await afterFlush();
  audit.write('three');
  audit.close();
  t.mock.restoreAll();
  assert.equal(readFileSync(`${path}.1`, 'utf8'), 'one\ntwo\nthree\n');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /audit file .* was moved or removed/);
  assert.match(warnings[0] ?? '', /\(EISDIR\)/);
});

test('openAuditFile() ignores lines after close()', async () => {
  const path = join(dir, 'audit.log');
  const audit = openAuditFile(path);
  audit.write('one');
  audit.close();
  audit.write('late');
  audit.close();
  await afterFlush();
  assert.equal(readFileSync(path, 'utf8'), 'one\n');
});

test('openAuditFile() writes queued lines within a short time', async () => {
  const path = join(dir, 'audit.log');
  const audit = openAuditFile(path);
  try {
    audit.write('one');
    await afterFlush();
    assert.equal(readFileSync(path, 'utf8'), 'one\n');
  } finally {
    audit.close();
  }
});
