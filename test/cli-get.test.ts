import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { makeSandbox, runCli, type Sandbox } from './support/cli.js';

const NOT_FOUND =
  'cat >/dev/null; echo "credentials not found in native keychain"; exit 1';

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

async function get(...args: string[]) {
  return runCli(['get', ...args], box.env);
}

test('get prints the decoded header of a file-store entry', async () => {
  box.writeConfig({ auths: { 'e.example': { auth: 'YTpiOmM=' } } });
  const run = await get('e.example/x');
  assert.equal(run.status, 0);
  assert.equal(
    run.stdout,
    '{"username":"a","password":"b:c","serveraddress":"e.example"}\n',
  );
  assert.equal(run.stderr, '');
});

test('get prints {} for anonymous access and when no config exists', async () => {
  const run = await get('alpine');
  assert.equal(run.status, 0);
  assert.equal(run.stdout, '{}\n');
});

test('get warns when a registry address is given as the image', async () => {
  box.writeConfig({ auths: { '127.0.0.1:5731': { auth: 'dTpw' } } });
  for (const reference of ['127.0.0.1:5731', 'localhost:5000', 'reg.io']) {
    const run = await get(reference);
    assert.equal(run.status, 0);
    assert.equal(run.stdout, '{}\n', 'Docker reads it as a Hub image');
    assert.match(run.stderr, /is read as a Docker Hub image/);
    assert.match(run.stderr, new RegExp(`--registry ${reference}`));
  }
  for (const reference of ['alpine:3', '127.0.0.1:5731/app', 'a.b@sha256']) {
    const run = await get(reference);
    assert.doesNotMatch(run.stderr, /read as a Docker Hub image/);
  }
});

test('get --registry reads the address as docker login does', async () => {
  box.writeConfig({
    auths: { 'https://index.docker.io/v1/': { auth: 'dTpw' } },
  });
  for (const address of ['docker.io', 'https://index.docker.io/v1/']) {
    const run = await get('--registry', address);
    assert.equal(
      run.stdout,
      '{"username":"u","password":"p","serveraddress":"https://index.docker.io/v1/"}\n',
    );
  }
  // docker login stores 'index.docker.io' under its own key, but its
  // lookup reaches the Hub entry through the legacy-key rule.
  const legacy = await get('--registry', 'index.docker.io');
  assert.equal(
    legacy.stdout,
    '{"username":"u","password":"p","serveraddress":"https://index.docker.io/v1/"}\n',
  );
});

test('get rejects an invalid reference with the reason and exit 1', async () => {
  const run = await get('Alpine:Latest');
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /must be lowercase/);
});

test('get refuses a corrupt config, naming the file and position', async () => {
  box.writeConfig('{"auths": {"e.example": {"auth": "dTpw"}');
  const run = await get('e.example/x');
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /config\.json/);
  assert.match(run.stderr, /line 1/);
});

test('get refuses auths given as an array', async () => {
  box.writeConfig({ auths: [] });
  const run = await get('e.example/x');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /auths/);
});

test('get splits a password with colons at the first colon only', async () => {
  box.writeConfig({ auths: { 'e.example': { auth: 'dXNlcjpwYTpzczp3b3Jk' } } });
  const run = await get('e.example/x');
  assert.equal(
    run.stdout,
    '{"username":"user","password":"pa:ss:word","serveraddress":"e.example"}\n',
  );
});

test('get sends an auth without a colon undecoded, with a warning', async () => {
  box.writeConfig({ auths: { 'e.example': { auth: 'dXNlcg==' } } });
  const run = await get('e.example/x');
  assert.equal(run.status, 0);
  assert.equal(run.stdout, '{"auth":"dXNlcg=="}\n');
  assert.match(run.stderr, /warning: .*e\.example/);
});

test('get sends an auth that is not base64 undecoded, with a warning', async () => {
  box.writeConfig({ auths: { 'e.example': { auth: 'dTpwdw' } } });
  const run = await get('e.example/x');
  assert.equal(run.stdout, '{"auth":"dTpwdw"}\n');
  assert.match(run.stderr, /warning:/);
  const strict = await get('e.example/x', '--strict');
  assert.equal(strict.status, 1);
  assert.equal(strict.stdout, '');
});

test('get falls back to the file entry when the helper is missing', async () => {
  box.writeConfig({
    credsStore: 'desktop',
    auths: { 'e.example': { auth: 'dTpw' } },
  });
  const run = await get('e.example/x');
  assert.equal(run.status, 0);
  assert.equal(
    run.stdout,
    '{"username":"u","password":"p","serveraddress":"e.example"}\n',
  );
  assert.match(run.stderr, /docker-credential-desktop/);
  assert.match(run.stderr, /credsStore/);
  assert.match(run.stderr, /e\.example/);
  const strict = await get('e.example/x', '--strict');
  assert.equal(strict.status, 1);
});

test('get reports a helper that prints garbage', async () => {
  box.writeConfig({ credsStore: 'junk' });
  box.writeHelper('junk', 'cat >/dev/null; echo "<html>oops"');
  const run = await get('e.example/x');
  assert.equal(run.stdout, '{}\n');
  assert.match(run.stderr, /docker-credential-junk/);
});

test('get ignores a credHelpers key written with a scheme, as Docker does', async () => {
  box.writeConfig({ credHelpers: { 'https://e.example': 'h' } });
  box.writeHelper(
    'h',
    'cat >/dev/null; echo \'{"Username":"u","Secret":"s"}\'',
  );
  const run = await get('e.example/x');
  assert.equal(run.stdout, '{}\n');
});

test('get ignores an empty auths entry beside credsStore and asks the helper', async () => {
  box.writeConfig({ credsStore: 's', auths: { 'e.example': {} } });
  box.writeHelper(
    's',
    'cat >/dev/null; echo \'{"Username":"u","Secret":"p"}\'',
  );
  const run = await get('e.example/x');
  assert.equal(
    run.stdout,
    '{"username":"u","password":"p","serveraddress":"e.example"}\n',
  );
});

test('get hides the inline secret when the helper says not found', async () => {
  box.writeConfig({
    credsStore: 's',
    auths: { 'e.example': { auth: 'dTpw' } },
  });
  box.writeHelper('s', NOT_FOUND);
  const run = await get('e.example/x');
  assert.equal(run.stdout, '{}\n');
  assert.equal(run.stderr, '');
});

test('get honours DOCKER_AUTH_CONFIG and warns about a bad one', async () => {
  const value =
    '{"auths":{"env.example.test":{"auth":"ZW52X3VzZXI6ZW52X3Bhc3M="}}}';
  const run = await runCli(['get', 'env.example.test/x'], {
    ...box.env,
    DOCKER_AUTH_CONFIG: value,
  });
  assert.equal(
    run.stdout,
    '{"username":"env_user","password":"env_pass","serveraddress":"env.example.test"}\n',
  );
  const bad = await runCli(['get', 'env.example.test/x'], {
    ...box.env,
    DOCKER_AUTH_CONFIG: '{"auths":{"x":{"username":"u","password":"p"}}}',
  });
  assert.equal(bad.stdout, '{}\n');
  assert.match(bad.stderr, /DOCKER_AUTH_CONFIG/);
  assert.doesNotMatch(bad.stderr, /"p"/);
});

test('get asks a helper once per registry in one run', async () => {
  const log = join(box.dir, 'calls.log');
  box.writeConfig({ credsStore: 's' });
  box.writeHelper(
    's',
    `echo "$1" >> '${log}'; cat >/dev/null; echo '{"Username":"u","Secret":"p"}'`,
  );
  await get('e.example/x');
  assert.equal(readFileSync(log, 'utf8'), 'get\n');
});

test('get never shows a secret in a warning', async () => {
  box.writeConfig({
    credsStore: 'leaky',
    auths: { 'e.example': { auth: 'dTpzM2NyM3Q=' } },
  });
  box.writeHelper('leaky', 'cat >/dev/null; echo "{\\"Secret\\": 42}"; exit 0');
  const run = await get('e.example/x');
  assert.doesNotMatch(run.stderr, /s3cr3t/);
});

test('get --debug explains the lookup on stderr without secrets', async () => {
  box.writeConfig({
    credsStore: 's',
    auths: { 'e.example': { auth: 'dTpzM2NyM3Q=' } },
  });
  box.writeHelper(
    's',
    'cat >/dev/null; echo \'{"Username":"u","Secret":"hunter2"}\'',
  );
  const run = await get('e.example/x', '--debug');
  assert.match(run.stderr, /debug: .*helper s get 'e\.example': found/);
  assert.doesNotMatch(run.stderr, /hunter2|s3cr3t|dTpz/);
  assert.match(run.stdout, /hunter2/);
});

test('get --registry refuses an address that names no registry', async () => {
  for (const address of [
    '',
    ' ',
    'http://',
    '//x',
    'a b',
    'e.example:abc',
    'h:99999',
  ]) {
    const run = await get('--registry', address);
    assert.equal(run.status, 1, address);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /Invalid registry address/);
  }
});

test('get refuses a config.json that is a FIFO or a device', async () => {
  const { execFileSync } = await import('node:child_process');
  const { symlinkSync } = await import('node:fs');
  execFileSync('mkfifo', [join(box.configDir, 'config.json')]);
  const fifo = await get('e.example/x');
  assert.equal(fifo.status, 1);
  assert.match(fifo.stderr, /not a regular file/);
  box.cleanup();
  box = makeSandbox();
  symlinkSync('/dev/zero', join(box.configDir, 'config.json'));
  const zero = await get('e.example/x');
  assert.equal(zero.status, 1);
  assert.match(zero.stderr, /not a regular file/);
});

test('get accepts a sub-millisecond helper timeout', async () => {
  box.writeConfig({ credsStore: 'slow' });
  box.writeHelper('slow', 'cat >/dev/null; sleep 5');
  const run = await runCli(['get', 'e.example/x'], {
    ...box.env,
    REGCRED_HELPER_TIMEOUT: '0.0001',
  });
  assert.equal(run.status, 0);
  assert.match(run.stderr, /docker-credential-slow/);
});
