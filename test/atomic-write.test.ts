import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getuid } from 'node:process';
import { after, test } from 'node:test';
import {
  removeStaleTempFiles,
  resolveWriteTarget,
  writeFileAtomic,
} from '../src/config/atomic-write.js';
import { ConfigWriteError } from '../src/errors.js';

const TEMP = mkdtempSync(join(tmpdir(), 'regcred-atomic-write-'));
after(() => rmSync(TEMP, { recursive: true, force: true }));

const IS_ROOT = getuid?.() === 0;

function sandbox(name: string): string {
  return mkdtempSync(join(TEMP, `${name}-`));
}

function mode(path: string): number {
  return statSync(path).mode & 0o7777;
}

/** Files in a directory that look like temp files of config.json. */
function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => /^config\.json\d+$/.test(name));
}

function writeError(action: () => unknown): ConfigWriteError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigWriteError, String(error));
    return error;
  }
  assert.fail('expected a ConfigWriteError');
}

test('writeFileAtomic() creates missing directories 0700 and the file 0600', () => {
  const dir = join(sandbox('fresh'), 'a', 'b');
  const path = join(dir, 'config.json');
  assert.equal(writeFileAtomic(path, '{}'), path);
  assert.equal(readFileSync(path, 'utf8'), '{}');
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(join(dir, '..')), 0o700);
  assert.equal(mode(path), 0o600);
  assert.deepEqual(tempFiles(dir), []);
});

test('writeFileAtomic() keeps the mode of the file it replaces', () => {
  const dir = sandbox('mode');
  const path = join(dir, 'config.json');
  for (const kept of [0o644, 0o640, 0o400]) {
    writeFileSync(path, 'old');
    chmodSync(path, kept);
    writeFileAtomic(path, 'new');
    assert.equal(mode(path), kept);
    assert.equal(readFileSync(path, 'utf8'), 'new');
  }
  assert.deepEqual(tempFiles(dir), []);
});

test('writeFileAtomic() keeps an existing directory as it is', () => {
  const dir = sandbox('dir-mode');
  chmodSync(dir, 0o755);
  writeFileAtomic(join(dir, 'config.json'), '{}');
  assert.equal(mode(dir), 0o755);
});

test('writeFileAtomic() writes through a symlink, which stays a link', () => {
  const dir = sandbox('link');
  const real = join(dir, 'real.json');
  const path = join(dir, 'config.json');
  writeFileSync(real, 'old');
  chmodSync(real, 0o640);
  symlinkSync('real.json', path);
  assert.equal(writeFileAtomic(path, 'new'), real);
  assert.ok(lstatSync(path).isSymbolicLink());
  assert.equal(readlinkSync(path), 'real.json');
  assert.equal(readFileSync(real, 'utf8'), 'new');
  assert.equal(mode(real), 0o640);
  assert.deepEqual(tempFiles(dir), []);
});

test('writeFileAtomic() follows a chain of links, relative to each link', () => {
  const dir = sandbox('chain');
  mkdirSync(join(dir, 'one'));
  mkdirSync(join(dir, 'two'));
  const real = join(dir, 'two', 'real.json');
  writeFileSync(real, 'old');
  symlinkSync('../two/real.json', join(dir, 'one', 'middle'));
  symlinkSync(join(dir, 'one', 'middle'), join(dir, 'config.json'));
  writeFileAtomic(join(dir, 'config.json'), 'new');
  assert.equal(readFileSync(real, 'utf8'), 'new');
  assert.ok(lstatSync(join(dir, 'one', 'middle')).isSymbolicLink());
  assert.ok(lstatSync(join(dir, 'config.json')).isSymbolicLink());
});

test('writeFileAtomic() resolves a relative link from its real directory', () => {
  // `..` in a link inside a symlinked directory goes up from the real one
  const dir = sandbox('real-dir');
  mkdirSync(join(dir, 'data', 'docker'), { recursive: true });
  symlinkSync(join(dir, 'data', 'docker'), join(dir, 'home-docker'));
  writeFileSync(join(dir, 'data', 'shared.json'), 'old');
  symlinkSync('../shared.json', join(dir, 'data', 'docker', 'config.json'));
  writeFileAtomic(join(dir, 'home-docker', 'config.json'), 'new');
  assert.equal(readFileSync(join(dir, 'data', 'shared.json'), 'utf8'), 'new');
});

test('writeFileAtomic() creates the target of a dangling link, 0600', () => {
  const dir = sandbox('dangling');
  const path = join(dir, 'config.json');
  symlinkSync('target.json', path);
  writeFileAtomic(path, 'new');
  assert.ok(lstatSync(path).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'target.json'), 'utf8'), 'new');
  assert.equal(mode(join(dir, 'target.json')), 0o600);
});

test('writeFileAtomic() refuses a dangling link into a missing directory', () => {
  const dir = sandbox('dangling-dir');
  const path = join(dir, 'config.json');
  symlinkSync('missing-dir/config.json', path);
  const error = writeError(() => writeFileAtomic(path, 'new'));
  assert.match(error.message, /directory '.*missing-dir' does not exist/);
  assert.deepEqual(readdirSync(dir), ['config.json']);
});

test('writeFileAtomic() refuses a loop of links', () => {
  const dir = sandbox('loop');
  symlinkSync('b', join(dir, 'config.json'));
  symlinkSync('config.json', join(dir, 'b'));
  const error = writeError(() => writeFileAtomic(join(dir, 'config.json'), ''));
  assert.match(error.message, /more than 40 symbolic links/);
  assert.deepEqual(tempFiles(dir), []);
});

test('writeFileAtomic() leaves no temp file when the rename fails', () => {
  const dir = sandbox('is-dir');
  mkdirSync(join(dir, 'config.json'));
  const error = writeError(() => writeFileAtomic(join(dir, 'config.json'), ''));
  assert.equal(error.code, 'ERR_CONFIG_WRITE');
  assert.match(error.message, /directory is in the way/);
  assert.deepEqual(tempFiles(dir), []);
});

test(
  'writeFileAtomic() copies the owner unless uid or gid is 0, as Docker',
  { skip: IS_ROOT ? false : 'needs root to give files away' },
  () => {
    const dir = sandbox('owner');
    const path = join(dir, 'config.json');
    writeFileSync(path, 'old');
    chownSync(path, 1234, 4321);
    writeFileAtomic(path, 'new');
    assert.deepEqual([statSync(path).uid, statSync(path).gid], [1234, 4321]);
    chownSync(path, 1234, 0);
    writeFileAtomic(path, 'newer');
    assert.deepEqual([statSync(path).uid, statSync(path).gid], [0, 0]);
  },
);

test('resolveWriteTarget() gives the path itself for a plain or missing file', () => {
  const dir = sandbox('target');
  assert.equal(
    resolveWriteTarget(join(dir, 'config.json')),
    join(dir, 'config.json'),
  );
  writeFileSync(join(dir, 'config.json'), '');
  assert.equal(
    resolveWriteTarget(join(dir, 'config.json')),
    join(dir, 'config.json'),
  );
});

test('removeStaleTempFiles() removes only old temp files of the config', () => {
  const dir = sandbox('stale');
  const path = join(dir, 'config.json');
  const old = new Date(Date.now() - 120_000);
  const names = {
    oldTemp: 'config.json.regcred-1234567890.tmp',
    youngTemp: 'config.json.regcred-2345678901.tmp',
    // Docker's temp name, and a user's dated backups that look like it
    dockerLike: 'config.json1234567890',
    datedBackup: 'config.json20240115',
    otherName: 'config.json.bak',
    oldDirectory: 'config.json.regcred-3456789012.tmp',
  };
  for (const name of Object.values(names)) {
    if (name === names.oldDirectory) mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), 'x');
    if (name !== names.youngTemp) utimesSync(join(dir, name), old, old);
  }
  assert.equal(removeStaleTempFiles(path), 1);
  assert.deepEqual(
    readdirSync(dir).sort(),
    [
      names.youngTemp,
      names.dockerLike,
      names.datedBackup,
      names.otherName,
      names.oldDirectory,
    ].sort(),
  );
  assert.equal(removeStaleTempFiles(join(dir, 'missing', 'config.json')), 0);
});
