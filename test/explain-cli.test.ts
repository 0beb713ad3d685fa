import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { parseCommandLine } from '../src/cli/args.js';
import { runExplain } from '../src/cli/commands/explain.js';
import type { Output } from '../src/cli/output.js';
import type { ExplainReport } from '../src/explain/report.js';
import {
  makeSandbox,
  runCli,
  type CliRun,
  type Sandbox,
} from './support/cli.js';

// Obviously fake secrets; none may appear in any output.
const SECRET = 'not-a-real-secret-3';
const HELPER_SECRET = 'not-a-real-secret-4';
const AUTH = Buffer.from(`alice:${SECRET}`).toString('base64');

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

function explain(...args: string[]): Promise<CliRun> {
  return runCli(['explain', ...args], box.env);
}

function assertNoSecret(run: CliRun): void {
  for (const secret of [SECRET, HELPER_SECRET, AUTH]) {
    assert.ok(!run.stdout.includes(secret), `stdout leaks '${secret}'`);
    assert.ok(!run.stderr.includes(secret), `stderr leaks '${secret}'`);
  }
}

test('explain prints a doctor report without a picture off a terminal', async () => {
  box.writeConfig({ auths: { 'reg.example.test': { auth: AUTH } } });
  const run = await explain('reg.example.test/app');
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stdout,
    /^regcred explain: where does my login live\?\n\nWho runs it\n/,
  );
  assert.match(
    run.stdout,
    /Config file: \S*config\.json, from\s+\$DOCKER_CONFIG/,
  );
  assert.match(run.stdout, /Lookup for reg\.example\.test\/app/);
  assert.match(run.stdout, /username alice, password: set\s+\(redacted\)/);
  assert.ok(
    !run.stdout.includes('+- this client'),
    'no picture off a terminal',
  );
  assert.ok(!run.stdout.includes('\u001b['), 'no colour off a terminal');
  assert.equal(run.stderr, '');
  assertNoSecret(run);
});

test('explain --json prints the documented shape, with no secret', async () => {
  box.writeConfig({
    credsStore: 'vault',
    auths: { 'reg.example.test': { auth: AUTH } },
  });
  box.writeHelper(
    'vault',
    `cat >/dev/null; printf '%s' '${JSON.stringify({
      Username: 'bob',
      Secret: HELPER_SECRET,
    })}'`,
  );
  const run = await explain('--json', 'reg.example.test/app');
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as ExplainReport;
  assert.equal(report.schema, 'regcred.explain/v1');
  assert.equal(report.reference, 'reg.example.test/app');
  assert.equal(report.config.source, 'DOCKER_CONFIG');
  assert.equal(report.lookup?.username, 'bob');
  assert.equal(report.lookup?.passwordSet, true);
  assert.equal(report.lookup?.source, 'helper');
  assert.ok(report.checks.some((c) => c.id === 'config.stale-secrets'));
  assert.equal(report.exitStatus, 0);
  for (const check of report.checks) {
    assert.deepEqual(Object.keys(check), [
      'id',
      'section',
      'title',
      'status',
      'summary',
      'details',
      'next',
    ]);
  }
  assert.deepEqual(Object.keys(report.counts).sort(), [
    'failed',
    'info',
    'ok',
    'warning',
  ]);
  assertNoSecret(run);
});

test('explain exits 1 when the credsStore helper is missing', async () => {
  box.writeConfig({ auths: {}, credsStore: 'desktop' });
  const run = await explain('alpine');
  assert.equal(run.status, 1);
  assert.match(
    run.stdout,
    /FAIL {3}Helper desktop: docker-credential-desktop is not on PATH/,
  );
  assert.match(run.stdout, /do not delete\s+the\s+directory/);
  assert.match(run.stdout, /exit 1/);
});

test('explain --json exits 1 on an unparsable config and still prints JSON', async () => {
  box.writeConfig(`{"auths": {"reg.example.test": {"auth": "${AUTH}"`);
  const run = await explain('--json');
  assert.equal(run.status, 1);
  const report = JSON.parse(run.stdout) as ExplainReport;
  const file = report.checks.find((c) => c.id === 'config.file');
  assert.equal(file?.status, 'failed');
  assert.equal(report.exitStatus, 1);
  assertNoSecret(run);
});

test('explain leaves exit 0 for warnings', async () => {
  box.writeConfig({ auths: { 'docker.io': { auth: AUTH } } });
  const run = await explain();
  assert.equal(run.status, 0);
  assert.match(
    run.stdout,
    /warn {3}Docker Hub keys: never read for Docker Hub:\s+docker\.io/,
  );
  assertNoSecret(run);
});

test('explain honours --config and rejects a second reference', async () => {
  const run = await runCli(
    ['--config', box.configDir, 'explain', '--json'],
    box.env,
  );
  assert.equal((JSON.parse(run.stdout) as ExplainReport).config.source, 'flag');
  const usage = await explain('alpine', 'busybox');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /at most one image reference/);
  const json = await explain('--json', 'alpine', 'busybox');
  assert.equal(json.status, 2);
  const { error } = JSON.parse(json.stdout) as {
    error: { code: string; message: string };
  };
  assert.equal(error.code, 'ERR_USAGE');
  assert.match(error.message, /at most one image reference/);
});

/** An Output that keeps what is written, on a terminal or not. */
function captureOutput(terminal: boolean): Output & { stdout: string } {
  const out = {
    stdout: '',
    result: (text: string) => void (out.stdout += text),
    message: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    stdoutIsTerminal: terminal,
    paint: (_color: string, text: string) => text,
  };
  return out;
}

test('runExplain() draws the picture only on a terminal', async () => {
  const line = parseCommandLine(['explain']);
  for (const terminal of [true, false]) {
    const out = captureOutput(terminal);
    const status = await runExplain({
      line,
      out,
      env: box.env,
      helperTimeoutMs: 5_000,
    });
    assert.equal(status, 0);
    assert.equal(out.stdout.includes('+- this client: '), terminal);
    assert.equal(out.stdout.includes('+- daemon'), terminal);
  }
});
