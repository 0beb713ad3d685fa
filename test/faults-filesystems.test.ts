// Faults of the file system under config.json: a folder the user may
// not write, a read-only mount, a full disk, a link into another file
// system, and a file bind-mounted on its own. Each is set up for real:
// the mounts in a mount namespace of their own (support/mount-namespace),
// the unprivileged user with setpriv. Every failure must name the file
// or folder, what went wrong and what to do, exit non-zero, and leave the
// old file as it was with no temp file behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, mock, test } from 'node:test';
import { updateConfigFile } from '../src/config/config-update.js';
import { ConfigWriteError } from '../src/errors.js';
import { runCli, type CliRun } from './support/cli.js';
import {
  startLoginRegistry,
  type LoginRegistry,
} from './support/login-registry.js';
import {
  MOUNT_NAMESPACE_SKIP,
  runInMountNamespace,
} from './support/mount-namespace.js';

const CHILD = fileURLToPath(
  new URL('./support/fs-fault-child.js', import.meta.url),
);

/** Two logins and a key regcred does not know, as a user's file might. */
const START_CONFIG =
  '{"auths":{"a.example":{"auth":"YTpwdw=="},' +
  '"b.example":{"auth":"Yjpwdw=="}},"custom":1}';

const TEMP = mkdtempSync(join(tmpdir(), 'regcred-faults-fs-'));
// the unprivileged user must reach the folders below
chmodSync(TEMP, 0o755);
after(() => rmSync(TEMP, { recursive: true, force: true }));

let registry: LoginRegistry;
before(async () => {
  registry = await startLoginRegistry({ users: { alice: 'pw' } });
});
after(() => registry.close());

/** A folder for one scenario, with `docker/` and the start config. */
function scenarioDir(name: string): string {
  const dir = mkdtempSync(join(TEMP, `${name}-`));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'docker'));
  writeFileSync(join(dir, 'start.json'), START_CONFIG);
  return dir;
}

/** A library error as the child reports it. */
interface Thrown {
  name: string;
  code: string;
  message: string;
  causeCode: string;
}

/** Runs a scenario of fs-fault-child.ts after `setup`; its report. */
async function scenario<T>(
  setup: string,
  name: string,
  dir: string,
): Promise<T> {
  const run = await runInMountNamespace(setup, CHILD, [
    name,
    dir,
    registry.host,
  ]);
  assert.equal(run.status, 0, `${name}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** A failure names `what`, says `why` and tells what to do. */
function assertExplained(text: string, what: string, why: RegExp): void {
  assert.ok(text.includes(what), `'${what}' is not named in: ${text}`);
  assert.match(text, why);
  assert.ok(!text.includes('YTpwdw'), 'no credentials in the message');
}

describe('config.json in a folder this user may not write', () => {
  const skip =
    process.getuid?.() !== 0
      ? 'needs root to run regcred as another user'
      : spawnSync('setpriv', ['--version']).status !== 0
        ? 'setpriv (util-linux) is not installed'
        : false;

  /** Runs regcred as nobody (65534), who cannot write root's folder. */
  function runAsNobody(
    args: string[],
    dir: string,
    input = '',
  ): Promise<CliRun> {
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: dir,
      DOCKER_CONFIG: join(dir, 'docker'),
    };
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534'];
    return runCli(args, env, input, [...nobody, '--clear-groups']);
  }

  test(
    'login and logout fail, naming the folder and what to do',
    { skip },
    async () => {
      const dir = scenarioDir('not-writable');
      const configDir = join(dir, 'docker');
      const path = join(configDir, 'config.json');
      writeFileSync(path, START_CONFIG);
      chmodSync(configDir, 0o755);
      chmodSync(path, 0o644);

      const login = await runAsNobody(
        ['login', '-u', 'alice', '--password-stdin', registry.host],
        dir,
        'pw\n',
      );
      const logout = await runAsNobody(['logout', 'a.example'], dir);
      for (const run of [login, logout]) {
        assert.notEqual(run.status, 0, run.stderr);
        assertExplained(run.stderr, path, /permission denied \(EACCES\)/);
        assert.ok(
          run.stderr.includes(
            `Make '${configDir}' writable by this user, or point ` +
              'DOCKER_CONFIG at a folder you own',
          ),
          run.stderr,
        );
      }
      assert.equal(readFileSync(path, 'utf8'), START_CONFIG);
      assert.deepEqual(readdirSync(configDir), ['config.json']);
    },
  );
});

describe('faults set up with mounts', { concurrency: true }, () => {
  const skip = MOUNT_NAMESPACE_SKIP;

  test(
    'a read-only config folder: login and logout say what to do',
    { skip },
    async () => {
      const dir = scenarioDir('read-only');
      const configDir = join(dir, 'docker');
      writeFileSync(join(configDir, 'config.json'), START_CONFIG);
      const report = await scenario<{
        login: CliRun;
        logout: CliRun;
        nothingToDo: CliRun;
        kept: boolean;
      }>(
        'mount --bind "$2/docker" "$2/docker"\n' +
          'mount -o remount,bind,ro "$2/docker"',
        'read-only',
        dir,
      );
      for (const run of [report.login, report.logout]) {
        assert.notEqual(run.status, 0, run.stderr);
        assertExplained(
          run.stderr,
          `'${configDir}' is on a read-only file system (EROFS)`,
          /Remount it read-write, or point DOCKER_CONFIG at a writable folder/,
        );
      }
      // a logout that changes nothing needs no write, as in Docker
      assert.equal(report.nothingToDo.status, 0, report.nothingToDo.stderr);
      assert.equal(report.kept, true);
      assert.deepEqual(readdirSync(configDir), ['config.json']);
    },
  );

  test(
    'a full disk: ENOSPC in words, the old file kept, no temp file',
    { skip },
    async () => {
      const dir = scenarioDir('full-disk');
      const configDir = join(dir, 'docker');
      const report = await scenario<{
        fillError: string;
        library: Thrown;
        libraryKept: boolean;
        libraryLeft: string[];
        cli: CliRun;
        cliKept: boolean;
        cliLeft: string[];
        recovered: boolean;
        recoveredLeft: string[];
      }>('mount -t tmpfs -o size=128k tmpfs "$2/docker"', 'full-disk', dir);
      assert.equal(report.fillError, 'ENOSPC');

      const { library } = report;
      assert.equal(library.name, 'ConfigWriteError');
      assert.equal(library.code, 'ERR_CONFIG_WRITE');
      assert.equal(library.causeCode, 'ENOSPC');
      const words =
        `no space left on the device that holds '${configDir}' ` +
        '(ENOSPC: the disk or your quota is full). Free some space there ' +
        'and retry; the old file is kept';
      const path = join(configDir, 'config.json');
      assertExplained(library.message, path, /Cannot write/);
      assert.ok(library.message.includes(words), library.message);
      assert.equal(report.libraryKept, true);
      assert.deepEqual(report.libraryLeft, []);

      assert.equal(report.cli.status, 1, report.cli.stderr);
      assertExplained(report.cli.stderr, path, /Cannot write/);
      assert.ok(report.cli.stderr.includes(words), report.cli.stderr);
      assert.equal(report.cliKept, true);
      assert.deepEqual(report.cliLeft, []);

      assert.equal(report.recovered, true, 'a write works with room again');
      assert.deepEqual(report.recoveredLeft, []);
    },
  );

  test(
    'a link into another file system: the link stays, the target is replaced',
    { skip },
    async () => {
      const dir = scenarioDir('symlink');
      mkdirSync(join(dir, 'other'));
      symlinkSync(
        join('..', 'other', 'real', 'config.json'),
        join(dir, 'docker', 'config.json'),
      );
      const report = await scenario<{
        library: Thrown | undefined;
        cli: CliRun;
        devices: [number, number];
        stillLink: boolean;
        linkKept: boolean;
        replaced: boolean;
        mode: number;
        target: { auths: Record<string, unknown>; custom: number };
        linkFolderLeft: string[];
        targetFolderLeft: string[];
      }>(
        'mount -t tmpfs -o size=1m tmpfs "$2/other"\nmkdir "$2/other/real"\n' +
          // nothing can be made beside the link: a write that works wrote
          // its temp file beside the target
          'mount --bind "$2/docker" "$2/docker"\n' +
          'mount -o remount,bind,ro "$2/docker"',
        'symlink-other-fs',
        dir,
      );
      assert.notEqual(report.devices[0], report.devices[1], 'two devices');
      assert.equal(report.library, undefined, report.library?.message);
      assert.equal(report.cli.status, 0, report.cli.stderr);
      assert.equal(report.stillLink, true);
      assert.equal(report.linkKept, true);
      // a new inode: renamed into place beside the target, not written over
      assert.equal(report.replaced, true);
      assert.deepEqual(Object.keys(report.target.auths).sort(), [
        'b.example',
        'c.example',
      ]);
      assert.equal(report.target.custom, 1);
      // no temp file, and no lock, beside either the link or the target
      assert.deepEqual(report.linkFolderLeft, []);
      assert.deepEqual(report.targetFolderLeft, []);
    },
  );

  test(
    'a bind-mounted config.json: a clear error, nothing lost',
    { skip },
    async () => {
      const dir = scenarioDir('bind-mounted');
      const configDir = join(dir, 'docker');
      writeFileSync(join(dir, 'host.json'), START_CONFIG);
      writeFileSync(join(configDir, 'config.json'), 'the mount point');
      const report = await scenario<{
        library: Thrown;
        cli: CliRun;
        nothingToDo: CliRun;
        kept: boolean;
        hostKept: boolean;
        left: string[];
      }>(
        'mount --bind "$2/host.json" "$2/docker/config.json"',
        'bind-mounted',
        dir,
      );
      const path = join(configDir, 'config.json');
      const advice = new RegExp(
        'cannot be replaced atomically; the old file is kept\\. Mount ' +
          'the folder that holds it instead of the file, or point ' +
          'DOCKER_CONFIG at a writable folder',
      );
      assert.equal(report.library.name, 'ConfigWriteError');
      assert.equal(report.library.causeCode, 'EBUSY');
      assertExplained(
        report.library.message,
        `'${path}' is a mount point`,
        advice,
      );
      assert.equal(report.cli.status, 1, report.cli.stderr);
      assertExplained(report.cli.stderr, `'${path}' is a mount point`, advice);
      assert.equal(report.nothingToDo.status, 0, report.nothingToDo.stderr);
      assert.equal(report.kept, true);
      assert.equal(report.hostKept, true);
      assert.deepEqual(report.left, []);
    },
  );
});

test(
  'a full disk, simulated where nothing can be mounted',
  {
    skip:
      MOUNT_NAMESPACE_SKIP === false
        ? 'the real full disk is tested above'
        : false,
  },
  async (t) => {
    t.diagnostic(`no real full disk: ${MOUNT_NAMESPACE_SKIP}`);
    const dir = scenarioDir('simulated-full-disk');
    const configDir = join(dir, 'docker');
    const path = join(configDir, 'config.json');
    writeFileSync(path, START_CONFIG);
    // writes to an open file (the temp file) fail as on a full disk; the
    // module's named import sees the mock once the exports are synced
    const original = fs.writeFileSync;
    mock.method(fs, 'writeFileSync', (...args: Parameters<typeof original>) => {
      if (typeof args[0] !== 'number') return original(...args);
      throw Object.assign(new Error('ENOSPC: no space left on device'), {
        code: 'ENOSPC',
      });
    });
    syncBuiltinESMExports();
    try {
      const update = updateConfigFile(path, () => ({
        auths: new Map([['c.example', { username: 'c', password: 'pw' }]]),
      }));
      await assert.rejects(update, (error) => {
        assert.ok(error instanceof ConfigWriteError);
        assertExplained(error.message, path, /no space left on the device/);
        return true;
      });
    } finally {
      mock.restoreAll();
      syncBuiltinESMExports();
    }
    assert.equal(readFileSync(path, 'utf8'), START_CONFIG);
    assert.deepEqual(readdirSync(configDir), ['config.json']);
  },
);
