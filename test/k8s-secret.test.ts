import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { makeSandbox, runCli, type Sandbox } from './support/cli.js';

const KUBECTL = '/usr/bin/kubectl';
/** kubectl runs in a network namespace of its own: it needs `unshare`. */
const offline = spawnSync('unshare', ['--net', '--map-root-user', 'true']);
const skip = !existsSync(KUBECTL)
  ? 'kubectl is not installed'
  : offline.status !== 0
    ? 'unshare --net is not available'
    : false;

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

function authField(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

/**
 * What kubectl prints, run offline: no kubeconfig, a temporary HOME, and
 * a network namespace of its own (it probes 127.0.0.1:8080 otherwise).
 * The password goes on kubectl's argv: kubectl takes it no other way.
 */
function kubectlSecret(options: {
  name?: string;
  server: string;
  username: string;
  password: string;
  namespace?: string;
  output: 'yaml' | 'json';
}): string {
  const args = [
    '--net',
    '--map-root-user',
    KUBECTL,
    'create',
    'secret',
    'docker-registry',
    options.name ?? 'pull',
    `--docker-server=${options.server}`,
    `--docker-username=${options.username}`,
    `--docker-password=${options.password}`,
    '--dry-run=client',
    '-o',
    options.output,
    ...(options.namespace ? ['--namespace', options.namespace] : []),
  ];
  const run = spawnSync('unshare', args, {
    encoding: 'utf8',
    env: {
      PATH: '/usr/bin:/bin',
      HOME: box.dir,
      KUBECONFIG: join(box.dir, 'no-kubeconfig'),
    },
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

const CASES = [
  { output: 'yaml', namespace: undefined },
  { output: 'yaml', namespace: 'team-a' },
  { output: 'json', namespace: undefined },
  { output: 'json', namespace: 'team-a' },
] as const;

for (const { output, namespace } of CASES) {
  const label = `${output}${namespace ? ' with a namespace' : ''}`;
  test(`k8s secret prints kubectl's bytes (${label})`, { skip }, async () => {
    const password = 'p<a>&s"s\\w:rd é';
    box.writeConfig({
      auths: { 'reg.example:5000': { auth: authField('alice', password) } },
    });
    const args = ['k8s', 'secret', 'pull', 'reg.example:5000'];
    if (namespace) args.push('--namespace', namespace);
    if (output === 'json') args.push('--json');
    const run = await runCli(args, box.env);
    assert.equal(run.status, 0, run.stderr);
    const expected = kubectlSecret({
      server: 'reg.example:5000',
      username: 'alice',
      password,
      output,
      ...(namespace ? { namespace } : {}),
    });
    assert.equal(run.stdout, expected);
    assert.match(run.stderr, /holds registry passwords/);
    assert.doesNotMatch(run.stderr, /p<a>/);
  });
}

test(
  'k8s secret defaults to Docker Hub and reads helpers',
  { skip },
  async () => {
    box.writeConfig({ credsStore: 'fake' });
    box.writeHelper(
      'fake',
      'cat >/dev/null; echo \'{"Username":"hubuser","Secret":"hubpass"}\'',
    );
    const run = await runCli(['k8s', 'secret', 'pull'], box.env);
    assert.equal(run.status, 0, run.stderr);
    const expected = kubectlSecret({
      server: 'https://index.docker.io/v1/',
      username: 'hubuser',
      password: 'hubpass',
      output: 'yaml',
    });
    assert.equal(run.stdout, expected);
  },
);

test('k8s secret puts several registries in one secret', async () => {
  box.writeConfig({
    auths: {
      'z.example': { auth: authField('zed', 'zpw') },
      'a.example': { auth: authField('ann', 'apw') },
    },
  });
  const run = await runCli(
    ['k8s', 'secret', 'pull', 'z.example', 'a.example', 'z.example', '--json'],
    box.env,
  );
  assert.equal(run.status, 0, run.stderr);
  const secret = JSON.parse(run.stdout) as {
    data: Record<string, string>;
    type: string;
  };
  assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
  const inner = Buffer.from(
    secret.data['.dockerconfigjson'] ?? '',
    'base64',
  ).toString();
  const entry = (user: string, password: string) =>
    `{"username":"${user}","password":"${password}",` +
    `"auth":"${authField(user, password)}"}`;
  assert.equal(
    inner,
    `{"auths":{"a.example":${entry('ann', 'apw')},` +
      `"z.example":${entry('zed', 'zpw')}}}`,
  );
});

test('k8s secret refuses an identity token, naming the registry', async () => {
  box.writeConfig({
    auths: {
      'tok.example': { auth: authField('u', ''), identitytoken: 'tkn-123' },
    },
  });
  const run = await runCli(['k8s', 'secret', 'pull', 'tok.example'], box.env);
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /'tok\.example'.*token.*kubelet/);
  assert.doesNotMatch(run.stderr, /tkn-123/);
});

test('k8s secret names a registry without credentials', async () => {
  box.writeConfig({ auths: { 'a.example': { auth: authField('a', 'b') } } });
  const run = await runCli(
    ['k8s', 'secret', 'pull', 'a.example', 'none.example'],
    box.env,
  );
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /No credentials for 'none\.example'/);
});

test('k8s secret refuses bad names and usage', async () => {
  box.writeConfig({ auths: { 'a.example': { auth: authField('a', 'b') } } });
  const badName = await runCli(['k8s', 'secret', 'Bad_Name'], box.env);
  assert.equal(badName.status, 2);
  assert.match(badName.stderr, /not a valid Secret name/);
  const badNamespace = await runCli(
    ['k8s', 'secret', 'ok', 'a.example', '--namespace', 'a.b'],
    box.env,
  );
  assert.equal(badNamespace.status, 2);
  assert.match(badNamespace.stderr, /not a valid namespace/);
  const noName = await runCli(['k8s', 'secret'], box.env);
  assert.equal(noName.status, 2);
  const unknown = await runCli(['k8s', 'frobnicate'], box.env);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown 'k8s' subcommand/);
});

test('k8s secret quotes names as kubectl does', { skip }, async () => {
  box.writeConfig({ auths: { 'a.example': { auth: authField('a', 'b') } } });
  const names = ['2001-12-14', '2001-13-14', '0129', '0b101', '0o19'];
  names.push('1.5e3', '1.5', 'false', 'yes', 'nan', '1-2', '2001-2-30');
  for (const name of names) {
    const args = ['k8s', 'secret', name, 'a.example', '--namespace', 'no'];
    const run = await runCli(args, box.env);
    assert.equal(run.status, 0, run.stderr);
    const expected = kubectlSecret({
      name,
      namespace: 'no',
      server: 'a.example',
      username: 'a',
      password: 'b',
      output: 'yaml',
    });
    assert.equal(run.stdout, expected, name);
  }
});
