import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { lock } from 'proper-lockfile';
import { readConfigFileSync } from '../src/config/config-file.js';
import {
  updateConfigFile,
  type ConfigChange,
} from '../src/config/config-update.js';
import { ConfigParseError, ConfigWriteError } from '../src/errors.js';

const TEMP = mkdtempSync(join(tmpdir(), 'regcred-config-update-'));
after(() => rmSync(TEMP, { recursive: true, force: true }));

const CHILD = fileURLToPath(
  new URL('./support/config-write-child.js', import.meta.url),
);

function configPath(name: string): string {
  return join(mkdtempSync(join(TEMP, `${name}-`)), 'config.json');
}

function addition(key: string, password = 'pw'): ConfigChange {
  return { auths: new Map([[key, { username: 'bob', password }]]) };
}

function authKeys(path: string): string[] {
  return [...readConfigFileSync(path).auths.keys()].sort();
}

/** What a write would change on disk: the file's identity and time. */
function fileIdentity(path: string): [number, number] {
  const stat = statSync(path);
  return [stat.ino, stat.mtimeMs];
}

function leftovers(path: string): string[] {
  return readdirSync(join(path, '..')).filter((name) => name !== 'config.json');
}

test('updateConfigFile() writes a new file 0600 in a new 0700 directory', async () => {
  const path = join(TEMP, 'new', 'nested', 'config.json');
  const result = await updateConfigFile(path, () => addition('b.example'));
  assert.equal(result.written, true);
  assert.equal(result.before.exists, false);
  assert.equal(
    readFileSync(path, 'utf8'),
    '{\n\t"auths": {\n\t\t"b.example": {\n\t\t\t"auth": "Ym9iOnB3"\n\t\t}\n\t}\n}',
  );
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
  assert.equal(statSync(join(path, '..', '..')).mode & 0o777, 0o700);
  assert.deepEqual(leftovers(path), []);
});

test('updateConfigFile() keeps the mode and what Docker would drop', async () => {
  const path = configPath('keep');
  writeFileSync(path, '{"auths":{"k":{"auth":"bad!"}},"custom":[1.0]}');
  chmodSync(path, 0o644);
  await updateConfigFile(path, () => addition('b.example'));
  assert.equal(statSync(path).mode & 0o777, 0o644);
  const written = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(written.auths.k, { auth: 'bad!' });
  assert.match(readFileSync(path, 'utf8'), /"custom": \[\n\t\t1\.0\n\t\]/);
});

test('updateConfigFile() refuses an unparsable file and leaves it as it is', async () => {
  const path = configPath('corrupt');
  const bytes = Buffer.from('{"auths":{"a":{"auth":"dTpw"}},');
  writeFileSync(path, bytes);
  const identity = fileIdentity(path);
  let asked = false;
  await assert.rejects(
    updateConfigFile(path, () => {
      asked = true;
      return addition('b.example');
    }),
    ConfigParseError,
  );
  assert.equal(asked, false);
  assert.deepEqual(readFileSync(path), bytes);
  assert.deepEqual(fileIdentity(path), identity);
  assert.deepEqual(leftovers(path), []);
});

test('updateConfigFile() writes nothing when the change changes nothing', async () => {
  const path = configPath('no-op');
  await updateConfigFile(path, () => addition('b.example'));
  const identity = fileIdentity(path);
  for (const change of [
    addition('b.example'),
    { auths: new Map([['missing.example', undefined]]) },
    { credsStore: '' },
    {},
    undefined,
  ]) {
    const result = await updateConfigFile(path, () => change);
    assert.equal(result.written, false);
    assert.equal(result.before.auths.size, 1);
  }
  assert.deepEqual(fileIdentity(path), identity);
});

test('updateConfigFile() does not rewrite a compact file for nothing', async () => {
  const path = configPath('compact');
  const text = '{"auths":{"b.example":{"auth":"Ym9iOnB3"}},"psFormat":"x"}';
  writeFileSync(path, text);
  const result = await updateConfigFile(path, () => addition('b.example'));
  assert.equal(result.written, false);
  assert.equal(readFileSync(path, 'utf8'), text);
});

test('updateConfigFile() leaves no directory behind when nothing is written', async () => {
  const top = join(mkdtempSync(join(TEMP, 'no-dir-')), 'home');
  const path = join(top, '.docker', 'config.json');
  const result = await updateConfigFile(path, () => undefined);
  assert.equal(result.written, false);
  assert.equal(result.before.exists, false);
  assert.equal(existsSync(top), false);
});

test('updateConfigFile() releases the lock when decide throws', async () => {
  const path = configPath('throws');
  await assert.rejects(
    updateConfigFile(path, () => {
      throw new Error('decided to fail');
    }),
    /decided to fail/,
  );
  assert.equal(existsSync(`${path}.lock`), false);
  await updateConfigFile(path, () => addition('b.example'));
  assert.deepEqual(authKeys(path), ['b.example']);
});

test('updateConfigFile() refuses a set entry Docker could not read', async () => {
  const path = configPath('range');
  const change = { auths: new Map([['k', { username: 'a:b' }]]) };
  await assert.rejects(
    updateConfigFile(path, () => change),
    RangeError,
  );
  assert.equal(existsSync(path), false);
});

// --- the lock ---------------------------------------------------------------

test('updateConfigFile() takes over a lock left long ago', async () => {
  const path = configPath('stale');
  mkdirSync(`${path}.lock`);
  const long = new Date(Date.now() - 60_000);
  utimesSync(`${path}.lock`, long, long);
  const started = Date.now();
  await updateConfigFile(path, () => addition('b.example'));
  assert.ok(Date.now() - started < 1000);
  assert.equal(existsSync(`${path}.lock`), false);
});

test('updateConfigFile() gives up on a lock a live writer keeps', async () => {
  const path = configPath('held');
  writeFileSync(path, '{}');
  const release = await lock(path, {
    lockfilePath: `${path}.lock`,
    realpath: false,
  });
  try {
    const update = updateConfigFile(path, () => addition('b.example'), {
      lockTimeoutMs: 200,
    });
    await assert.rejects(update, (error) => {
      assert.ok(error instanceof ConfigWriteError);
      assert.match(error.message, /held the lock .*config\.json\.lock/);
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), '{}');
  } finally {
    await release();
  }
});

test('updateConfigFile() serialises writers in one process', async () => {
  const path = configPath('in-process');
  const keys = Array.from({ length: 10 }, (_, index) => `r${index}.example`);
  await Promise.all(
    keys.map((key) => updateConfigFile(path, () => addition(key))),
  );
  assert.deepEqual(authKeys(path), [...keys].sort());
});

// --- other processes --------------------------------------------------------

/** A process that adds the entry `name` once, then exits. */
function startWriter(path: string, name: string) {
  return spawn(process.execPath, [CHILD, path, 'once', name], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return child.exitCode;
  }
  const [code] = (await once(child, 'close')) as [number | null];
  return code;
}

test('updateConfigFile() keeps all entries of 20 concurrent writers', async () => {
  const path = configPath('concurrent');
  writeFileSync(path, '{"auths":{"first.example":{}},"custom":true}');
  const keys = Array.from({ length: 20 }, (_, index) => `w${index}.example`);
  const writers = keys.map((key) => startWriter(path, key));
  const stderr = writers.map((child) => {
    let text = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk) => (text += chunk));
    return () => text;
  });
  const codes = await Promise.all(writers.map(exitCode));
  codes.forEach((code, index) =>
    assert.equal(code, 0, `writer ${index}: ${stderr[index]?.()}`),
  );
  assert.deepEqual(authKeys(path), ['first.example', ...keys].sort());
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).custom, true);
  assert.deepEqual(leftovers(path), []);
});

test('updateConfigFile() starts again when the file changes under it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-update-race-'));
  try {
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"auths":{"a.example":{"auth":"dTpw"}}}');
    let rounds = 0;
    await updateConfigFile(path, (current) => {
      rounds++;
      if (rounds === 1) {
        // another writer (one that takes no lock, like Docker) meanwhile
        writeFileSync(
          path,
          JSON.stringify({
            auths: { ...Object.fromEntries(current.auths), 'b.example': {} },
          }),
        );
      }
      return { auths: new Map([['c.example', { auth: 'dTpw' }]]) };
    });
    assert.equal(rounds, 2);
    const auths = JSON.parse(readFileSync(path, 'utf8')).auths;
    assert.deepEqual(Object.keys(auths).sort(), [
      'a.example',
      'b.example',
      'c.example',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two links to one file share one lock: no update is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-update-links-'));
  try {
    const real = join(dir, 'real', 'config.json');
    mkdirSync(join(dir, 'real'));
    writeFileSync(real, '{}');
    for (const name of ['a', 'b']) {
      mkdirSync(join(dir, name));
      symlinkSync(real, join(dir, name, 'config.json'));
    }
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateConfigFile(join(dir, i % 2 ? 'a' : 'b', 'config.json'), () => ({
          auths: new Map([[`r${i}.example`, { auth: 'dTpw' }]]),
        })),
      ),
    );
    const auths = JSON.parse(readFileSync(real, 'utf8')).auths;
    assert.equal(Object.keys(auths).length, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a result regcred could not read back is not written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-update-huge-'));
  try {
    const path = join(dir, 'config.json');
    // 9,000 nested arrays: 18 KB compact, tens of MB tab-indented
    const deep = '['.repeat(9000) + ']'.repeat(9000);
    const original = `{"auths":{},"x":${deep}}`;
    writeFileSync(path, original);
    await assert.rejects(
      updateConfigFile(path, () => ({
        auths: new Map([['a.example', { auth: 'dTpw' }]]),
      })),
      /more than the \d+ regcred reads back/,
    );
    assert.equal(readFileSync(path, 'utf8'), original);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
