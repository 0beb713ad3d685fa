import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { AgentError } from '../src/agent/agent-error.js';
import { openAuditFile } from '../src/agent/audit.js';

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
