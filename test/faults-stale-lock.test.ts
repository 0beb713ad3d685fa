// Faults: the lock of config.json (a proper-lockfile directory) left
// behind by a writer that was killed while holding it. The next writer
// must not wait for it forever.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { readConfigFileSync } from '../src/config/config-file.js';
import { updateConfigFile } from '../src/config/config-update.js';
import { ConfigWriteError } from '../src/errors.js';
import { makeSandbox, runCli } from './support/cli.js';

const TEMP = mkdtempSync(join(tmpdir(), 'regcred-faults-lock-'));
after(() => rmSync(TEMP, { recursive: true, force: true }));

const CHILD = fileURLToPath(
  new URL('./support/config-write-child.js', import.meta.url),
);

/** updateConfigFile's default staleLockMs: a lock this old is taken. */
const STALE_LOCK_MS = 4000;
/** Start-up, backoff and a busy machine, on top of the wait. */
const SLACK_MS = 8000;

/**
 * Makes a writer take the lock of `path` and kills it (SIGKILL) while it
 * holds it: the lock directory stays, as fresh as a live writer's.
 */
async function killWhileLocked(path: string): Promise<void> {
  const child = spawn(process.execPath, [CHILD, path, 'hold', 'k'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString(), 'holding\n');
  child.kill('SIGKILL');
  await once(child, 'close');
  assert.equal(existsSync(`${path}.lock`), true, 'the lock is left');
}

const auth = (user: string) => Buffer.from(`${user}:pw`).toString('base64');

describe('a lock left by a killed writer', { concurrency: true }, () => {
  test('is taken over by the next writer within staleLockMs', async () => {
    const path = join(mkdtempSync(join(TEMP, 'library-')), 'config.json');
    writeFileSync(path, '{"auths":{"old.example":{}}}');
    await killWhileLocked(path);

    const started = Date.now();
    await updateConfigFile(path, () => ({
      auths: new Map([['new.example', { username: 'bob', password: 'pw' }]]),
    }));
    const waited = Date.now() - started;
    assert.ok(waited < STALE_LOCK_MS + SLACK_MS, `waited ${waited} ms`);
    const keys = [...readConfigFileSync(path).auths.keys()];
    assert.deepEqual(keys.sort(), ['new.example', 'old.example']);
    assert.equal(existsSync(`${path}.lock`), false, 'released after');
  });

  test('does not stop regcred logout for long', async (t) => {
    const sandbox = makeSandbox();
    t.after(() => sandbox.cleanup());
    const path = join(sandbox.configDir, 'config.json');
    sandbox.writeConfig({
      auths: { 'a.example': { auth: auth('a') }, 'b.example': {} },
    });
    await killWhileLocked(path);

    const run = await runCli(['logout', 'a.example'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.ms < STALE_LOCK_MS + SLACK_MS, `took ${run.ms} ms`);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {
      auths: { 'b.example': {} },
    });
  });

  test('that never looks stale fails after lockTimeoutMs, saying what to do', async () => {
    // a lock directory dated in the future (a clock set back, a lock
    // made on another machine) never ages: the wait is still bounded
    const path = join(mkdtempSync(join(TEMP, 'future-')), 'config.json');
    writeFileSync(path, '{}');
    mkdirSync(`${path}.lock`);
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(`${path}.lock`, future, future);

    const started = Date.now();
    const update = updateConfigFile(
      path,
      () => ({ auths: new Map([['b.example', {}]]) }),
      { lockTimeoutMs: 1000 },
    );
    await assert.rejects(update, (error) => {
      assert.ok(error instanceof ConfigWriteError);
      assert.equal(error.code, 'ERR_CONFIG_WRITE');
      assert.ok(error.message.includes(`'${path}.lock'`), error.message);
      assert.match(error.message, /if none is running, remove that directory/);
      return true;
    });
    const waited = Date.now() - started;
    assert.ok(waited >= 1000 && waited < 1000 + SLACK_MS, `${waited} ms`);
    assert.equal(readFileSync(path, 'utf8'), '{}');
  });
});
