import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { explain } from '../src/explain/explain.js';
import type { Check, ExplainReport } from '../src/explain/report.js';
import type { ExplainSystem, FileStat } from '../src/explain/system.js';
import { makeFakeHelper } from './support/fake-helper.js';

// Obviously fake secrets; each must never appear in a report.
const SECRET = 'not-a-real-secret-1';
const HELPER_SECRET = 'not-a-real-secret-2';
const AUTH = Buffer.from(`alice:${SECRET}`).toString('base64');
const ENV_AUTH = Buffer.from(`envuser:${SECRET}`).toString('base64');
const NOT_FOUND =
  'cat >/dev/null; echo "credentials not found in native keychain"; exit 1';

/** A machine built from literals: alice (uid 1000) and root, in a temp dir. */
interface World {
  dir: string;
  home: string;
  rootHome: string;
  configDir: string;
  binDir: string;
  env: NodeJS.ProcessEnv;
  /** Stat overrides by path; null makes a path missing. */
  stats: Map<string, Partial<FileStat> | null>;
  /** File texts by path, for paths outside the temp dir. */
  texts: Map<string, string>;
  uid: number;
  gid: number;
  platform: NodeJS.Platform;
  writeConfig(config: unknown): string;
  writeHelper(name: string, script: string): void;
  system(): Partial<ExplainSystem>;
}

let world: World;

beforeEach(() => {
  world = makeWorld();
});
afterEach(() => rmSync(world.dir, { recursive: true, force: true }));

function makeWorld(): World {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-explain-'));
  const home = join(dir, 'home', 'alice');
  const rootHome = join(dir, 'root');
  const configDir = join(home, '.docker');
  const binDir = join(dir, 'bin');
  const toolsDir = join(dir, 'tools');
  for (const sub of [configDir, rootHome, binDir, toolsDir]) {
    mkdirSync(sub, { recursive: true });
  }
  symlinkSync('/usr/bin/cat', join(toolsDir, 'cat'));
  const w: World = {
    dir,
    home,
    rootHome,
    configDir,
    binDir,
    env: { HOME: home, PATH: `${binDir}:${toolsDir}` },
    stats: new Map(),
    texts: new Map(),
    uid: 1000,
    gid: 1000,
    platform: 'linux',
    writeConfig(config) {
      const path = join(configDir, 'config.json');
      const text = typeof config === 'string' ? config : JSON.stringify(config);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    },
    writeHelper(name, script) {
      makeFakeHelper(binDir, name, script);
    },
    system: () => fakeSystem(w),
  };
  return w;
}

function fakeSystem(w: World): Partial<ExplainSystem> {
  return {
    env: w.env,
    platform: w.platform,
    cwd: w.dir,
    uid: w.uid,
    gid: w.gid,
    users: () => [
      { name: 'root', uid: 0, gid: 0, home: w.rootHome },
      { name: 'alice', uid: 1000, gid: 1000, home: w.home },
    ],
    stat(path) {
      const override = w.stats.get(path);
      if (override === null) return undefined;
      const real = path.startsWith(w.dir) ? realStat(path) : undefined;
      if (real === undefined && override === undefined) return undefined;
      // files in the temp dir belong to alice unless a test says otherwise
      const base: FileStat = real
        ? { ...real, uid: 1000, gid: 1000 }
        : { uid: 0, gid: 0, mode: 0o100644, kind: 'file' };
      return { ...base, ...override };
    },
    readText(path) {
      const text = w.texts.get(path);
      if (text !== undefined || !path.startsWith(w.dir)) return text;
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

function realStat(path: string): FileStat | undefined {
  try {
    const s = statSync(path);
    const kind = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
    return { uid: s.uid, gid: s.gid, mode: s.mode, kind };
  } catch {
    return undefined;
  }
}

async function run(reference?: string): Promise<ExplainReport> {
  return explain({
    system: world.system(),
    helperTimeoutMs: 5_000,
    ...(reference === undefined ? {} : { reference }),
  });
}

function find(report: ExplainReport, id: string): Check {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(
    found,
    `no check '${id}' in ${report.checks.map((c) => c.id).join(', ')}`,
  );
  return found;
}

function text(check: Check): string {
  return [check.summary, ...check.details, check.next ?? ''].join('\n');
}

function assertNoSecret(report: ExplainReport): void {
  const json = JSON.stringify(report);
  for (const secret of [SECRET, HELPER_SECRET, AUTH, ENV_AUTH]) {
    assert.ok(!json.includes(secret), `the report leaks '${secret}'`);
  }
}

test('explain() reports a plain file store as ok, exit 0, without secrets', async () => {
  world.writeConfig({ auths: { 'reg.example.test': { auth: AUTH } } });
  const report = await run('reg.example.test/app:1');
  assert.equal(report.exitStatus, 0);
  assert.equal(find(report, 'config.file').status, 'ok');
  assert.equal(find(report, 'config.owner').status, 'ok');
  assert.equal(find(report, 'config.secrets').status, 'info');
  assert.deepEqual(report.config.secretKeys, ['reg.example.test']);
  assert.equal(report.lookup?.username, 'alice');
  assert.equal(report.lookup?.passwordSet, true);
  assert.match(
    find(report, 'lookup.outcome').summary,
    /password: set \(redacted\)/,
  );
  assertNoSecret(report);
});

test('explain() warns when several legacy keys stand for the registry', async () => {
  world.writeConfig({
    auths: {
      'https://reg.example.test/': { auth: AUTH },
      'http://reg.example.test': { auth: AUTH },
    },
  });
  const report = await run('reg.example.test/team/app');
  const ambiguous = find(report, 'lookup.ambiguous-keys');
  assert.equal(ambiguous.status, 'warning');
  assert.match(ambiguous.details.join('\n'), /Docker picks one at random/);
  assertNoSecret(report);
});

test('explain() says where the config comes from and who runs it', async () => {
  const report = await run();
  assert.equal(report.schema, 'regcred.explain/v1');
  assert.equal(report.identity.uid, 1000);
  assert.equal(report.identity.user, 'alice');
  assert.equal(report.identity.homeSource, 'HOME');
  assert.equal(report.config.source, 'HOME');
  assert.equal(report.config.file, join(world.configDir, 'config.json'));
  assert.equal(report.config.exists, false);
  assert.equal(find(report, 'config.file').status, 'info');
  assert.equal(report.exitStatus, 0);
});

test('explain() takes the home from the user database when HOME is unset', async () => {
  delete world.env.HOME;
  const report = await run();
  assert.equal(report.identity.homeSource, 'passwd');
  assert.equal(report.config.file, join(world.home, '.docker', 'config.json'));
  assert.match(find(report, 'identity.user').details[0] ?? '', /user database/);
});

test('explain() warns about a root-owned config in the user home', async () => {
  const file = world.writeConfig({ auths: {} });
  world.stats.set(file, { uid: 0, gid: 0, mode: 0o100644 });
  const report = await run();
  const owner = find(report, 'config.owner');
  assert.equal(owner.status, 'warning');
  assert.match(text(owner), /sudo docker login/);
  assert.equal(owner.next, `sudo chown 1000:1000 ${file}`);
  assert.equal(report.exitStatus, 0);
});

test('explain() fails when the config is root-owned and unreadable', async () => {
  const file = world.writeConfig({ auths: {} });
  world.stats.set(file, { uid: 0, gid: 0, mode: 0o100600 });
  const report = await run();
  const owner = find(report, 'config.owner');
  assert.equal(owner.status, 'failed');
  assert.deepEqual(report.config.owner, { uid: 0, gid: 0, mode: '0600' });
  assert.equal(report.exitStatus, 1);
});

test('explain() warns when plaintext secrets are group-readable', async () => {
  const file = world.writeConfig({
    auths: { 'reg.example.test': { auth: AUTH } },
  });
  world.stats.set(file, { mode: 0o100640 });
  const report = await run();
  const secrets = find(report, 'config.secrets');
  assert.equal(secrets.status, 'warning');
  assert.match(secrets.summary, /its group can read/);
  assert.equal(secrets.next, `chmod 600 ${file}`);
  assert.equal(report.exitStatus, 0);
  assertNoSecret(report);
});

test('explain() warns when others can write the config', async () => {
  const file = world.writeConfig({ auths: {} });
  world.stats.set(file, { mode: 0o100666 });
  const owner = find(await run(), 'config.owner');
  assert.equal(owner.status, 'warning');
  assert.match(owner.details[0] ?? '', /helper program/);
});

test('explain() fails on a missing credsStore helper and shows the chain', async () => {
  const file = world.writeConfig({ auths: {}, credsStore: 'desktop' });
  const report = await run('alpine');
  const helper = find(report, 'config.helper.desktop');
  assert.equal(helper.status, 'failed');
  assert.match(
    text(helper),
    /no credHelpers match -> credsStore -> docker-credential-desktop: missing/,
  );
  assert.match(helper.next ?? '', /remove just "credsStore" from/);
  assert.match(helper.next ?? '', /do not delete the directory/);
  assert.ok(helper.next?.includes(file));
  const lookup = find(report, 'lookup.helper');
  assert.equal(lookup.status, 'failed');
  assert.equal(report.lookup?.helperFailure?.reason, 'not-found');
  assert.equal(report.lookup?.helper?.path, null);
  assert.equal(report.exitStatus, 1);
});

test('explain() names the credHelpers key of a missing helper', async () => {
  world.writeConfig({ credHelpers: { 'gcr.example.test': 'gcloud' } });
  const helper = find(await run(), 'config.helper.gcloud');
  assert.equal(helper.status, 'failed');
  assert.match(helper.next ?? '', /credHelpers "gcr\.example\.test"/);
});

test('explain() reports an unparsable config as failed, not a crash', async () => {
  world.writeConfig('{"auths": {"reg.example.test": {"auth": "');
  const report = await run('reg.example.test/app');
  const file = find(report, 'config.file');
  assert.equal(file.status, 'failed');
  assert.match(text(file), /line 1/);
  assert.match(text(file), /do not delete/);
  assert.equal(report.lookup?.key, 'reg.example.test');
  assert.match(report.lookup?.error ?? '', /anonymously/);
  assert.equal(report.exitStatus, 1);
});

test('explain() reports a config that cannot be read as failed', async () => {
  mkdirSync(join(world.configDir, 'config.json'));
  const report = await run();
  assert.equal(find(report, 'config.file').status, 'failed');
  assert.match(report.config.error ?? '', /Cannot read config file/);
  assert.equal(report.exitStatus, 1);
});

test('explain() says what a valid DOCKER_AUTH_CONFIG overrides', async () => {
  world.writeConfig({ credsStore: 'desktop', auths: { x: {} } });
  world.writeHelper('desktop', NOT_FOUND);
  world.env.DOCKER_AUTH_CONFIG = JSON.stringify({
    auths: { 'reg.example.test': { auth: ENV_AUTH } },
  });
  const report = await run('reg.example.test/app');
  const env = find(report, 'config.docker-auth-config');
  assert.equal(env.status, 'info');
  assert.match(
    text(env),
    /reg\.example\.test: overrides the helper 'desktop' \(credsStore\)/,
  );
  assert.equal(report.lookup?.source, 'docker-auth-config');
  assert.equal(report.lookup?.username, 'envuser');
  assert.equal(report.lookup?.steps[0]?.chosen, true);
  assert.equal(report.lookup?.helper, null);
  assertNoSecret(report);
});

test('explain() warns that a bad DOCKER_AUTH_CONFIG is ignored, hiding it', async () => {
  world.env.DOCKER_AUTH_CONFIG = JSON.stringify({
    auths: { x: { auth: AUTH, password: SECRET } },
  });
  const report = await run();
  const env = find(report, 'config.docker-auth-config');
  assert.equal(env.status, 'warning');
  assert.match(env.summary, /ignores it/);
  assert.equal(report.config.dockerAuthConfig.valid, false);
  assertNoSecret(report);
});

test('explain() points out a legacy ~/.dockercfg and says it is ignored', async () => {
  writeFileSync(join(world.home, '.dockercfg'), '{}');
  const legacy = find(await run(), 'config.legacy-dockercfg');
  assert.equal(legacy.status, 'warning');
  assert.match(legacy.summary, /Docker 28 ignores it/);
});

test('explain() says a detected store was detected, not configured', async () => {
  world.writeHelper('secretservice', NOT_FOUND);
  const report = await run();
  const store = find(report, 'config.store');
  assert.equal(report.config.credsStoreSource, 'detected');
  assert.match(store.summary, /'secretservice' was detected, not configured/);
  assert.match(text(store), /add one auths entry/);
  assert.match(text(store), /an empty "auths" does not count/);
  // no D-Bus session in this world: the headless trap
  assert.equal(store.status, 'warning');
  world.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent';
  assert.equal(find(await run(), 'config.store').status, 'info');
});

test('explain() says why no store was detected', async () => {
  const store = find(await run(), 'config.store');
  assert.equal(store.status, 'info');
  assert.match(text(store), /docker-credential-secretservice is not on PATH/);
});

test('explain() points at inline secrets a credsStore makes Docker ignore', async () => {
  world.writeConfig({
    auths: { 'reg.example.test': { auth: AUTH } },
    credsStore: 'vault',
  });
  world.writeHelper('vault', NOT_FOUND);
  const report = await run('reg.example.test/app');
  const stale = find(report, 'config.stale-secrets');
  assert.equal(stale.status, 'warning');
  assert.match(stale.summary, /reg\.example\.test \(answered by 'vault'\)/);
  const outcome = find(report, 'lookup.outcome');
  assert.match(outcome.summary, /no credentials/);
  assert.match(text(outcome), /ignored while the helper answers/);
  assert.match(report.lookup?.steps[3]?.found ?? '', /secret is not used/);
  assertNoSecret(report);
});

test('explain() gives the username and the helper time, never the secret', async () => {
  world.writeConfig({ credsStore: 'vault' });
  world.writeHelper('vault', answerWith('bob', HELPER_SECRET));
  const report = await run('reg.example.test/app');
  assert.equal(report.lookup?.source, 'helper');
  assert.equal(report.lookup?.username, 'bob');
  assert.equal(
    report.lookup?.helper?.path,
    join(world.binDir, 'docker-credential-vault'),
  );
  assert.equal(typeof report.lookup?.helper?.ms, 'number');
  assert.equal(find(report, 'lookup.helper').status, 'ok');
  assert.equal(find(report, 'config.helper.vault').status, 'ok');
  assert.equal(report.exitStatus, 0);
  assertNoSecret(report);
});

test('explain() reports a failing helper and the fallback Docker hides', async () => {
  world.writeConfig({
    auths: { 'reg.example.test': { auth: AUTH } },
    credsStore: 'broken',
  });
  world.writeHelper('broken', 'cat >/dev/null; echo boom; exit 3');
  const report = await run('reg.example.test/app');
  assert.equal(find(report, 'lookup.helper').status, 'failed');
  const outcome = find(report, 'lookup.outcome');
  assert.equal(outcome.status, 'warning');
  assert.match(outcome.summary, /swallows the failure/);
  assert.equal(report.exitStatus, 1);
  assertNoSecret(report);
});

test('explain() shows the Docker Hub alias mapping used', async () => {
  const hub = await run('docker.io/library/alpine');
  assert.equal(hub.lookup?.key, 'https://index.docker.io/v1/');
  assert.equal(hub.lookup?.hubAlias, 'docker.io');
  assert.match(
    text(find(hub, 'lookup.key')),
    /docker\.io -> https:\/\/index\.docker\.io\/v1\//,
  );
  const notAlias = await run('registry-1.docker.io/library/alpine');
  assert.equal(notAlias.lookup?.key, 'registry-1.docker.io');
  assert.equal(notAlias.lookup?.hubAlias, null);
  assert.match(text(find(notAlias, 'lookup.key')), /not a Docker Hub alias/);
});

test('explain() warns about Hub keys no pull reads', async () => {
  world.writeConfig({
    auths: { 'docker.io': { auth: AUTH }, 'https://index.docker.io/v1/': {} },
    credHelpers: { 'registry-1.docker.io': 'x' },
  });
  const hub = find(await run(), 'config.hub-keys');
  assert.equal(hub.status, 'warning');
  assert.match(hub.summary, /docker\.io, registry-1\.docker\.io$/);
});

test('explain() fails on an invalid reference instead of throwing', async () => {
  const report = await run('Alpine:Latest');
  const ref = find(report, 'lookup.reference');
  assert.equal(ref.status, 'failed');
  assert.match(text(ref), /lowercase/);
  assert.equal(report.exitStatus, 1);
});

test('explain() warns when sudo kept HOME, and names the invoking user', async () => {
  Object.assign(world, { uid: 0, gid: 0 });
  Object.assign(world.env, { SUDO_USER: 'alice', SUDO_UID: '1000' });
  const report = await run();
  assert.deepEqual(report.identity.sudo, {
    user: 'alice',
    uid: 1000,
    home: world.home,
  });
  const user = find(report, 'identity.user');
  assert.equal(user.status, 'warning');
  assert.match(
    user.summary,
    /uid 0 \(root\), through sudo from alice \(uid 1000\)/,
  );
  assert.match(text(user), /sudo kept HOME/);
  assert.match(
    find(report, 'elsewhere.sudo').summary,
    /already under sudo; without it, alice reads/,
  );
});

test('explain() says when sudo reset HOME to root', async () => {
  Object.assign(world, { uid: 0, gid: 0 });
  Object.assign(world.env, {
    SUDO_USER: 'alice',
    SUDO_UID: '1000',
    HOME: world.rootHome,
  });
  const report = await run();
  const user = find(report, 'identity.user');
  assert.equal(user.status, 'info');
  assert.match(text(user), /alice's own login in .* is not used here/);
  assert.equal(
    report.config.file,
    join(world.rootHome, '.docker', 'config.json'),
  );
});

test('explain() tells what differs under sudo, sudo -i and in a container', async () => {
  world.writeConfig({
    auths: { 'reg.example.test': { auth: AUTH } },
    credsStore: 'vault',
  });
  world.writeHelper('vault', NOT_FOUND);
  world.env.DOCKER_CONFIG = world.configDir;
  const report = await run();
  const rootConfig = join(world.rootHome, '.docker', 'config.json');
  const sudo = find(report, 'elsewhere.sudo');
  assert.match(sudo.summary, new RegExp(`${rootConfig}, not`));
  assert.match(text(sudo), /DOCKER_CONFIG is dropped/);
  assert.match(text(sudo), /docker-credential-vault .* is not on sudo's PATH/);
  const login = find(report, 'elsewhere.sudo-i');
  assert.match(text(login), /the login in .* is not used there/);
  const container = find(report, 'elsewhere.container');
  assert.match(
    text(container),
    /no docker-credential-vault in it unless mounted/,
  );
  assert.match(text(container), /plaintext secrets/);
  assert.deepEqual(
    report.elsewhere.map((e) => [e.place, e.configFile]),
    [
      ['sudo', rootConfig],
      ['sudo -i', rootConfig],
      ['container', null],
    ],
  );
});

test('explain() says sudo changes nothing for root, keeping its HOME', async () => {
  Object.assign(world, { uid: 0, gid: 0 });
  world.env.DOCKER_CONFIG = join(world.dir, 'elsewhere');
  const report = await run();
  assert.match(find(report, 'elsewhere.sudo').summary, /changes nothing/);
  assert.deepEqual(report.elsewhere[0], {
    place: 'sudo',
    home: world.home,
    configFile: join(world.dir, 'elsewhere', 'config.json'),
    configExists: false,
  });
});

test('explain() says sudo keeps HOME on macOS', async () => {
  world.platform = 'darwin';
  const sudo = find(await run(), 'elsewhere.sudo');
  assert.match(sudo.summary, /HOME is kept/);
});

test('explain() tells a container by its marks', async () => {
  const cases: [string, () => void, string][] = [
    ['docker', () => world.stats.set('/.dockerenv', {}), '/.dockerenv'],
    [
      'podman',
      () => world.stats.set('/run/.containerenv', {}),
      '/run/.containerenv',
    ],
    [
      'cgroup',
      () => world.texts.set('/proc/1/cgroup', '0::/docker/abc\n'),
      '/proc/1/cgroup',
    ],
  ];
  for (const [name, mark, evidence] of cases) {
    world.stats.clear();
    world.texts.clear();
    mark();
    const report = await run();
    assert.equal(report.environment.place, 'container', name);
    assert.deepEqual(report.environment.evidence, [evidence], name);
  }
});

test('explain() tells a host and a virtual machine apart', async () => {
  assert.equal((await run()).environment.place, 'host');
  world.texts.set('/sys/class/dmi/id/sys_vendor', 'QEMU\n');
  const vm = await run();
  assert.equal(vm.environment.place, 'vm');
  assert.deepEqual(vm.environment.evidence, ['sys_vendor QEMU']);
  world.texts.set('/sys/class/dmi/id/sys_vendor', 'Microsoft Corporation\n');
  assert.equal((await run()).environment.place, 'host', 'a Surface is no VM');
  world.texts.set('/sys/class/dmi/id/product_name', 'Virtual Machine\n');
  assert.equal((await run()).environment.place, 'vm', 'Hyper-V');
});

test('explain() puts the daemon in a Linux VM on macOS', async () => {
  world.platform = 'darwin';
  const report = await run();
  assert.equal(report.environment.daemonInVm, true);
  assert.equal(report.environment.place, 'host');
  world.env.DOCKER_HOST = 'tcp://127.0.0.1:2375';
  assert.equal((await run()).environment.daemonInVm, false);
});

test('explain() reads currentContext and its meta.json', async () => {
  world.writeConfig({ auths: {}, currentContext: 'remote' });
  writeContext('remote', 'unix:///run/user/1000/docker.sock');
  world.stats.set('/run/user/1000/docker.sock', { kind: 'socket' });
  const report = await run();
  assert.equal(report.environment.context, 'remote');
  assert.equal(report.environment.contextSource, 'currentContext');
  assert.equal(
    report.environment.endpoint,
    'unix:///run/user/1000/docker.sock',
  );
  assert.equal(report.environment.socketExists, true);
  const daemon = find(report, 'environment.daemon');
  assert.equal(daemon.status, 'ok');
  assert.match(text(daemon), /never reads config\.json/);
});

test('explain() lets DOCKER_CONTEXT, then DOCKER_HOST, pick the context', async () => {
  world.writeConfig({ auths: {}, currentContext: 'remote' });
  writeContext('remote', 'unix:///remote.sock');
  writeContext('other', 'tcp://127.0.0.1:2375');
  world.env.DOCKER_CONTEXT = 'other';
  const byEnv = await run();
  assert.equal(byEnv.environment.contextSource, 'DOCKER_CONTEXT');
  assert.equal(byEnv.environment.endpoint, 'tcp://127.0.0.1:2375');
  assert.equal(byEnv.environment.socketExists, null);
  world.env.DOCKER_HOST = 'unix:///custom.sock';
  const byHost = await run();
  assert.equal(byHost.environment.contextSource, 'DOCKER_HOST');
  assert.equal(byHost.environment.endpoint, 'unix:///custom.sock');
  assert.equal(byHost.environment.socketExists, false);
  assert.equal(find(byHost, 'environment.daemon').status, 'warning');
});

test('explain() fails when the context cannot be resolved', async () => {
  world.env.DOCKER_CONTEXT = 'gone';
  const report = await run();
  const daemon = find(report, 'environment.daemon');
  assert.equal(daemon.status, 'failed');
  assert.match(text(daemon), /no context 'gone'/);
  assert.equal(report.environment.endpoint, null);
  assert.equal(report.exitStatus, 1);
});

test('explain() uses the default socket without a context', async () => {
  const report = await run();
  assert.equal(report.environment.contextSource, 'default');
  assert.equal(report.environment.endpoint, 'unix:///var/run/docker.sock');
  assert.equal(report.environment.socketPath, '/var/run/docker.sock');
});

/** A helper script that answers every `get` with these credentials. */
function answerWith(username: string, secret: string): string {
  const answer = JSON.stringify({
    ServerURL: 'x',
    Username: username,
    Secret: secret,
  });
  return `cat >/dev/null; printf '%s' '${answer}'`;
}

function writeContext(name: string, host: string): void {
  const digest = createHash('sha256').update(name).digest('hex');
  const dir = join(world.configDir, 'contexts', 'meta', digest);
  mkdirSync(dir, { recursive: true });
  const meta = {
    Name: name,
    Metadata: {},
    Endpoints: { docker: { Host: host } },
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

test('explain() fails when the pass helper has no password store', async () => {
  world.writeConfig({ credsStore: 'pass' });
  world.writeHelper('pass', NOT_FOUND);
  const missing = await run();
  const check = find(missing, 'config.pass-store');
  assert.equal(check.status, 'failed');
  assert.match(check.summary, /docker login cannot save/);
  assert.match(check.next ?? '', /pass init/);
  assert.equal(missing.exitStatus, 1);

  mkdirSync(join(world.home, '.password-store'));
  writeFileSync(join(world.home, '.password-store', '.gpg-id'), 'KEYID\n');
  assert.equal(find(await run(), 'config.pass-store').status, 'ok');
});

test('explain() says docker pull waits for a helper that does not answer', async () => {
  world.writeConfig({
    auths: { 'reg.example.test': { auth: AUTH } },
    credsStore: 'stuck',
  });
  world.writeHelper('stuck', 'exec /bin/sleep 30');
  const report = await explain({
    system: world.system(),
    helperTimeoutMs: 300,
    reference: 'reg.example.test/app',
  });
  const outcome = find(report, 'lookup.outcome');
  assert.equal(outcome.status, 'warning');
  assert.match(outcome.summary, /waits for this helper .* forever if it hangs/);
  assert.match(text(outcome), /if the helper failed instead/);
  assertNoSecret(report);
});

test('explain() fails on an auths entry that cannot be decoded', async () => {
  const noColon = Buffer.from('alice').toString('base64');
  world.writeConfig({ auths: { 'reg.example.test': { auth: noColon } } });
  const report = await run('reg.example.test/app');
  const outcome = find(report, 'lookup.outcome');
  assert.equal(outcome.status, 'failed');
  assert.match(outcome.summary, /undecoded, which registries ignore/);
  assert.equal(find(report, 'lookup.undecodable-entry').status, 'failed');
  assert.equal(report.exitStatus, 1);
});

test('explain() warns that a broken entry makes another fail at random', async () => {
  const noColon = Buffer.from('bob').toString('base64');
  world.writeConfig({
    auths: {
      'reg.example.test': { auth: AUTH },
      'broken.example.test': { auth: noColon },
    },
  });
  const report = await run('reg.example.test/app');
  assert.equal(find(report, 'lookup.outcome').status, 'ok');
  const other = find(report, 'lookup.undecodable-other-entry');
  assert.equal(other.status, 'warning');
  assert.match(text(other), /'broken\.example\.test'/);
  assert.match(text(other), /random order/);
  const config = find(report, 'config.undecodable-entries');
  assert.match(config.summary, /broken\.example\.test/);
  assertNoSecret(report);
});

test('explain() names a root-owned config folder the user cannot open', async () => {
  const file = world.writeConfig({ auths: {} });
  world.stats.set(file, null);
  world.stats.set(world.configDir, {
    uid: 0,
    gid: 0,
    mode: 0o40700,
    kind: 'directory',
  });
  const report = await run();
  const folder = find(report, 'config.folder');
  assert.equal(folder.status, 'failed');
  assert.match(folder.summary, /owner uid 0, mode 0700: uid 1000 cannot/);
  assert.match(text(folder), /sudo docker login/);
  assert.equal(folder.next, `sudo chown -R 1000:1000 ${world.configDir}`);
});

test('explain() in a container says to run the agent on the host', async () => {
  world.stats.set('/.dockerenv', {});
  const container = find(await run(), 'elsewhere.container');
  assert.match(text(container), /regcred agent --allow REGISTRY on the host/);
});

test('explain() quotes a huge or multi-line reference in one short line', async () => {
  world.writeConfig({ auths: {} });
  const report = await run(`reg.example.test/app\n${'a'.repeat(100_000)}`);
  const check = find(report, 'lookup.reference');
  assert.ok(!check.title.includes('\n'));
  assert.ok(check.title.length < 700, `title of ${check.title.length}`);
  // only the report's own fields hold it whole: the top and the lookup's
  const json = JSON.stringify(report);
  assert.equal(json.split('a'.repeat(100_000)).length - 1, 2);
});

test('explain() points out credHelpers keys written as URLs', async () => {
  world.writeConfig({
    credHelpers: { 'https://reg.example.test:5000': 'vault', 'ok.test': 'x' },
  });
  const report = await run();
  const keys = find(report, 'config.cred-helper-keys');
  assert.equal(keys.status, 'warning');
  assert.match(
    keys.summary,
    /not read by pull, push or login: https:\/\/reg\.example\.test:5000$/,
  );
  assert.match(keys.next ?? '', /rename .* to 'reg\.example\.test:5000'/);
});

test('explain() says which DOCKER_AUTH_CONFIG keys can never match', async () => {
  world.writeConfig({ auths: {} });
  world.env.DOCKER_AUTH_CONFIG = JSON.stringify({
    auths: {
      'https://reg.example.test/': { auth: ENV_AUTH },
      'reg2.example.test': { auth: ENV_AUTH },
    },
  });
  const report = await run();
  const check = text(find(report, 'config.docker-auth-config'));
  assert.match(check, /https:\/\/reg\.example\.test\/: matches no pull/);
  assert.match(check, /reg2\.example\.test: overrides auths/);
  assertNoSecret(report);
});

test('explain() says an invalid DOCKER_AUTH_CONFIG is set but ignored', async () => {
  world.writeConfig({ auths: {} });
  world.env.DOCKER_AUTH_CONFIG =
    '{"auths":{"reg.example.test":{"username":"a"}}}';
  const report = await run('reg.example.test/app');
  const store = find(report, 'lookup.store');
  assert.match(store.details[0] ?? '', /DOCKER_AUTH_CONFIG: set, but ignored/);
});

test('explain() names a missing DOCKER_CONFIG folder and the file it hides', async () => {
  world.writeConfig({ auths: { 'reg.example.test': { auth: AUTH } } });
  world.env.DOCKER_CONFIG = join(world.dir, 'typo');
  const file = find(await run(), 'config.file');
  assert.match(
    text(file),
    /the folder .*typo does not exist: check DOCKER_CONFIG/,
  );
  assert.match(text(file), /config\.json exists, but is not read while/);
});

test('explain() does not fail an undecodable entry a helper answers for', async () => {
  world.writeConfig({
    auths: { 'reg.example.test': { auth: '!!' } },
    credsStore: 'vault',
  });
  world.writeHelper(
    'vault',
    `cat >/dev/null; echo '{"Username":"alice","Secret":"${HELPER_SECRET}"}'`,
  );
  const report = await run('reg.example.test/app');
  assert.equal(find(report, 'lookup.outcome').status, 'ok');
  assert.ok(!report.checks.some((c) => c.id === 'lookup.undecodable-entry'));
  assertNoSecret(report);
});
