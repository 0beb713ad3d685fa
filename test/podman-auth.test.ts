import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { podmanAuthFiles } from '../src/podman/auth-files.js';
import {
  lookupKeys,
  lookupPodmanAuth,
  normalizedHost,
  tracePodmanAuth,
} from '../src/podman/auth-lookup.js';
import { makeFakeHelper } from './support/fake-helper.js';

const TEMP = mkdtempSync(join(tmpdir(), 'regcred-podman-'));
after(() => rmSync(TEMP, { recursive: true, force: true }));

/** base64 of `user:pass`, as an `auth` field holds it. */
function auth(user: string, pass: string): string {
  return Buffer.from(`${user}:${pass}`).toString('base64');
}

/** A fresh home with XDG and Docker dirs inside it; nothing real is read. */
function makeHome() {
  const home = mkdtempSync(join(TEMP, 'home-'));
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CONFIG_HOME: join(home, 'config'),
    DOCKER_CONFIG: join(home, 'docker'),
  };
  const write = (path: string, content: unknown) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(content));
  };
  return {
    home,
    env,
    context: { env, uid: 4242 },
    runtime: (c: unknown) => write(join(home, 'run/containers/auth.json'), c),
    configAuth: (c: unknown) =>
      write(join(home, 'config/containers/auth.json'), c),
    docker: (c: unknown) => write(join(home, 'docker/config.json'), c),
    legacy: (c: unknown) => write(join(home, '.dockercfg'), c),
  };
}

test('search order with XDG variables and DOCKER_CONFIG set', () => {
  const files = podmanAuthFiles({
    env: {
      HOME: '/h',
      XDG_RUNTIME_DIR: '/r',
      XDG_CONFIG_HOME: '/c',
      DOCKER_CONFIG: '/d',
    },
    uid: 1000,
  });
  assert.deepEqual(files, [
    {
      path: '/r/containers/auth.json',
      format: 'auths',
      variable: 'XDG_RUNTIME_DIR',
    },
    {
      path: '/c/containers/auth.json',
      format: 'auths',
      variable: 'XDG_CONFIG_HOME',
    },
    { path: '/d/config.json', format: 'auths', variable: 'DOCKER_CONFIG' },
    { path: '/h/.dockercfg', format: 'legacy' },
  ]);
});

test('search order defaults: /run/containers/<uid>, ~/.config, ~/.docker', () => {
  const paths = podmanAuthFiles({ env: { HOME: '/h' }, uid: 1000 }).map(
    (file) => file.path,
  );
  assert.deepEqual(paths, [
    '/run/containers/1000/auth.json',
    '/h/.config/containers/auth.json',
    '/h/.docker/config.json',
    '/h/.dockercfg',
  ]);
});

test('REGISTRY_AUTH_FILE replaces the whole search', () => {
  const files = podmanAuthFiles({
    env: { HOME: '/h', REGISTRY_AUTH_FILE: '/x/a.json', XDG_RUNTIME_DIR: '/r' },
    uid: 0,
  });
  assert.deepEqual(files, [
    { path: '/x/a.json', format: 'auths', variable: 'REGISTRY_AUTH_FILE' },
  ]);
});

test('lookup keys go from the repository down to the host', () => {
  assert.deepEqual(lookupKeys('quay.io', 'org/team/app'), [
    'quay.io/org/team/app',
    'quay.io/org/team',
    'quay.io/org',
    'quay.io',
  ]);
});

test('host normalisation strips schemes and folds Docker Hub aliases', () => {
  assert.equal(
    normalizedHost('https://index.docker.io/v1/'),
    'index.docker.io',
  );
  assert.equal(normalizedHost('docker.io'), 'index.docker.io');
  assert.equal(normalizedHost('http://h:5000/v2/'), 'h:5000');
  assert.equal(normalizedHost('quay.io/org'), 'quay.io/org');
  assert.equal(normalizedHost('quay.io/org', true), 'quay.io');
});

test('the most specific key in a file wins', async () => {
  const box = makeHome();
  box.runtime({
    auths: {
      'quay.io': { auth: auth('host', 'p1') },
      'quay.io/org': { auth: auth('ns', 'p2') },
      'quay.io/org/app': { auth: auth('repo', 'p3') },
    },
  });
  const repo = await lookupPodmanAuth('quay.io/org/app:1', box.context);
  assert.equal(repo.authConfig.username, 'repo');
  assert.equal(repo.key, 'quay.io/org/app');
  const ns = await lookupPodmanAuth('quay.io/org/other', box.context);
  assert.equal(ns.authConfig.username, 'ns');
  const host = await lookupPodmanAuth('quay.io/else/x', box.context);
  assert.deepEqual(host.authConfig, {
    serveraddress: 'quay.io',
    username: 'host',
    password: 'p1',
  });
  assert.equal(host.path, join(box.home, 'run/containers/auth.json'));
});

test('files are read in order; the first with credentials wins', async () => {
  const box = makeHome();
  box.configAuth({ auths: { 'r.test': { auth: auth('config', 'p') } } });
  box.docker({ auths: { 'r.test': { auth: auth('docker', 'p') } } });
  const result = await lookupPodmanAuth('r.test/app', box.context);
  assert.equal(result.authConfig.username, 'config');
  box.runtime({ auths: { 'r.test/app': { auth: auth('runtime', 'p') } } });
  assert.equal(
    (await lookupPodmanAuth('r.test/app', box.context)).authConfig.username,
    'runtime',
  );
});

test('a {} entry means "try the next file"', async () => {
  const box = makeHome();
  box.runtime({ auths: { 'r.test': {} } });
  box.docker({ auths: { 'r.test': { auth: auth('docker', 'p') } } });
  const result = await lookupPodmanAuth('r.test/app', box.context);
  assert.equal(result.authConfig.username, 'docker');
  assert.equal(result.path, join(box.home, 'docker/config.json'));
});

test('username/password fields alone do not count, as in containers/image', async () => {
  const box = makeHome();
  box.runtime({ auths: { 'r.test': { username: 'u', password: 'p' } } });
  box.configAuth({ auths: { 'r.test': { auth: auth('next', 'p') } } });
  const result = await lookupPodmanAuth('r.test/app', box.context);
  assert.equal(result.authConfig.username, 'next');
});

test("Docker's Hub URL key serves docker.io images", async () => {
  const box = makeHome();
  box.docker({
    auths: { 'https://index.docker.io/v1/': { auth: auth('hub', 'p') } },
  });
  const result = await lookupPodmanAuth('alpine', box.context);
  assert.equal(result.authConfig.username, 'hub');
  assert.equal(result.key, 'https://index.docker.io/v1/');
});

test('the legacy ~/.dockercfg is read last, URL keys included', async () => {
  const box = makeHome();
  box.legacy({ 'https://legacy.test/v1/': { auth: auth('old', 'p:q') } });
  const result = await lookupPodmanAuth('legacy.test/app', box.context);
  assert.equal(result.authConfig.username, 'old');
  assert.equal(result.authConfig.password, 'p:q');
  assert.equal(result.path, join(box.home, '.dockercfg'));
});

test('REGISTRY_AUTH_FILE: only that file is read', async () => {
  const box = makeHome();
  box.runtime({ auths: { 'r.test': { auth: auth('runtime', 'p') } } });
  const only = join(box.home, 'only.json');
  writeFileSync(only, JSON.stringify({ auths: {} }));
  const env = { ...box.env, REGISTRY_AUTH_FILE: only };
  const result = await lookupPodmanAuth('r.test/app', { env, uid: 1 });
  assert.deepEqual(result.authConfig, {});
  assert.equal(result.path, undefined);
});

test('identity tokens are kept; nothing found means anonymous', async () => {
  const box = makeHome();
  box.runtime({
    auths: { 'r.test': { auth: auth('u', ''), identitytoken: 'tok' } },
  });
  const result = await lookupPodmanAuth('r.test/app', box.context);
  assert.equal(result.authConfig.identitytoken, 'tok');
  assert.deepEqual(
    (await lookupPodmanAuth('n.test/x', box.context)).authConfig,
    {},
  );
});

/** Writes `docker-credential-NAME` running `script`. */
function writeHelper(dir: string, name: string, script: string): void {
  makeFakeHelper(dir, name, script);
}

test("a credHelpers entry is asked before the file's auths", async () => {
  const box = makeHome();
  const bin = join(box.home, 'bin');
  mkdirSync(bin);
  // the helper echoes the host it was asked for as the user name
  writeHelper(
    bin,
    'fake',
    'read -r host; printf \'{"Username":"%s","Secret":"s"}\' "$host"',
  );
  writeHelper(
    bin,
    'none',
    'echo "credentials not found in native keychain"; exit 1',
  );
  writeHelper(bin, 'tok', 'printf \'{"Username":"<token>","Secret":"t"}\'');
  const env = { ...box.env, PATH: `${bin}:/usr/bin:/bin` };
  const context = { env, uid: 1 };
  box.runtime({
    auths: { 'r.test': { auth: auth('file', 'p') } },
    credHelpers: { 'r.test': 'fake', 'n.test': 'none', 't.test': 'tok' },
  });
  box.docker({ auths: { 'n.test': { auth: auth('docker', 'p') } } });

  const asked = await lookupPodmanAuth('r.test/org/app', context);
  assert.deepEqual(asked.authConfig, {
    username: 'r.test',
    password: 's',
    serveraddress: 'r.test',
  });
  const next = await lookupPodmanAuth('n.test/app', context);
  assert.equal(next.authConfig.username, 'docker');
  const token = await lookupPodmanAuth('t.test/app', context);
  assert.deepEqual(token.authConfig, {
    serveraddress: 't.test',
    identitytoken: 't',
  });
});

test('credsStore is ignored, as containers/image ignores it', async () => {
  const box = makeHome();
  box.docker({
    credsStore: 'missing-helper',
    auths: { 'r.test': { auth: auth('plain', 'p') } },
  });
  const result = await lookupPodmanAuth('r.test/app', box.context);
  assert.equal(result.authConfig.username, 'plain');
});

test('an undecodable auth is skipped with a warning, no secret in it', async () => {
  const box = makeHome();
  const noColon = Buffer.from('secretvalue').toString('base64');
  box.runtime({ auths: { 'r.test': { auth: noColon } } });
  box.docker({ auths: { 'r.test': { auth: auth('docker', 'p') } } });
  const result = await lookupPodmanAuth('r.test/app', box.context);
  assert.equal(result.authConfig.username, 'docker');
  assert.equal(result.warnings.length, 1);
  assert.doesNotMatch(result.warnings[0] ?? '', /secretvalue/);
});

test('an auth value that is not base64 stops the search, as in skopeo', async () => {
  const box = makeHome();
  box.runtime({ auths: { 'r.test': { auth: '!!not-base64' } } });
  box.docker({ auths: { 'r.test': { auth: auth('docker', 'p') } } });
  const path = join(box.home, 'run/containers/auth.json');
  await assert.rejects(
    lookupPodmanAuth('r.test/app', box.context),
    (error: Error) =>
      error.message.includes(path) && error.message.includes('base64'),
  );
  const trace = await tracePodmanAuth('r.test/app', box.context);
  assert.deepEqual(
    trace.steps.map((step) => step.outcome),
    ['failed', 'not-read', 'not-read', 'not-read'],
  );
  assert.equal(trace.steps[0]?.key, 'r.test');
  assert.deepEqual(trace.authConfig, {});
});

test('a broken auth.json is an error naming the file', async () => {
  const box = makeHome();
  const path = join(box.home, 'run/containers/auth.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '{"auths": ');
  await assert.rejects(
    lookupPodmanAuth('r.test/app', box.context),
    (error: Error) => error.message.includes(path),
  );
});

/** Runs the compiled CLI's main() in a child, with exactly `env`. */
function runMain(args: string[], env: NodeJS.ProcessEnv) {
  const mainUrl = new URL('../src/cli/main.js', import.meta.url).href;
  const script =
    `const { main } = await import(${JSON.stringify(mainUrl)});` +
    `process.exitCode = await main(${JSON.stringify(args)}, process.env);`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
    cwd: resolve('.'),
  });
}

test('get --podman prints the JSON get prints, from auth.json', () => {
  const box = makeHome();
  box.configAuth({ auths: { 'r.test/org': { auth: auth('alice', 's') } } });
  box.docker({ auths: { 'r.test': { auth: auth('docker', 'd') } } });
  const podman = runMain(['get', '--podman', 'r.test/org/app'], box.env);
  assert.equal(podman.stderr, '');
  assert.equal(
    podman.stdout,
    '{"username":"alice","password":"s","serveraddress":"r.test/org"}\n',
  );
  const docker = runMain(['get', 'r.test/org/app'], box.env);
  assert.equal(
    docker.stdout,
    '{"username":"docker","password":"d","serveraddress":"r.test"}\n',
  );
});

test('REGISTRY_AUTH_FILE read errors say what applies to it', async () => {
  const box = makeHome();
  const dir = join(box.home, 'dir.json');
  mkdirSync(dir);
  const big = join(box.home, 'big.json');
  writeFileSync(big, '');
  truncateSync(big, 64 * 1024 * 1024 + 1); // sparse
  const fifo = join(box.home, 'fifo.json');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  for (const [path, what] of [
    [dir, /is a directory/],
    [big, /more than the 67108864/],
    [fifo, /not a regular file/],
  ] as const) {
    const env = { ...box.env, REGISTRY_AUTH_FILE: path };
    await assert.rejects(
      lookupPodmanAuth('r.test/app', { env, uid: 1 }),
      (error: Error) => {
        assert.match(error.message, what);
        assert.ok(error.message.includes(path));
        assert.match(error.message, /REGISTRY_AUTH_FILE/);
        assert.doesNotMatch(error.message, /DOCKER_CONFIG|--config/);
        return true;
      },
    );
  }
});

test('a default auth.json that cannot be read names its variable', async () => {
  const box = makeHome();
  mkdirSync(join(box.home, 'config/containers/auth.json'), {
    recursive: true,
  });
  const trace = await tracePodmanAuth('r.test/app', box.context);
  assert.equal(trace.steps[1]?.outcome, 'failed');
  assert.match(trace.error?.message ?? '', /change XDG_CONFIG_HOME/);
  assert.doesNotMatch(trace.error?.message ?? '', /--config/);
});

/** A home whose registries.conf lists `helpers`, and PATH a bin in it. */
function withListedHelpers(helpers: string[]) {
  const box = makeHome();
  const bin = join(box.home, 'bin');
  mkdirSync(bin);
  const conf = join(box.home, 'registries.conf');
  writeFileSync(conf, `credential-helpers = ${JSON.stringify(helpers)}\n`);
  const env = {
    ...box.env,
    PATH: bin,
    CONTAINERS_REGISTRIES_CONF: conf,
  };
  const context = { env, uid: 1, systemConfigDir: join(box.home, 'etc') };
  return { box, bin, conf, context };
}

test('a missing helper of registries.conf names registries.conf', async () => {
  const { conf, context } = withListedHelpers(['absent']);
  const trace = await tracePodmanAuth('r.test/app', context);
  const message = trace.error?.message ?? '';
  assert.match(message, /name another one in registries\.conf/);
  assert.ok(message.includes(conf), message);
  assert.doesNotMatch(message, /config\.json/);
});

test('a missing credHelpers helper names the auth file it is in', async () => {
  const box = makeHome();
  box.runtime({ credHelpers: { 'r.test': 'absent' } });
  const env = { ...box.env, PATH: join(box.home, 'no-bin') };
  const trace = await tracePodmanAuth('r.test/app', { env, uid: 1 });
  const path = join(box.home, 'run/containers/auth.json');
  assert.ok(
    trace.error?.message.includes(`name another one in credHelpers in ${path}`),
    trace.error?.message,
  );
});

test('a helper listed many times is asked once per lookup', async () => {
  const { box, bin, context } = withListedHelpers(
    Array.from({ length: 50 }, () => 'count'),
  );
  const calls = join(box.home, 'calls');
  writeHelper(
    bin,
    'count',
    `cat >/dev/null; echo x >>'${calls}'; ` +
      'echo "credentials not found in native keychain"; exit 1',
  );
  const trace = await tracePodmanAuth('r.test/app', context);
  assert.equal(trace.steps.length, 50);
  assert.ok(trace.steps.every((step) => step.outcome === 'helper-not-found'));
  assert.equal(readFileSync(calls, 'utf8'), 'x\n');
});

test('get --podman reads CONTAINERS_REGISTRIES_CONF=/dev/null as empty', () => {
  const box = makeHome();
  box.configAuth({ auths: { 'r.test': { auth: auth('alice', 's') } } });
  const env = { ...box.env, CONTAINERS_REGISTRIES_CONF: '/dev/null' };
  const podman = runMain(['get', '--podman', 'r.test/app'], env);
  assert.equal(podman.stderr, '');
  assert.equal(podman.status, 0);
  assert.match(podman.stdout, /"username":"alice"/);
});

test('get --podman with a bad TOML escape is a parse error, no crash', () => {
  const box = makeHome();
  const conf = join(box.home, 'registries.conf');
  writeFileSync(conf, 'credential-helpers = ["\\UFFFFFFFF"]');
  const env = { ...box.env, CONTAINERS_REGISTRIES_CONF: conf };
  const podman = runMain(['get', '--podman', 'r.test/app'], env);
  assert.equal(podman.status, 1);
  assert.match(podman.stderr, /Cannot parse config file/);
  assert.match(podman.stderr, /line 1/);
  assert.ok(podman.stderr.includes(conf));
  assert.doesNotMatch(podman.stderr, /Unexpected|RangeError|\n\s+at /);
});
