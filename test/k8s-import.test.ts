import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import {
  parseYamlSubset,
  UNSUPPORTED,
  YamlSubsetError,
} from '../src/k8s/yaml.js';
import { makeSandbox, runCli, type Sandbox } from './support/cli.js';

let source: Sandbox;
let target: Sandbox;
beforeEach(() => {
  source = makeSandbox();
  target = makeSandbox();
});
afterEach(() => {
  source.cleanup();
  target.cleanup();
});

function authField(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

function writeFile(name: string, text: string): string {
  const path = join(target.dir, name);
  writeFileSync(path, text);
  return path;
}

async function getRegistry(box: Sandbox, registry: string) {
  const run = await runCli(['get', '--registry', registry], box.env);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

for (const format of ['yaml', 'json'] as const) {
  test(`k8s import reads back a secret (${format})`, async () => {
    source.writeConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: authField('hub', 'h<p>w') },
        'reg.example:5000': { auth: authField('alice', 'p:w"d') },
      },
    });
    const args = ['k8s', 'secret', 'pull', 'docker.io', 'reg.example:5000'];
    if (format === 'json') args.push('--json');
    const made = await runCli(args, source.env);
    assert.equal(made.status, 0, made.stderr);
    const file = writeFile(`secret.${format}`, made.stdout);

    const run = await runCli(['k8s', 'import', file], target.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      'Imported credentials for https://index.docker.io/v1/\n' +
        'Imported credentials for reg.example:5000\n',
    );
    assert.doesNotMatch(run.stdout + run.stderr, /h<p>w|p:w/);
    for (const registry of ['docker.io', 'reg.example:5000']) {
      assert.equal(
        await getRegistry(target, registry),
        await getRegistry(source, registry),
      );
    }
  });
}

test('k8s import stores through the configured helper', async () => {
  const log = join(target.dir, 'stored');
  target.writeConfig({ credsStore: 'fake' });
  target.writeHelper('fake', `[ "$1" = store ] && cat > '${log}'; exit 0`);
  const file = writeFile(
    'config.json',
    JSON.stringify({ auths: { 'reg.example': { auth: authField('u', 'p') } } }),
  );
  const run = await runCli(['k8s', 'import', file], target.env);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(readFileSync(log, 'utf8')), {
    ServerURL: 'reg.example',
    Username: 'u',
    Secret: 'p',
  });
});

test('k8s import reads bare .dockerconfigjson and .dockercfg', async () => {
  const bare = writeFile(
    'bare.json',
    JSON.stringify({
      auths: { 'https://reg.example/v1/': { username: 'u', password: 'p' } },
    }),
  );
  const first = await runCli(['k8s', 'import', bare], target.env);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stdout, 'Imported credentials for reg.example\n');

  const legacy = writeFile(
    'legacy.json',
    JSON.stringify({ 'old.example': { auth: authField('o', 'q') } }),
  );
  const second = await runCli(['k8s', 'import', legacy], target.env);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(
    await getRegistry(target, 'old.example'),
    '{"username":"o","password":"q","serveraddress":"old.example"}\n',
  );
});

test('k8s import reads YAML written by hand', async () => {
  const data = Buffer.from(
    JSON.stringify({ auths: { 'y.example': { auth: authField('y', 'z') } } }),
  ).toString('base64');
  const file = writeFile(
    'secret.yaml',
    [
      '# a pull secret',
      '---',
      'apiVersion: v1',
      'kind: "Secret"',
      'metadata:',
      '  name: pull',
      '  finalizers:',
      '  - example.com/keep',
      '  annotations:',
      '    note: |',
      '      kept as it is',
      'data:',
      `  ".dockerconfigjson": '${data}'`,
      'type: kubernetes.io/dockerconfigjson  # the kubelet reads this',
      '',
    ].join('\n'),
  );
  const run = await runCli(['k8s', 'import', file], target.env);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'Imported credentials for y.example\n');
});

const BAD_FILES: readonly (readonly [string, string, RegExp])[] = [
  ['empty', '', /empty/],
  ['not a secret', 'kind: ConfigMap\n', /kind is not 'Secret'/],
  [
    'wrong type',
    'kind: Secret\ntype: Opaque\ndata:\n  a: Yg==\n',
    /type is not/,
  ],
  [
    'no data',
    'kind: Secret\ntype: kubernetes.io/dockerconfigjson\n',
    /no data/,
  ],
  [
    'bad base64',
    'kind: Secret\ntype: kubernetes.io/dockerconfigjson\n' +
      'data:\n  .dockerconfigjson: "%%%"\n',
    /not padded standard base64/,
  ],
  ['broken JSON', '{"auths":', /not valid JSON/],
  ['bad YAML', 'kind: Secret\n  extra: indented\n', /line 2/],
  ['no credentials', '{"auths":{"e.example":{}}}', /holds no credentials/],
  ['unknown shape', '{"hello":"world"}', /no 'kind' and no 'auths'/],
  [
    'one key twice in auths',
    `{"auths":{"h:5000":{"auth":"${authField('a', 'x')}"},` +
      `"h:5000":{"auth":"${authField('b', 'y')}"}}}`,
    /its file has the key "h:5000" twice/,
  ],
  [
    'one key twice in the data of a Secret',
    'kind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n' +
      `  .dockerconfigjson: ${Buffer.from(
        '{"auths":{"h":{"auth":"YTpi"},"h":{"auth":"Yzpk"}}}',
      ).toString('base64')}\n`,
    /\.dockerconfigjson'\] has the key "h" twice/,
  ],
];

for (const [label, text, message] of BAD_FILES) {
  test(`k8s import refuses a bad file: ${label}`, async () => {
    const file = writeFile('bad', text);
    const run = await runCli(['k8s', 'import', file], target.env);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
    assert.equal(existsSync(join(target.configDir, 'config.json')), false);
  });
}

test('k8s import names a missing file', async () => {
  const run = await runCli(
    ['k8s', 'import', join(target.dir, 'absent.yaml')],
    target.env,
  );
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Cannot read .*absent\.yaml.*ENOENT/);
});

test('the YAML reader reads the subset kubectl writes', () => {
  const parsed = parseYamlSubset(
    [
      'a: plain value # comment',
      "b: 'it''s'",
      'c: "tab\\there"',
      'd:',
      '  e: |',
      '    line one',
      '      indented',
      '  f:',
      '  - x',
      '  - y',
      'g: [1, 2]',
      'h:',
    ].join('\n'),
  );
  assert.deepEqual(parsed, {
    a: 'plain value',
    b: "it's",
    c: 'tab\there',
    d: { e: 'line one\n  indented\n', f: UNSUPPORTED },
    g: UNSUPPORTED,
    h: '',
  });
});

test('the YAML reader names the line it cannot read', () => {
  const cases = [
    ['a: 1\n  b: 2', /line 2/],
    ['a: 1\na: 2', /line 2: the key 'a' repeats/],
    ['a: &x 1', /line 1: anchors/],
    ['a: "open', /line 1: unclosed quote/],
    ['a: 1\n---\nb: 2', /line 2: only one document/],
    ['- item', /line 1: expected a line/],
  ] as const;
  for (const [text, message] of cases) {
    assert.throws(
      () => parseYamlSubset(text),
      (error) =>
        error instanceof YamlSubsetError && message.test(error.message),
      text,
    );
  }
});

test('k8s import - reads the secret from standard input', async () => {
  const secret = JSON.stringify({
    auths: { 'reg.example': { auth: authField('carol', 'stdin-pw-123') } },
  });
  const run = await runCli(['k8s', 'import', '-'], target.env, secret);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Imported credentials for reg\.example/);
  assert.match(await getRegistry(target, 'reg.example'), /stdin-pw-123/);
});

test('k8s import refuses a file far larger than a Secret can be', async () => {
  const path = writeFile('huge.json', ' '.repeat(5 * 1024 * 1024));
  const run = await runCli(['k8s', 'import', path], target.env);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /more than 4194304 bytes, which is no pull secret/);
  assert.equal(existsSync(join(target.configDir, 'config.json')), false);
});

test('k8s import into a detected, unusable pass store says why', async () => {
  // Docker's default-store detection: pass and its helper on PATH
  target.writeHelper(
    'pass',
    'cat >/dev/null; echo "pass not initialized"; exit 1',
  );
  writeFileSync(join(target.binDir, 'pass'), '#!/bin/sh\nexit 1\n', {
    mode: 0o755,
  });
  const secret = JSON.stringify({
    auths: { 'reg.example': { auth: authField('carol', 'pass-pw-456') } },
  });
  const run = await runCli(['k8s', 'import', '-'], target.env, secret);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /No credential store is configured/);
  assert.match(run.stderr, /\{"auths":\{"reg\.example":\{\}\}\}/);
  assert.doesNotMatch(run.stderr, /pass-pw-456/);
});

test('k8s import refuses an auth Docker could not read back', async () => {
  for (const auth of [
    Buffer.from(':pw-only-secret').toString('base64'), // empty user name
    'dTpwdw', // unpadded base64
  ]) {
    const path = writeFile(
      'unusable.json',
      JSON.stringify({ auths: { 'reg.example': { auth } } }),
    );
    const run = await runCli(['k8s', 'import', path], target.env);
    assert.equal(run.status, 1, auth);
    assert.match(run.stderr, /'auth' is unusable/);
    assert.doesNotMatch(run.stderr, /pw-only-secret/);
  }
  assert.equal(existsSync(join(target.configDir, 'config.json')), false);
});
