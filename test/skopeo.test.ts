/**
 * regcred against the real skopeo (Debian's, containers/image inside):
 * what `skopeo login` writes, `regcred get --podman` and `explain` read
 * the same way; what `regcred login` writes into Docker's config.json,
 * skopeo uses for a real request; layouts written by hand are answered
 * the same by both (skopeo's own lookup, `login --get-login`).
 *
 * skopeo is only ever given 127.0.0.1 addresses. It runs inside
 * `unshare --net` (no network at all) whenever it needs no registry;
 * otherwise it talks to the loopback registry started here. Each home
 * has its own (empty) ~/.config/containers/registries.conf, which both
 * skopeo and regcred then read instead of /etc/containers'.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { ExplainReport } from '../src/explain/report.js';
import { findExecutable } from '../src/internal/find-executable.js';
import {
  makeContainersHome,
  type ContainersHome,
} from './support/containers-home.js';
import { BIN, runCli, type CliRun } from './support/cli.js';
import {
  REGISTRY_UNAVAILABLE,
  makeTestUser,
  startRegistry,
  type RegistryUser,
  type TestRegistry,
} from './support/registry.js';
import { isolateNetwork } from './support/docker.js';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/bin';
const SKOPEO = findExecutable('skopeo', { PATH: SYSTEM_PATH });
const UNSHARE = findExecutable('unshare', { PATH: SYSTEM_PATH }) ?? 'unshare';

const SKOPEO_UNAVAILABLE: string | false =
  SKOPEO === undefined
    ? "skopeo is not installed; install Debian's skopeo to compare " +
      'regcred with containers/image'
    : false;

/** How to run a command with no network: `unshare --net`, as root or in
 * a user namespace; undefined when neither works here. */
const OFFLINE = await isolateNetwork();
const OFFLINE_UNAVAILABLE =
  OFFLINE === undefined
    ? 'unshare --net does not work here; skopeo runs only without a network'
    : false;

/** The first line of `skopeo --version`, e.g. `skopeo version 1.9.3`. */
const SKOPEO_VERSION =
  SKOPEO === undefined
    ? ''
    : spawnSync(SKOPEO, ['--version'], { encoding: 'utf8' }).stdout.trim();

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One test's home (see containers-home.ts), with both tools in it. */
interface Home extends ContainersHome {
  /** skopeo with `args`, on the network (loopback registry) or offline. */
  skopeo(
    args: string[],
    options?: { input?: string; offline?: boolean; env?: NodeJS.ProcessEnv },
  ): Promise<Run>;
  /** regcred with `args`, in the same environment. */
  regcred(
    args: string[],
    env?: NodeJS.ProcessEnv,
    input?: string,
  ): Promise<CliRun>;
}

function newHome(t: TestContext): Home {
  const base = makeContainersHome('regcred-skopeo-');
  t.after(() => rmSync(base.dir, { recursive: true, force: true }));
  // helpers first on PATH; skopeo itself is called by its absolute path
  const env = base.env;
  const home: Home = {
    ...base,
    skopeo: (args, options = {}) => {
      const command = [...(options.offline ? (OFFLINE ?? []) : [])];
      command.push(SKOPEO ?? 'skopeo', ...args);
      return runProgram(command, { ...env, ...options.env }, options.input);
    },
    regcred: (args, extra = {}, input = '') =>
      runCli(args, { ...env, ...extra }, input),
  };
  return home;
}

function runProgram(
  command: string[],
  env: NodeJS.ProcessEnv,
  input = '',
): Promise<Run> {
  return new Promise((done, fail) => {
    const [program = '', ...args] = command;
    const child = spawn(program, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Fails with the whole run when it did not exit 0. */
function assertOk(run: Run, what: string): void {
  assert.equal(run.status, 0, `${what} failed:\n${run.stdout}\n${run.stderr}`);
}

/** `regcred get --podman IMAGE`, parsed. */
async function podmanGet(
  home: Home,
  image: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Record<string, string>> {
  const run = await home.regcred(['get', '--podman', image], env);
  assertOk(run, `regcred get --podman ${image}`);
  return JSON.parse(run.stdout) as Record<string, string>;
}

/** skopeo's own lookup, offline: the user name, or null when none. */
async function skopeoUser(
  home: Home,
  key: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string | null> {
  const run = await home.skopeo(['login', '--get-login', key], {
    offline: true,
    env,
  });
  if (run.status === 0) return run.stdout.trim();
  assert.match(run.stderr, /not logged into/, run.stderr);
  return null;
}

async function explainJson(
  home: Home,
  image: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ExplainReport> {
  const run = await home.regcred(['explain', '--json', image], env);
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return JSON.parse(run.stdout) as ExplainReport;
}

describe(
  'skopeo against a real registry',
  {
    skip: SKOPEO_UNAVAILABLE || REGISTRY_UNAVAILABLE,
    concurrency: 1,
  },
  () => {
    let registry: TestRegistry;
    let alice: RegistryUser;
    let bob: RegistryUser;
    let carol: RegistryUser;
    let host: string;

    before(async () => {
      [alice, bob, carol] = [
        makeTestUser('alice'),
        makeTestUser('bob'),
        makeTestUser('carol'),
      ];
      registry = await startRegistry({
        auth: 'htpasswd',
        users: [alice, bob, carol],
      });
      host = registry.host;
    });
    after(() => registry?.stop());

    /** `skopeo login` of `user` to `key`, password on stdin. */
    function skopeoLogin(
      home: Home,
      user: RegistryUser,
      key: string,
      extra: string[] = [],
      env: NodeJS.ProcessEnv = {},
    ): Promise<Run> {
      return home.skopeo(
        [
          'login',
          '--tls-verify=false',
          ...extra,
          '-u',
          user.name,
          '--password-stdin',
          key,
        ],
        { input: `${user.password}\n`, env },
      );
    }

    it('skopeo login --authfile: get --podman and explain read it', async (t) => {
      const home = newHome(t);
      const authFile = join(home.dir, 'chosen.json');
      assertOk(
        await skopeoLogin(home, alice, host, ['--authfile', authFile]),
        'skopeo login',
      );
      const written = JSON.parse(readFileSync(authFile, 'utf8')) as {
        auths: Record<string, { auth: string }>;
      };
      assert.deepEqual(written.auths, {
        [host]: { auth: base64(`${alice.name}:${alice.password}`) },
      });

      const env = { REGISTRY_AUTH_FILE: authFile };
      assert.deepEqual(await podmanGet(home, `${host}/team/app:1`, env), {
        username: alice.name,
        password: alice.password,
        serveraddress: host,
      });
      const report = await explainJson(home, `${host}/team/app:1`, env);
      assert.equal(report.podman.authFile, authFile);
      assert.equal(report.podman.lookup?.file, authFile);
      assert.equal(report.podman.lookup?.key, host);
      assert.equal(report.podman.lookup?.username, alice.name);
      assert.equal(report.podman.lookup?.passwordSet, true);
      assert.equal(report.lookup?.username, null, "Docker's view: none");
      assert.ok(!JSON.stringify(report).includes(alice.password));
    });

    it('skopeo login without --authfile writes $XDG_RUNTIME_DIR', async (t) => {
      const home = newHome(t);
      assertOk(await skopeoLogin(home, bob, host), 'skopeo login');
      assert.ok(existsSync(home.runtimeFile), 'skopeo wrote the runtime file');

      const got = await podmanGet(home, `${host}/app`);
      assert.equal(got.username, bob.name);
      assert.equal(got.password, bob.password);
      assert.equal(await skopeoUser(home, host), bob.name);

      const report = await explainJson(home, `${host}/app`);
      const { files, lookup } = report.podman;
      assert.deepEqual(
        files.map((file) => [file.path, file.exists]),
        [
          [home.runtimeFile, true],
          [home.configFile, false],
          [home.dockerFile, false],
          [home.legacyFile, false],
        ],
      );
      assert.equal(lookup?.file, home.runtimeFile);
      assert.equal(lookup?.sameCredentials, false);
      assert.match(
        lookup?.differences.join('\n') ?? '',
        new RegExp(`podman sends username ${bob.name}.*Docker has none`),
      );
      const text = await home.regcred(['explain', `${host}/app`]);
      assert.match(text.stdout, /Podman vs Docker: podman and Docker answer/);
      assert.ok(!text.stdout.includes(bob.password));
    });

    it('REGISTRY_AUTH_FILE: skopeo writes there, regcred reads there', async (t) => {
      const home = newHome(t);
      const authFile = join(home.dir, 'env.json');
      const env = { REGISTRY_AUTH_FILE: authFile };
      assertOk(await skopeoLogin(home, carol, host, [], env), 'skopeo login');
      assert.ok(existsSync(authFile));
      assert.ok(!existsSync(home.runtimeFile));
      const got = await podmanGet(home, `${host}/app`, env);
      assert.equal(got.username, carol.name);
      assert.equal(got.password, carol.password);
      assert.equal(await skopeoUser(home, host, env), carol.name);
    });

    it('repository-scoped logins read back most specific first', async (t) => {
      const home = newHome(t);
      assertOk(await skopeoLogin(home, alice, host), 'login host');
      assertOk(await skopeoLogin(home, bob, `${host}/team`), 'login team');
      assertOk(
        await skopeoLogin(home, carol, `${host}/team/app`),
        'login team/app',
      );
      const keys = Object.keys(
        (
          JSON.parse(readFileSync(home.runtimeFile, 'utf8')) as {
            auths: object;
          }
        ).auths,
      );
      assert.deepEqual(keys.sort(), [host, `${host}/team`, `${host}/team/app`]);

      const expected: [string, RegistryUser][] = [
        [`${host}/team/app`, carol],
        [`${host}/team/app/deeper`, carol],
        [`${host}/team/other`, bob],
        [`${host}/else/x`, alice],
        [`${host}/top`, alice],
      ];
      for (const [repository, user] of expected) {
        const got = await podmanGet(home, `${repository}:1`);
        assert.equal(got.username, user.name, repository);
        assert.equal(got.password, user.password, repository);
        assert.equal(await skopeoUser(home, repository), user.name, repository);
      }
      const report = await explainJson(home, `${host}/team/app:1`);
      assert.equal(report.podman.lookup?.key, `${host}/team/app`);
      assert.match(
        report.podman.lookup?.differences.join('\n') ?? '',
        /Docker ignores namespaced keys/,
      );

      // logout of one scope: the next key up answers, for both
      const logout = await home.skopeo(['logout', `${host}/team/app`], {
        offline: true,
      });
      assertOk(logout, 'skopeo logout');
      const after = await podmanGet(home, `${host}/team/app`);
      assert.equal(after.username, bob.name);
      assert.equal(await skopeoUser(home, `${host}/team/app`), bob.name);

      // logout --all: nothing left for either
      assertOk(
        await home.skopeo(['logout', '--all'], { offline: true }),
        'skopeo logout --all',
      );
      assert.deepEqual(await podmanGet(home, `${host}/team/app`), {});
      assert.equal(await skopeoUser(home, `${host}/team/app`), null);
    });

    it("regcred login into Docker's config.json is what skopeo sends", async (t) => {
      const home = newHome(t);
      const dockerDir = join(home.dir, '.docker');
      mkdirSync(dockerDir);
      const loggedIn = await home.regcred(
        ['login', '-u', alice.name, '--password-stdin', host],
        { DOCKER_CONFIG: dockerDir },
        `${alice.password}\n`,
      );
      assertOk(loggedIn, 'regcred login');
      assert.ok(existsSync(home.dockerFile));

      // a real request: the registry knows no such image, but only after
      // it accepted the credentials (without them it says unauthorized)
      const image = `docker://${host}/team/app`;
      const inspect = await home.skopeo([
        'inspect',
        '--tls-verify=false',
        image,
      ]);
      assert.notEqual(inspect.status, 0);
      assert.match(inspect.stderr, /manifest unknown/, inspect.stderr);
      assert.doesNotMatch(inspect.stderr, /unauthorized|authentication/i);
      assert.equal(await skopeoUser(home, host), alice.name);

      // the control: with no credentials the same request is refused
      const bare = await home.skopeo(['inspect', '--tls-verify=false', image], {
        env: { HOME: join(home.dir, 'nobody') },
      });
      assert.match(bare.stderr, /unauthorized|authentication required/i);

      const report = await explainJson(home, `${host}/team/app`, {
        DOCKER_CONFIG: dockerDir,
      });
      assert.equal(report.lookup?.username, alice.name);
      assert.equal(report.podman.lookup?.file, home.dockerFile);
      assert.equal(report.podman.lookup?.sameCredentials, true);
      assert.deepEqual(report.podman.lookup?.differences, []);
    });

    it('/run/containers/<uid>/auth.json when XDG_RUNTIME_DIR is unset', async (t) => {
      // a private /run in a mount namespace: nothing of the machine's /run
      // is read or written
      const prefix = [
        [UNSHARE, '--mount', '--propagation', 'private'],
        [UNSHARE, '--map-root-user', '--mount', '--propagation', 'private'],
      ].find(
        (p) => spawnSync(p[0] ?? '', [...p.slice(1), 'true']).status === 0,
      );
      if (prefix === undefined) {
        t.skip('unshare --mount does not work here');
        return;
      }
      const home = newHome(t);
      const env = { ...home.env };
      delete env.XDG_RUNTIME_DIR;
      const script =
        'mount -t tmpfs regcred-test /run || exit 90\n' +
        `"$SKOPEO" login --tls-verify=false -u "$USER_NAME" ` +
        '--password-stdin "$HOST" >/dev/null || exit 91\n' +
        'uid=$(id -u)\n' +
        'test -f "/run/containers/$uid/auth.json" || exit 92\n' +
        'echo "uid=$uid"\n' +
        `"$NODE" "$BIN" get --podman "$HOST/app"\n`;
      const run = await runProgram(
        [...prefix, '/bin/sh', '-c', script],
        {
          ...env,
          PATH: `${env.PATH ?? ''}:${SYSTEM_PATH}`,
          SKOPEO: SKOPEO ?? '',
          NODE: process.execPath,
          BIN,
          HOST: host,
          USER_NAME: bob.name,
        },
        `${bob.password}\n`,
      );
      assertOk(run, 'skopeo login and regcred get in a private /run');
      const [uidLine = '', json = ''] = run.stdout.split('\n');
      assert.match(uidLine, /^uid=\d+$/);
      assert.deepEqual(JSON.parse(json), {
        username: bob.name,
        password: bob.password,
        serveraddress: host,
      });
    });
  },
);

/** A hand-written layout and the image to look up in it. */
interface Layout {
  name: string;
  files: (home: Home) => void;
  /** The key given to `skopeo login --get-login`: the image, no tag. */
  key: string;
  /** The user both must find, or null for none. */
  user: string | null;
  env?: (home: Home) => NodeJS.ProcessEnv;
}

const H = '127.0.0.1:5000';
const entry = (user: string) => ({ auth: base64(`${user}:pw-${user}`) });

/** A helper that answers `listed`, only when asked with the host. */
const LISTED_HELPER =
  `read -r host; [ "$host" = "${H}" ] || exit 7; ` +
  `printf '{"Username":"listed","Secret":"pw"}'`;
const HELPER_HAS_NOTHING =
  'cat >/dev/null; echo "credentials not found in native keychain"; exit 1';
const HELPERS_FIRST =
  "credential-helpers = [ 'listed', 'containers-auth.json' ]\n";

const LAYOUTS: Layout[] = [
  {
    name: '{} in the runtime file sends the search to the next file',
    files: (h) => {
      h.write(h.runtimeFile, { auths: { [H]: {} } });
      h.write(h.configFile, { auths: { [H]: entry('config') } });
    },
    key: `${H}/app`,
    user: 'config',
  },
  {
    name: "Docker's config.json after both auth.json files",
    files: (h) => {
      h.write(h.runtimeFile, { auths: { '127.0.0.1:5001': entry('other') } });
      h.write(h.dockerFile, { auths: { [H]: entry('docker') } });
    },
    key: `${H}/app`,
    user: 'docker',
  },
  {
    name: 'a URL-shaped key matches by host',
    files: (h) => {
      h.write(h.dockerFile, { auths: { [`https://${H}/v1/`]: entry('url') } });
    },
    key: `${H}/team/app`,
    user: 'url',
  },
  {
    name: 'Docker Hub keys fold together',
    files: (h) => {
      h.write(h.dockerFile, {
        auths: { 'https://index.docker.io/v1/': entry('hub') },
      });
    },
    key: 'docker.io/library/alpine',
    user: 'hub',
  },
  {
    name: 'the legacy ~/.dockercfg is read last',
    files: (h) => {
      h.write(h.legacyFile, {
        [`https://${H}/v1/`]: { ...entry('legacy'), email: 'e@example.test' },
      });
    },
    key: `${H}/app`,
    user: 'legacy',
  },
  {
    name: 'username/password fields do not count, only auth',
    files: (h) => {
      h.write(h.dockerFile, {
        auths: { [H]: { username: 'fields', password: 'pw' } },
      });
      h.write(h.legacyFile, { [H]: entry('legacy') });
    },
    key: `${H}/app`,
    user: 'legacy',
  },
  {
    name: "an auth without ':' is skipped, the search goes on",
    files: (h) => {
      h.write(h.runtimeFile, { auths: { [H]: { auth: base64('nocolon') } } });
      h.write(h.dockerFile, { auths: { [H]: entry('docker') } });
    },
    key: `${H}/app`,
    user: 'docker',
  },
  {
    name: 'a namespace key beats the host key in the same file',
    files: (h) => {
      h.write(h.configFile, {
        auths: { [H]: entry('host'), [`${H}/team`]: entry('team') },
      });
    },
    key: `${H}/team/app`,
    user: 'team',
  },
  {
    name: 'a host key in an earlier file beats a namespace key in a later',
    files: (h) => {
      h.write(h.runtimeFile, { auths: { [H]: entry('host') } });
      h.write(h.configFile, { auths: { [`${H}/team`]: entry('team') } });
    },
    key: `${H}/team/app`,
    user: 'host',
  },
  {
    name: 'credHelpers in auth.json asks the helper, with the host',
    files: (h) => {
      h.write(h.runtimeFile, { credHelpers: { [H]: 'scripted' } });
      h.writeHelper(
        'scripted',
        `read -r host; [ "$host" = "${H}" ] || exit 7; ` +
          `printf '{"ServerURL":"%s","Username":"helped","Secret":"pw"}' ` +
          '"$host"',
      );
    },
    key: `${H}/team/app`,
    user: 'helped',
  },
  {
    name: 'a helper that has nothing sends the search on',
    files: (h) => {
      h.write(h.runtimeFile, { credHelpers: { [H]: 'empty' } });
      h.writeHelper(
        'empty',
        'cat >/dev/null; echo "credentials not found in native keychain"; ' +
          'exit 1',
      );
      h.write(h.dockerFile, { auths: { [H]: entry('docker') } });
    },
    key: `${H}/app`,
    user: 'docker',
  },
  {
    name: 'credsStore is ignored',
    files: (h) => {
      h.write(h.dockerFile, { auths: { [H]: {} }, credsStore: 'scripted' });
      h.writeHelper(
        'scripted',
        `cat >/dev/null; printf '{"Username":"store","Secret":"pw"}'`,
      );
    },
    key: `${H}/app`,
    user: null,
  },
  {
    name: 'REGISTRY_AUTH_FILE holding the entry answers',
    files: (h) => {
      h.write(join(h.dir, 'explicit.json'), { auths: { [H]: entry('env') } });
      h.write(h.runtimeFile, { auths: { [H]: entry('runtime') } });
    },
    env: (h) => ({ REGISTRY_AUTH_FILE: join(h.dir, 'explicit.json') }),
    key: `${H}/app`,
    user: 'env',
  },
  {
    name: 'a DOCKER_CONFIG directory replaces ~/.docker',
    files: (h) => {
      h.write(join(h.dir, 'dc', 'config.json'), {
        auths: { [H]: entry('dockerconfig') },
      });
      h.write(h.dockerFile, { auths: { [H]: entry('homedocker') } });
    },
    env: (h) => ({ DOCKER_CONFIG: join(h.dir, 'dc') }),
    key: `${H}/app`,
    user: 'dockerconfig',
  },
  {
    name: 'registries.conf: a helper listed before the files answers first',
    files: (h) => {
      h.write(h.registriesConf, HELPERS_FIRST);
      h.writeHelper('listed', LISTED_HELPER);
      h.write(h.runtimeFile, { auths: { [H]: entry('file') } });
    },
    key: `${H}/team/app`,
    user: 'listed',
  },
  {
    name: 'registries.conf: files listed first answer first',
    files: (h) => {
      h.write(
        h.registriesConf,
        'credential-helpers = ["containers-auth.json", "listed"]\n',
      );
      h.writeHelper('listed', LISTED_HELPER);
      h.write(h.runtimeFile, { auths: { [H]: entry('file') } });
    },
    key: `${H}/app`,
    user: 'file',
  },
  {
    name: 'registries.conf: a missing helper does not block the files',
    files: (h) => {
      h.write(
        h.registriesConf,
        '# comment\ncredential-helpers = [\n  "missing", # none\n' +
          '  "containers-auth.json",\n]\n[aliases]\n"x" = "docker.io/x"\n',
      );
      h.write(h.dockerFile, { auths: { [H]: entry('docker') } });
    },
    key: `${H}/app`,
    user: 'docker',
  },
  {
    name: 'registries.conf: without containers-auth.json no file is read',
    files: (h) => {
      h.write(h.registriesConf, 'credential-helpers = ["empty"]\n');
      h.writeHelper('empty', HELPER_HAS_NOTHING);
      h.write(h.runtimeFile, { auths: { [H]: entry('file') } });
    },
    key: `${H}/app`,
    user: null,
  },
  {
    name: 'registries.conf.d: a later drop-in replaces the list',
    files: (h) => {
      h.write(h.registriesConf, 'credential-helpers = ["empty"]\n');
      h.write(`${h.registriesConf}.d/50-mine.conf`, HELPERS_FIRST);
      h.write(`${h.registriesConf}.d/60-other.conf`, '[aliases]\n');
      h.write(`${h.registriesConf}.d/70-skipped.txt`, 'credential-helpers=[]');
      h.writeHelper('empty', HELPER_HAS_NOTHING);
      h.writeHelper('listed', LISTED_HELPER);
    },
    key: `${H}/app`,
    user: 'listed',
  },
  {
    name: 'registries.conf.d: a later credential-helpers = [] means the files',
    files: (h) => {
      h.write(h.registriesConf, HELPERS_FIRST);
      h.write(`${h.registriesConf}.d/60-none.conf`, 'credential-helpers = []');
      h.writeHelper('listed', LISTED_HELPER);
      h.write(h.runtimeFile, { auths: { [H]: entry('file') } });
    },
    key: `${H}/app`,
    user: 'file',
  },
];

describe(
  'hand-written files: regcred and skopeo find the same user',
  {
    skip: SKOPEO_UNAVAILABLE || OFFLINE_UNAVAILABLE,
  },
  () => {
    for (const layout of LAYOUTS) {
      it(layout.name, async (t) => {
        const home = newHome(t);
        layout.files(home);
        const env = layout.env?.(home) ?? {};
        assert.equal(await skopeoUser(home, layout.key, env), layout.user);
        const got = await podmanGet(home, `${layout.key}:1`, env);
        assert.equal(got.username, layout.user ?? undefined);
        if (layout.user !== null) {
          const helped = layout.user === 'helped' || layout.user === 'listed';
          assert.equal(got.password, helped ? 'pw' : `pw-${layout.user}`);
        }
      });
    }

    it('a file that cannot be parsed fails both', async (t) => {
      const home = newHome(t);
      home.write(home.runtimeFile, '{"auths": ');
      home.write(home.dockerFile, { auths: { [H]: entry('docker') } });
      const skopeo = await home.skopeo(['login', '--get-login', H], {
        offline: true,
      });
      assert.notEqual(skopeo.status, 0);
      assert.match(skopeo.stderr, /auth\.json/);
      const regcred = await home.regcred(['get', '--podman', `${H}/app`]);
      assert.notEqual(regcred.status, 0);
      assert.ok(regcred.stderr.includes(home.runtimeFile), regcred.stderr);
      // explain reports it instead of failing
      const report = await explainJson(home, `${H}/app`);
      assert.equal(report.podman.lookup?.steps[0]?.outcome, 'failed');
    });

    it('registries.conf listing only a missing helper fails both', async (t) => {
      const home = newHome(t);
      home.write(home.registriesConf, 'credential-helpers = ["missing"]\n');
      home.write(home.dockerFile, { auths: { [H]: entry('docker') } });
      const skopeo = await home.skopeo(['login', '--get-login', H], {
        offline: true,
      });
      assert.notEqual(skopeo.status, 0);
      assert.match(skopeo.stderr, /docker-credential-missing/);
      const regcred = await home.regcred(['get', '--podman', `${H}/app`]);
      assert.notEqual(regcred.status, 0);
      assert.match(regcred.stderr, /docker-credential-missing/);
    });

    it('an auth value that is not base64 fails both', async (t) => {
      const home = newHome(t);
      home.write(home.runtimeFile, { auths: { [H]: { auth: '!!not-b64' } } });
      home.write(home.dockerFile, { auths: { [H]: entry('docker') } });
      const skopeo = await home.skopeo(['login', '--get-login', H], {
        offline: true,
      });
      assert.notEqual(skopeo.status, 0);
      assert.match(skopeo.stderr, /base64/);
      const regcred = await home.regcred(['get', '--podman', `${H}/app`]);
      assert.notEqual(regcred.status, 0);
      assert.match(regcred.stderr, /not valid base64/);
    });

    it('REGISTRY_AUTH_FILE without the entry: skopeo 1.9 reads on', async (t) => {
      // Current containers/image (anchors.md §1) reads only the explicit
      // file; Debian's skopeo 1.9.3 puts it in place of the first file and
      // reads on. regcred follows current containers/image.
      const home = newHome(t);
      home.write(join(home.dir, 'explicit.json'), { auths: {} });
      home.write(home.runtimeFile, { auths: { [H]: entry('runtime') } });
      home.write(home.dockerFile, { auths: { [H]: entry('docker') } });
      const env = { REGISTRY_AUTH_FILE: join(home.dir, 'explicit.json') };
      assert.deepEqual(await podmanGet(home, `${H}/app`, env), {});
      const skopeo = await skopeoUser(home, H, env);
      t.diagnostic(`${SKOPEO_VERSION} answers ${skopeo ?? 'nothing'}`);
      if (/^skopeo version 1\.9\./.test(SKOPEO_VERSION)) {
        assert.equal(skopeo, 'docker');
      }
    });
  },
);
