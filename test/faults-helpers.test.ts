// Faults: credential helpers that hang, die half way through their
// answer, or flood stdout. Each is stopped in bounded time (timeout,
// output cap) and reported with a typed error; `regcred get` warns, as
// Docker falls back, or exits 1 with --strict, and never prints any part
// of the secret the helper was about to give.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { HelperError } from '../src/errors.js';
import { helperGet } from '../src/stores/helper-client.js';
import { makeSandbox, runCli } from './support/cli.js';

/** What every helper below was about to answer, or part of it. */
const SECRET = 'S3CRET-half-told';
const SECRET_PART = 'S3CRET';
/** The helper timeout the runs below use, in seconds. */
const TIMEOUT_S = 0.5;
/** The flood gets longer, so that only the output cap can stop it. */
const FLOOD_TIMEOUT_S = 5;
/** Stopping takes SIGTERM, maybe SIGKILL after 1 s, and a busy machine. */
const BOUND_MS = 10_000;

/** The JSON a helper starts to print, cut before the secret ends. */
const HALF_ANSWER = `{"ServerURL":"e.example","Username":"u","Secret":"${SECRET.slice(0, 8)}`;

/** Helper scripts; each records its pid, and its child's, in pid files. */
const HELPERS = {
  hangs: 'cat >/dev/null; echo $$ > "$0.pid"; exec sleep 60',
  'dies half way': `cat >/dev/null; printf '%s' '${HALF_ANSWER}'; kill -9 $$`,
  'dies half way, exit 0': `cat >/dev/null; printf '%s' '${HALF_ANSWER}'`,
  'dies half way, its child keeps stdout':
    `cat >/dev/null; printf '%s' '${HALF_ANSWER}'\n` +
    'sleep 60 & echo $! > "$0.pid"; kill -9 $$',
  'floods stdout':
    'cat >/dev/null; echo $$ > "$0.pid"\n' +
    `while :; do echo '{"Username":"u","Secret":"${SECRET}"}'; done`,
} as const;

type Kind = keyof typeof HELPERS;

/** The typed error each kind gives, and words its message holds. */
const EXPECTED: Record<Kind, { reason: string; code: string; says: RegExp }> = {
  hangs: {
    reason: 'timeout',
    code: 'ERR_HELPER_TIMEOUT',
    says: /no answer within 500 ms, so it was stopped; check whether/,
  },
  'dies half way': {
    reason: 'exit',
    code: 'ERR_HELPER_FAILED',
    says: /killed by SIGKILL before it finished, .* not used; check what/,
  },
  'dies half way, exit 0': {
    reason: 'bad-output',
    code: 'ERR_HELPER_OUTPUT',
    says: /printed text that is not JSON; expected a JSON object/,
  },
  'dies half way, its child keeps stdout': {
    reason: 'timeout',
    code: 'ERR_HELPER_TIMEOUT',
    says: /exited, but a process it started kept its output open/,
  },
  'floods stdout': {
    reason: 'too-large',
    code: 'ERR_HELPER_OUTPUT',
    says: /printed more than 1048576 bytes, so it was stopped/,
  },
};

const box = makeSandbox();
after(() => box.cleanup());

/** Installs the helper for `kind` as `docker-credential-NAME-USER`. */
function install(kind: Kind, user: string): { name: string; pidFile: string } {
  const name = `${kind.replace(/[^a-z]+/g, '-')}-${user}`;
  box.writeHelper(name, HELPERS[kind]);
  return { name, pidFile: join(box.binDir, `docker-credential-${name}.pid`) };
}

/** True while `pid` runs (a zombie waiting to be reaped counts as gone). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Waits briefly for the recorded process, if any, to be gone. */
async function assertStopped(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  for (let tries = 0; tries < 20 && isRunning(pid); tries++) await sleep(50);
  assert.equal(isRunning(pid), false, `process ${pid} survived`);
}

for (const kind of Object.keys(HELPERS) as Kind[]) {
  describe(`a helper that ${kind}`, { concurrency: true }, () => {
    const expected = EXPECTED[kind];
    const timeoutS = kind === 'floods stdout' ? FLOOD_TIMEOUT_S : TIMEOUT_S;

    test('is stopped, with a typed error that holds no secret', async () => {
      const { name, pidFile } = install(kind, 'library');
      const started = performance.now();
      const error = await helperGet(name, 'e.example', {
        env: box.env,
        timeoutMs: timeoutS * 1000,
      }).then(
        () => assert.fail('the helper call succeeded'),
        (error: unknown) => error,
      );
      assert.ok(performance.now() - started < BOUND_MS);
      assert.ok(error instanceof HelperError, String(error));
      assert.equal(error.reason, expected.reason);
      assert.equal(error.code, expected.code);
      assert.match(error.message, expected.says);
      assert.match(error.message, new RegExp(`docker-credential-${name}`));
      assert.ok(!error.message.includes(SECRET_PART), error.message);
      await assertStopped(pidFile);
    });

    test('makes regcred get warn, or fail with --strict, printing no secret', async () => {
      const { name, pidFile } = install(kind, 'cli');
      // the helper is the only place with credentials for e.example
      box.writeConfig({ credHelpers: { 'e.example': name } });
      const get = (...flags: string[]) =>
        runCli(
          ['--helper-timeout', `${timeoutS}`, 'get', ...flags, 'e.example/x'],
          box.env,
        );

      const lenient = await get();
      await assertStopped(pidFile);
      const strict = await get('--strict');
      assert.equal(lenient.status, 0, lenient.stderr);
      assert.equal(lenient.stdout, '{}\n');
      assert.match(lenient.stderr, /^warning: Credential helper/m);
      assert.equal(strict.status, 1, strict.stderr);
      assert.equal(strict.stdout, '');
      for (const run of [lenient, strict]) {
        assert.ok(run.ms < BOUND_MS, `took ${run.ms} ms`);
        assert.match(run.stderr, new RegExp(`docker-credential-${name}`));
        assert.match(run.stderr, expected.says);
        assert.ok(!run.stdout.includes(SECRET_PART), run.stdout);
        assert.ok(!run.stderr.includes(SECRET_PART), run.stderr);
      }
      await assertStopped(pidFile);
    });
  });
}
