import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { CredentialResolver } from '../src/resolver.js';
import { makeSandbox, type Sandbox } from './support/cli.js';
import {
  answering,
  exiting,
  notFound,
  readRecordedCalls,
  recording,
} from './support/fake-helper.js';

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

function resolver(options: { cacheTtlMs?: number } = {}) {
  return new CredentialResolver({ env: box.env, ...options });
}

/** A helper that answers `get` per server address and `list` with a map. */
function helperByKey(
  answers: Record<string, unknown>,
  list?: Record<string, string>,
): string {
  const cases = Object.entries(answers)
    .map(
      ([key, reply]) =>
        `  ${JSON.stringify(key)}) printf '%s' '${JSON.stringify(reply)}' ;;`,
    )
    .join('\n');
  return [
    'input=$(cat)',
    `if [ "$1" = list ]; then printf '%s' '${JSON.stringify(list ?? {})}'; exit 0; fi`,
    'case "$input" in',
    cases,
    "  *) echo 'credentials not found in native keychain'; exit 1 ;;",
    'esac',
  ].join('\n');
}

test('resolveImage() reports a failing helper as a typed value', async () => {
  box.writeConfig({
    credsStore: 'broken',
    auths: { 'e.example': { auth: 'dTpw' } },
  });
  box.writeHelper('broken', exiting(3, 'boom'));
  const resolution = await resolver().resolveImage('e.example/app');
  assert.equal(resolution.source, 'helper-failed');
  assert.equal(resolution.helperFailure?.code, 'ERR_HELPER_FAILED');
  assert.equal(resolution.helperFailure?.helper, 'broken');
  assert.deepEqual(resolution.authConfig, {
    username: 'u',
    password: 'p',
    serveraddress: 'e.example',
  });
  assert.equal(resolution.warnings[0]?.code, 'helper-failed');
});

test('resolveImage() shares one helper process between concurrent lookups', async () => {
  const log = join(box.dir, 'calls.log');
  box.writeConfig({ credsStore: 's' });
  box.writeHelper(
    's',
    recording(log, answering({ Username: 'u', Secret: 'p' })),
  );
  const shared = resolver();
  const lookups = [];
  for (let i = 0; i < 200; i++)
    lookups.push(shared.resolveImage(`reg${i % 4}.example/a`));
  await Promise.all(lookups);
  assert.equal(readRecordedCalls(log).length, 4);
});

test('resolveImage() asks again once the cache time has passed', async () => {
  const log = join(box.dir, 'calls.log');
  box.writeConfig({ credsStore: 's' });
  box.writeHelper(
    's',
    recording(log, answering({ Username: 'u', Secret: 'p' })),
  );
  const noCache = resolver({ cacheTtlMs: 0 });
  await noCache.resolveImage('e.example/a');
  await noCache.resolveImage('e.example/a');
  assert.equal(readRecordedCalls(log).length, 2);
});

test('getAll() builds the view the legacy builder sends', async () => {
  // field report 19: credsStore list + get, credHelpers overriding,
  // a failing credHelpers entry left out with a warning
  box.writeConfig({
    auths: { 'reg.example.test': { auth: 'dXNlcjpwYXNz' } },
    credsStore: 'main',
    credHelpers: { 'gcr.example.test': 'gc', 'bad.example.test': 'broken' },
  });
  box.writeHelper(
    'main',
    helperByKey(
      {
        'https://index.docker.io/v1/': { Username: 'hubuser', Secret: 'hubpw' },
      },
      { 'https://index.docker.io/v1/': 'hubuser' },
    ),
  );
  box.writeHelper(
    'gc',
    answering({ Username: 'oauth2accesstoken', Secret: 'tok' }),
  );
  box.writeHelper('broken', exiting(1, 'boom'));
  const { credentials, warnings } = await resolver().getAll();
  assert.deepEqual(credentials, {
    'https://index.docker.io/v1/': {
      username: 'hubuser',
      password: 'hubpw',
      serveraddress: 'https://index.docker.io/v1/',
    },
    'gcr.example.test': {
      username: 'oauth2accesstoken',
      password: 'tok',
      serveraddress: 'gcr.example.test',
    },
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]?.message ?? '', /docker-credential-broken/);
});

test('getAll() blanks a key whose credHelpers entry says not found', async () => {
  box.writeConfig({
    auths: { 'only.example': { auth: 'dTpw' } },
    credHelpers: { 'only.example': 'nf' },
  });
  box.writeHelper('nf', notFound());
  const { credentials } = await resolver().getAll();
  assert.deepEqual(credentials, { 'only.example': {} });
});

test('list() names stores and users and never reads a secret it need not', async () => {
  const log = join(box.dir, 'calls.log');
  box.writeConfig({
    auths: { 'file.example': { auth: 'dTpw' }, 'empty.example': {} },
    credHelpers: { 'tok.example': 'acr' },
  });
  box.writeHelper(
    'acr',
    recording(log, answering({ Username: '<token>', Secret: 'REFRESH' })),
  );
  const { credentials } = await resolver().list();
  assert.deepEqual(credentials, [
    {
      serverAddress: 'file.example',
      username: 'u',
      identityToken: false,
      store: 'file',
    },
    {
      serverAddress: 'tok.example',
      username: '',
      identityToken: true,
      store: 'acr',
    },
  ]);
  assert.doesNotMatch(JSON.stringify(credentials), /REFRESH|"p"/);
});

test('list() uses the default helper list without calling get', async () => {
  const log = join(box.dir, 'calls.log');
  box.writeConfig({ credsStore: 'main', auths: { 'a.example': {} } });
  box.writeHelper(
    'main',
    recording(
      log,
      helperByKey({}, { 'a.example': 'alice', 'b.example': '<token>' }),
    ),
  );
  const { credentials } = await resolver().list();
  assert.deepEqual(credentials, [
    {
      serverAddress: 'a.example',
      username: 'alice',
      identityToken: false,
      store: 'main',
    },
    {
      serverAddress: 'b.example',
      username: '',
      identityToken: true,
      store: 'main',
    },
  ]);
  assert.deepEqual(
    readRecordedCalls(log).map((call) => call.argv[0]),
    ['list'],
  );
});

test('resolveImage() warns that a broken neighbour entry makes this one flaky', async () => {
  box.writeConfig({
    auths: {
      'e.example': { auth: 'dTpw' },
      'broken.example': { auth: Buffer.from('bob').toString('base64') },
    },
  });
  const resolution = await resolver().resolveImage('e.example/app');
  assert.equal(resolution.authConfig.username, 'u');
  const warning = resolution.warnings.find(
    (w) => w.code === 'undecodable-other-entry',
  );
  assert.match(warning?.message ?? '', /'broken\.example'/);
  assert.match(warning?.message ?? '', /on some runs it sends 'e\.example'/);
});

test('resolveImage() says Docker would wait forever for a helper that hangs', async () => {
  box.writeConfig({
    credsStore: 'stuck',
    auths: { 'e.example': { auth: 'dTpw' } },
  });
  box.writeHelper('stuck', 'exec sleep 30');
  const resolution = await new CredentialResolver({
    env: box.env,
    helperTimeoutMs: 300,
  }).resolveImage('e.example/app');
  assert.equal(resolution.source, 'helper-failed');
  assert.equal(resolution.helperFailure?.reason, 'timeout');
  const warning = resolution.warnings.find((w) => w.code === 'helper-failed');
  assert.match(
    warning?.message ?? '',
    /docker pull waits as long as the helper/,
  );
});

test('CredentialResolver refuses bad settings with typed errors', async () => {
  const { UsageError, InvalidReferenceError } =
    await import('../src/errors.js');
  for (const helperTimeoutMs of [0, -1, Number.NaN]) {
    assert.throws(
      () => new CredentialResolver({ env: box.env, helperTimeoutMs }),
      UsageError,
    );
  }
  assert.throws(
    () => new CredentialResolver({ env: box.env, cacheTtlMs: -5 }),
    UsageError,
  );
  assert.throws(
    () =>
      new CredentialResolver({
        env: { ...box.env, REGCRED_HELPER_TIMEOUT: 'abc' },
      }),
    /REGCRED_HELPER_TIMEOUT must be a positive number of seconds/,
  );
  await assert.rejects(
    resolver().resolveImage(undefined as unknown as string),
    InvalidReferenceError,
  );
});

test('an aborted signal stops the helpers of a CredentialResolver', async () => {
  box.writeConfig({ credsStore: 'slow' });
  const pidFile = join(box.dir, 'helper.pid');
  box.writeHelper('slow', `echo $$ > '${pidFile}'; exec sleep 30`);
  const controller = new AbortController();
  const warnings: Error[] = [];
  const onWarning = (warning: Error): number => warnings.push(warning);
  process.on('warning', onWarning);
  const stoppable = new CredentialResolver({
    env: box.env,
    signal: controller.signal,
  });
  // more helpers at once than Node.js allows listeners without a warning
  const others = Array.from({ length: 12 }, (_, i) =>
    stoppable.resolveImage(`r${i}.example/app`).catch(() => undefined),
  );
  const lookup = stoppable.resolveImage('e.example/app');
  while (!existsSync(pidFile)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  controller.abort(new Error('shutting down'));
  await assert.rejects(lookup, /shutting down/);
  await Promise.all(others);
  await assert.rejects(stoppable.resolveImage('e.example/app'), /shutting/);
  process.off('warning', onWarning);
  assert.deepEqual(warnings, []);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
});

test('list() shows the file entries Docker falls back to when credsStore fails', async () => {
  box.writeConfig({
    credsStore: 'absent',
    auths: { 'e.example': { auth: 'dTpw' } },
  });
  const { credentials, warnings } = await resolver().list();
  assert.deepEqual(
    credentials.map((c) => [c.serverAddress, c.username, c.store]),
    [['e.example', 'u', 'file']],
  );
  assert.equal(warnings[0]?.code, 'helper-failed');
});
