import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HelperError,
  UsageError,
  type HelperFailureReason,
} from '../src/errors.js';
import {
  findHelper,
  HELPER_NOT_FOUND_MESSAGE,
  helperErase,
  helperGet,
  helperList,
  helperStore,
  type HelperCallOptions,
} from '../src/stores/helper-client.js';
import {
  answering,
  exiting,
  hanging,
  hangingIgnoringTerm,
  makeFakeHelper,
  notFound,
  printingGarbage,
  printingMegabytes,
  readRecordedCalls,
  recording,
  shellQuote,
  writingPid,
} from './support/fake-helper.js';

/** The grace between SIGTERM and SIGKILL in the client. */
const GRACE_MS = 1_000;
/** Room for a loaded machine when timing a stop. */
const SLACK_MS = 700;
/** A secret no message may contain. */
const SECRET = 'S3CRET-do-not-leak';

let dir: string;
let counter = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-helper-client-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Paths {
  /** The log for {@link recording}. */
  log: string;
  /** Where {@link writingPid} should write. */
  pidFile: string;
}

/** A fresh bin directory holding one helper; PATH has it plus /usr/bin. */
function setup(script: string | ((paths: Paths) => string)): Paths & {
  name: string;
  options: HelperCallOptions & { env: NodeJS.ProcessEnv };
} {
  counter += 1;
  const binDir = mkdtempSync(join(dir, 'bin-'));
  const name = `fake${counter}`;
  const paths = {
    log: join(binDir, 'calls.log'),
    pidFile: join(binDir, 'helper.pid'),
  };
  makeFakeHelper(
    binDir,
    name,
    typeof script === 'string' ? script : script(paths),
  );
  const env = { PATH: `${binDir}:/usr/bin:/bin`, REGCRED_PROBE: 'x y' };
  return { name, ...paths, options: { env } };
}

async function rejection(promise: Promise<unknown>): Promise<HelperError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HelperError, `not a HelperError: ${error}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

async function failsWith(
  promise: Promise<unknown>,
  reason: HelperFailureReason,
): Promise<HelperError> {
  const error = await rejection(promise);
  assert.equal(error.reason, reason, error.message);
  return error;
}

/** Whether `pid` is still running: process.kill(pid, 0), as asked. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

/**
 * Whether an orphaned grandchild still runs. Its zombie is reaped by
 * PID 1, which in some sandboxes never reaps, so a zombie counts as gone.
 */
function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function readPid(pidFile: string): number {
  return Number(readFileSync(pidFile, 'utf8').trim());
}

const FOUND = { ServerURL: 'r.example', Username: 'ann', Secret: 'pw' };

test('findHelper() returns the absolute path on PATH', () => {
  const { name, options } = setup(answering(FOUND));
  const path = findHelper(name, options.env);
  assert.match(path ?? '', new RegExp(`^/.*/docker-credential-${name}$`));
  assert.equal(findHelper('absent-helper', options.env), undefined);
});

test('helperStore() sends Go-escaped JSON and a newline on stdin', async () => {
  const { name, log, options } = setup(({ log }) =>
    recording(log, answering('')),
  );
  await helperStore(
    name,
    { serverURL: 'localhost:5101', username: '<token>', secret: 'p"w\\<' },
    options,
  );
  const [call, ...more] = readRecordedCalls(log);
  assert.equal(more.length, 0);
  assert.deepEqual(call?.argv, ['store']);
  assert.equal(
    call.stdin.toString('utf8'),
    '{"ServerURL":"localhost:5101","Username":"\\u003ctoken\\u003e",' +
      '"Secret":"p\\"w\\\\\\u003c"}\n',
  );
});

test('helperStore() escapes <, > and & in every field as Go does', async () => {
  const { name, log, options } = setup(({ log }) =>
    recording(log, answering('')),
  );
  await helperStore(
    name,
    { serverURL: 'a&b', username: 'b<o>b', secret: 's3cr:et' },
    options,
  );
  assert.equal(
    readRecordedCalls(log)[0]?.stdin.toString('utf8'),
    '{"ServerURL":"a\\u0026b","Username":"b\\u003co\\u003eb",' +
      '"Secret":"s3cr:et"}\n',
  );
});

for (const action of ['get', 'erase'] as const) {
  const symbol = action === 'get' ? 'helperGet()' : 'helperErase()';
  test(`${symbol} sends the address raw, with no newline`, async () => {
    const { name, log, options } = setup(({ log }) =>
      recording(log, answering(FOUND)),
    );
    const address = 'https://r.example:5000/v1/ ünï';
    if (action === 'get') await helperGet(name, address, options);
    else await helperErase(name, address, options);
    const [call] = readRecordedCalls(log);
    assert.deepEqual(call?.argv, [action]);
    assert.deepEqual(call.stdin, Buffer.from(address, 'utf8'));
  });
}

test('helperList() sends "unused" and returns the listed servers', async () => {
  const reply = { '127.0.0.1:5102': 'alice', 'localhost:5101': '<token>' };
  const { name, log, options } = setup(({ log }) =>
    recording(log, answering(reply)),
  );
  const listed = await helperList(name, options);
  assert.deepEqual([...listed], Object.entries(reply));
  const [call] = readRecordedCalls(log);
  assert.deepEqual(call?.argv, ['list']);
  assert.equal(call.stdin.toString('utf8'), 'unused');
});

test('helperGet() gives the helper exactly the env and cwd it was given', async () => {
  const { name, log, options } = setup(({ log }) =>
    recording(log, answering(FOUND)),
  );
  await helperGet(name, 'r.example', options);
  const [call] = readRecordedCalls(log);
  assert.deepEqual(call?.env, options.env);
  assert.equal(call.cwd, process.cwd());
});

test('helperGet() returns the credentials, keys matched as Go does', async () => {
  const reply = { serverurl: 'x', USERNAME: 'ann', sEcReT: 'pw', Other: 1 };
  const { name, options } = setup(answering(reply));
  const found = await helperGet(name, 'r.example', options);
  assert.deepEqual(found, { username: 'ann', secret: 'pw' });
});

test('helperGet() passes an identity-token answer through as is', async () => {
  const { name, options } = setup(
    answering(
      '{"ServerURL":"whatever","Username":"<token>","Secret":"IDTOK","Extra":1}',
    ),
  );
  const found = await helperGet(name, 'raw.example', options);
  assert.deepEqual(found, { username: '<token>', secret: 'IDTOK' });
});

test('helperGet() ignores text after the JSON object, as Go does', async () => {
  const { name, options } = setup(
    answering('{"Username":"ann","Secret":"p}w"}\nlog line {'),
  );
  const found = await helperGet(name, 'r.example', options);
  assert.deepEqual(found, { username: 'ann', secret: 'p}w' });
});

test('helperGet() reads null, as Go does, as an empty value', async () => {
  const { name, options } = setup(answering('{"Username":null,"Secret":""}'));
  assert.deepEqual(await helperGet(name, 'r.example', options), {
    username: '',
    secret: '',
  });
  const whole = setup(answering('null'));
  assert.deepEqual(await helperGet(whole.name, 'r.example', whole.options), {
    username: '',
    secret: '',
  });
});

test('helperGet() returns undefined for the not-found answer', async () => {
  const { name, options } = setup(notFound());
  assert.equal(await helperGet(name, 'r.example', options), undefined);
  // Go's TrimSpace also trims U+0085, which String.prototype.trim keeps
  const spaced = setup(
    exiting(3, `\u0085 ${HELPER_NOT_FOUND_MESSAGE}\u00a0\r\n\t`),
  );
  assert.equal(
    await helperGet(spaced.name, 'r.example', spaced.options),
    undefined,
  );
});

test('helperGet() fails when the not-found text comes with exit 0', async () => {
  const { name, options } = setup(exiting(0, HELPER_NOT_FOUND_MESSAGE));
  const error = await failsWith(helperGet(name, 'r', options), 'bad-output');
  assert.match(error.detail, /not JSON/);
});

test('helperErase() fails on the not-found answer, as Docker does', async () => {
  const { name, options } = setup(notFound());
  const error = await failsWith(
    helperErase(name, 'r.example', options),
    'exit',
  );
  assert.equal(error.code, 'ERR_HELPER_FAILED');
  assert.match(error.detail, /credentials not found in native keychain/);
});

test('helperGet() fails with not-found when the helper is not on PATH', async () => {
  const binDir = mkdtempSync(join(dir, 'empty-'));
  const env = { PATH: `${binDir}:/nonexistent-dir` };
  const error = await failsWith(
    helperGet('absent-helper', 'r.example', { env }),
    'not-found',
  );
  assert.equal(error.code, 'ERR_HELPER_NOT_FOUND');
  assert.match(error.detail, /any of the 2 directories on PATH/);
  assert.ok(!error.message.includes(binDir), error.message);
  const empty = await failsWith(
    helperList('absent-helper', { env: { PATH: '' } }),
    'not-found',
  );
  assert.match(empty.detail, /PATH is empty/);
  const unset = await failsWith(
    helperList('absent-helper', { env: {} }),
    'not-found',
  );
  assert.match(unset.detail, /the environment of the lookup has no PATH/);
});

test('helperGet() fails with not-found when the file is not executable', async () => {
  const binDir = mkdtempSync(join(dir, 'noexec-'));
  const path = join(binDir, 'docker-credential-noexec');
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, 0o644);
  const env = { PATH: binDir };
  assert.equal(findHelper('noexec', env), undefined);
  const error = await failsWith(
    helperGet('noexec', 'r.example', { env }),
    'not-found',
  );
  assert.match(error.detail, /exists but is not executable/);
});

test("helperGet() fails with exit, quoting the helper's output", async () => {
  const { name, options } = setup(
    'echo "pass not initialized" >&2\n' +
      exiting(1, 'Error: password store is empty.\n'),
  );
  const error = await failsWith(helperGet(name, 'r', options), 'exit');
  assert.equal(
    error.detail,
    'exited with status 1, printing `Error: password store is empty.`, ' +
      'with stderr `pass not initialized`',
  );
  const silent = setup(exiting(2));
  const quiet = await failsWith(
    helperGet(silent.name, 'r', silent.options),
    'exit',
  );
  assert.equal(
    quiet.detail,
    'exited with status 2 and printed nothing on stdout',
  );
  const killed = setup(`echo ${HELPER_NOT_FOUND_MESSAGE}\nkill -KILL $$`);
  const signalled = await rejection(
    helperErase(killed.name, 'r', killed.options),
  );
  assert.match(
    signalled.detail,
    /^was killed by SIGKILL before it finished, printing/,
  );
});

test('helperGet() caps quoted output and strips control characters', async () => {
  const { name, options } = setup(
    exiting(1, `\u001b[31mred\u001b[0m ${'y '.repeat(2500)}`),
  );
  const error = await failsWith(helperGet(name, 'r', options), 'exit');
  assert.ok(!error.message.includes('\u001b'));
  assert.ok(error.detail.length < 300, `${error.detail.length} chars`);
  assert.match(error.detail, /…`$/);
});

test('helperGet() masks token-like words and hides JSON in failures', async () => {
  const token = `eyJhbGciOiJSUzI1NiJ9.${'x'.repeat(400)}`;
  const plain = setup(exiting(1, `token rejected ${token}`));
  const error = await failsWith(
    helperGet(plain.name, 'r', plain.options),
    'exit',
  );
  assert.ok(!error.message.includes('xxxxxxxx'), error.message);
  assert.match(error.detail, /token rejected \[redacted\]/);
  const json = setup(exiting(1, `{"Username":"<token>","Secret":"${token}"}`));
  const hidden = await failsWith(
    helperGet(json.name, 'r', json.options),
    'exit',
  );
  assert.match(hidden.detail, /JSON-like output \(not shown/);
  assert.ok(!hidden.message.includes('eyJ'));
});

test('helperGet() fails with bad-output on garbage or empty output', async () => {
  const garbage = setup(printingGarbage());
  const error = await failsWith(
    helperGet(garbage.name, 'r', garbage.options),
    'bad-output',
  );
  assert.equal(error.code, 'ERR_HELPER_OUTPUT');
  assert.match(error.detail, /not JSON/);
  assert.ok(!error.message.includes('this is not JSON {'));
  for (const output of ['', ' \n']) {
    const empty = setup(exiting(0, output));
    const nothing = await failsWith(
      helperGet(empty.name, 'r', empty.options),
      'bad-output',
    );
    assert.match(nothing.detail, /printed nothing/);
  }
});

test('helperGet() fails with bad-output on values that are not strings', async () => {
  const cases = [
    [
      '{"Username":"ann","Secret":12345}',
      /Secret must be a string, found a number/,
    ],
    [
      '{"username":["ann"],"Secret":"x"}',
      /Username must be a string, found an array/,
    ],
    ['["ann","pw"]', /top-level value must be an object, found an array/],
    ['"pw"', /must be an object, found a string/],
  ] as const;
  for (const [reply, detail] of cases) {
    const { name, options } = setup(answering(reply));
    const error = await failsWith(helperGet(name, 'r', options), 'bad-output');
    assert.match(error.detail, detail);
  }
});

test('helperList() fails with bad-output unless given an object of strings', async () => {
  const { name, options } = setup(answering('{"a.example":1}'));
  const error = await failsWith(helperList(name, options), 'bad-output');
  assert.match(error.detail, /must be a string, found a number/);
  const array = setup(answering('[]'));
  await failsWith(helperList(array.name, array.options), 'bad-output');
  const none = setup(answering('null'));
  assert.equal((await helperList(none.name, none.options)).size, 0);
});

test(
  'helperGet() fails with too-large and stops a helper that floods stdout',
  { timeout: 10_000 },
  async () => {
    const { name, options } = setup(printingMegabytes(64));
    const started = performance.now();
    const error = await failsWith(helperGet(name, 'r', options), 'too-large');
    assert.ok(performance.now() - started < GRACE_MS + SLACK_MS);
    assert.match(error.detail, /more than 1048576 bytes/);
    const small = setup(answering(FOUND));
    await failsWith(
      helperGet(small.name, 'r', { ...small.options, maxOutputBytes: 10 }),
      'too-large',
    );
  },
);

test(
  'helperGet() times out a hanging helper and leaves no process',
  { timeout: 10_000 },
  async () => {
    const { name, pidFile, options } = setup((paths) =>
      writingPid(paths.pidFile, hanging()),
    );
    const started = performance.now();
    const error = await failsWith(
      helperGet(name, 'r', { ...options, timeoutMs: 300 }),
      'timeout',
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 300 + SLACK_MS, `${elapsed} ms`);
    assert.equal(error.code, 'ERR_HELPER_TIMEOUT');
    assert.match(error.detail, /no answer within 300 ms/);
    assert.equal(isAlive(readPid(pidFile)), false);
  },
);

test(
  'helperGet() kills a helper that ignores SIGTERM after the grace',
  { timeout: 10_000 },
  async () => {
    const { name, pidFile, options } = setup((paths) =>
      writingPid(paths.pidFile, hangingIgnoringTerm()),
    );
    const started = performance.now();
    await failsWith(
      helperGet(name, 'r', { ...options, timeoutMs: 300 }),
      'timeout',
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 300 + GRACE_MS - 10, `${elapsed} ms`);
    assert.ok(elapsed < 300 + GRACE_MS + SLACK_MS, `${elapsed} ms`);
    assert.equal(isAlive(readPid(pidFile)), false);
  },
);

test(
  "helperGet() stops the helper's children on timeout too",
  { timeout: 10_000 },
  async () => {
    const { name, pidFile, options } = setup((paths) =>
      writingPid(
        paths.pidFile,
        "(trap '' TERM; exec sleep 3600) &\n" +
          `echo $! > ${shellQuote(`${paths.pidFile}.child`)}\nwait`,
      ),
    );
    const childPidFile = `${pidFile}.child`;
    await failsWith(
      helperGet(name, 'r', { ...options, timeoutMs: 300 }),
      'timeout',
    );
    assert.equal(isAlive(readPid(pidFile)), false);
    // the child ignores SIGTERM; SIGKILL reaches it after the grace
    await sleep(GRACE_MS + 300);
    assert.equal(isRunning(readPid(childPidFile)), false);
  },
);

test(
  'helperGet() stops the helper and rejects when aborted',
  { timeout: 10_000 },
  async () => {
    const { name, pidFile, options } = setup((paths) =>
      writingPid(paths.pidFile, hanging()),
    );
    const controller = new AbortController();
    const call = helperGet(name, 'r', {
      ...options,
      signal: controller.signal,
    });
    await sleep(200);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await assert.rejects(call, (error) => error === reason);
    assert.equal(isAlive(readPid(pidFile)), false);
  },
);

test('helperGet() does not start the helper when already aborted', async () => {
  const { name, log, options } = setup(({ log }) =>
    recording(log, answering(FOUND)),
  );
  const signal = AbortSignal.abort();
  await assert.rejects(
    helperGet(name, 'r', { ...options, signal }),
    (error: Error) => error.name === 'AbortError',
  );
  assert.deepEqual(readRecordedCalls(log), []);
});

test('helperStore() survives a helper that exits without reading stdin', async () => {
  const big = 'x'.repeat(4 * 1024 * 1024);
  const credentials = { serverURL: 'r', username: 'u', secret: big };
  const ok = setup(exiting(0));
  await helperStore(ok.name, credentials, ok.options);
  const failing = setup(exiting(1, 'refused'));
  const error = await failsWith(
    helperStore(failing.name, credentials, failing.options),
    'exit',
  );
  assert.match(error.detail, /refused/);
});

test('helperStore() keeps the secret out of its error, even when echoed', async () => {
  const echo = 'input=$(cat)\nprintf "%s" "$input"\nprintf "%s" "$input" >&2\n';
  const { name, options } = setup(`${echo}exit 1`);
  const credentials = { serverURL: 'r', username: 'u', secret: SECRET };
  const error = await failsWith(
    helperStore(name, credentials, options),
    'exit',
  );
  assert.ok(!error.message.includes(SECRET), error.message);
  assert.ok(!JSON.stringify(error).includes(SECRET));
  assert.match(error.detail, /not shown: it may hold a secret/);
});

test('helperGet() keeps the answer out of its bad-output errors', async () => {
  const replies = [
    `{"Username":"ann","Secret":"${SECRET}"`,
    `{"Username":{"nested":"${SECRET}"},"Secret":"${SECRET}"}`,
    `${SECRET} is not JSON`,
  ];
  for (const reply of replies) {
    const { name, options } = setup(answering(reply));
    const error = await failsWith(helperGet(name, 'r', options), 'bad-output');
    assert.ok(!error.message.includes(SECRET), error.message);
    assert.ok(!JSON.stringify(error).includes(SECRET));
  }
});

test('helperGet() passes stderr through in inherit mode', async () => {
  const passed = '(expected) helper stderr passed through by a test';
  const { name, options } = setup(`echo '${passed}' >&2\nexit 1`);
  const error = await failsWith(
    helperGet(name, 'r', { ...options, stderr: 'inherit' }),
    'exit',
  );
  assert.ok(!error.detail.includes(passed));
});

test('helper calls reject bad options before starting anything', async () => {
  const { name, options } = setup(answering(FOUND));
  await assert.rejects(
    helperGet(name, 'r', { ...options, timeoutMs: 0 }),
    UsageError,
  );
  await assert.rejects(
    helperList(name, { ...options, maxOutputBytes: -1 }),
    UsageError,
  );
});

test('helperGet() applies repeated keys in document order, as Go does', async () => {
  const { name, options } = setup(
    answering(
      '{"username":"u-first","Username":"u-second","username":"u-third","Secret":"s"}',
    ),
  );
  const found = await helperGet(name, 'r.example', options);
  assert.deepEqual(found, { username: 'u-third', secret: 's' });
});

test('helperGet() turns bytes that are not UTF-8 into one U+FFFD each', async () => {
  // "u-" E2 82: Go's decoder replaces each invalid byte
  const { name, options } = setup(
    'cat >/dev/null; printf \'{"Username":"u-\\342\\202","Secret":"s\\ud800"}\'',
  );
  const found = await helperGet(name, 'r.example', options);
  assert.deepEqual(found, { username: 'u-\uFFFD\uFFFD', secret: 's\uFFFD' });
});
