/**
 * `regcred kubelet-credential-provider`: requests and responses written
 * from the published credentialprovider.kubelet.k8s.io API, checked in
 * process and through the built CLI.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, test } from 'node:test';
import {
  buildProviderAnswer,
  KUBELET_HUB_KEY,
  kubeletAuthKey,
} from '../src/k8s/kubelet-provider.js';
import {
  MAX_REQUEST_BYTES,
  parseCredentialProviderRequest,
  readCredentialProviderRequest,
} from '../src/k8s/kubelet-request.js';
import {
  credentialKeyForDomain,
  parseImageReference,
} from '../src/reference/image-reference.js';
import { CredentialResolver } from '../src/resolver.js';
import { makeSandbox, runCli, type Sandbox } from './support/cli.js';
import { answering, exiting } from './support/fake-helper.js';

const V1 = 'credentialprovider.kubelet.k8s.io/v1';
const V1BETA1 = 'credentialprovider.kubelet.k8s.io/v1beta1';
const SECRET = 'pa55-w0rd:with-colon';
const TOKEN = 'REFRESH-TOKEN-never-shown';

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

/** A request as the kubelet writes it. */
function request(image: string, apiVersion = V1): string {
  return JSON.stringify({
    kind: 'CredentialProviderRequest',
    apiVersion,
    image,
  });
}

function basic(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

/** The answer regcred builds in process for `image`. */
async function answerFor(image: string, apiVersion = V1) {
  const resolver = new CredentialResolver({ env: box.env });
  const resolution = await resolver.resolveImage(image);
  return buildProviderAnswer(apiVersion, resolution);
}

async function provide(input: string) {
  return runCli(['kubelet-credential-provider'], box.env, input);
}

/**
 * Checks stdout as the kubelet decodes it: strict (no unknown fields), the
 * request's version, a cacheKeyType (without one the answer is dropped), a
 * Go duration, and only user names and passwords in `auth`.
 */
function assertKubeletAccepts(stdout: string, apiVersion = V1): void {
  assert.ok(stdout.endsWith('}\n'), 'one JSON document and a newline');
  const response = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(response).sort(), [
    'apiVersion',
    'auth',
    'cacheDuration',
    'cacheKeyType',
    'kind',
  ]);
  assert.equal(response.kind, 'CredentialProviderResponse');
  assert.equal(response.apiVersion, apiVersion);
  assert.ok(
    ['Image', 'Registry', 'Global'].includes(String(response.cacheKeyType)),
  );
  assert.match(String(response.cacheDuration), /^(\d+h)?(\d+m)?\d+s$/);
  for (const entry of Object.values(response.auth as object)) {
    assert.deepEqual(Object.keys(entry as object).sort(), [
      'password',
      'username',
    ]);
  }
}

// ---- the kubelet's matcher, written from keyring.go, to check our keys ---

/** Whether the kubelet would hand the credentials under `key` to `image`:
 * per-label globs, equal ports, path prefix, then the Hub fallback. */
function kubeletMatches(key: string, image: string): boolean {
  if (urlsMatch(key, image)) return true;
  return key === 'index.docker.io' && isHubImage(image);
}

function urlsMatch(key: string, image: string): boolean {
  const keyUrl = new URL(`https://${key}`);
  const imageUrl = new URL(`https://${image}`);
  const keyLabels = keyUrl.hostname.split('.');
  const imageLabels = imageUrl.hostname.split('.');
  if (keyLabels.length !== imageLabels.length) return false;
  if (keyUrl.port !== imageUrl.port) return false;
  const globs = keyLabels.map(
    (label) => new RegExp(`^${label.replaceAll('*', '[^.]*')}$`),
  );
  if (!globs.every((glob, i) => glob.test(imageLabels[i] ?? ''))) {
    return false;
  }
  return imageUrl.pathname.startsWith(keyUrl.pathname.replace(/\/$/, ''));
}

function isHubImage(image: string): boolean {
  const [first, rest] = image.split(/\/(.*)/s);
  if (!first) return false;
  if (rest === undefined) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

// ---- requests -------------------------------------------------------------

test('a v1 request is read; other fields are ignored', () => {
  const text = JSON.stringify({
    kind: 'CredentialProviderRequest',
    apiVersion: V1,
    image: 'reg.example/team/app',
    serviceAccountToken: TOKEN,
    serviceAccountAnnotations: { a: 'b' },
  });
  const reading = parseCredentialProviderRequest(Buffer.from(text));
  assert.deepEqual(reading, {
    ok: true,
    request: { apiVersion: V1, image: 'reg.example/team/app' },
  });
});

test('a v1beta1 request is read and keeps its version', () => {
  const reading = parseCredentialProviderRequest(
    Buffer.from(request('alpine', V1BETA1)),
  );
  assert.deepEqual(reading, {
    ok: true,
    request: { apiVersion: V1BETA1, image: 'alpine' },
  });
});

test('bad requests are refused with the reason', () => {
  const cases: [string, RegExp][] = [
    ['', /No request on stdin/],
    [`{"image": "${TOKEN}`, /not valid JSON/],
    ['[1]', /not a JSON object/],
    ['null', /not a JSON object/],
    [JSON.stringify({ apiVersion: V1, image: 'a' }), /kind is missing/],
    [
      JSON.stringify({ kind: 'CredentialProviderResponse', apiVersion: V1 }),
      /kind is "CredentialProviderResponse", not 'CredentialProviderRequest'/,
    ],
    [
      request('a', 'credentialprovider.kubelet.k8s.io/v1alpha1'),
      /apiVersion is ".*v1alpha1"; regcred speaks/,
    ],
    [
      JSON.stringify({ kind: 'CredentialProviderRequest', image: 'a' }),
      /apiVersion is missing/,
    ],
    [
      JSON.stringify({ kind: 'CredentialProviderRequest', apiVersion: V1 }),
      /image is missing/,
    ],
    [request(''), /image is empty/],
    [request('  '), /image is " {2}"; it must name an image/],
  ];
  for (const [input, expected] of cases) {
    const reading = parseCredentialProviderRequest(Buffer.from(input));
    assert.equal(reading.ok, false, input);
    if (reading.ok) continue;
    assert.match(reading.problem, expected);
    assert.doesNotMatch(reading.problem, new RegExp(TOKEN));
  }
  const latin1 = parseCredentialProviderRequest(Buffer.from([0xff, 0x7b]));
  assert.equal(latin1.ok, false);
});

test('a request over 1 MiB is refused', async () => {
  const huge = Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20);
  const reading = await readCredentialProviderRequest(Readable.from([huge]));
  assert.equal(reading.ok, false);
  if (!reading.ok) assert.match(reading.problem, /larger than 1048576 bytes/);
});

// ---- keys ---------------------------------------------------------------

test('auth keys are ones the kubelet matches to the image it asked for', () => {
  const cases: [string, string][] = [
    ['docker.io/library/nginx', KUBELET_HUB_KEY],
    ['nginx', KUBELET_HUB_KEY],
    ['library/nginx', KUBELET_HUB_KEY],
    ['index.docker.io/library/nginx', KUBELET_HUB_KEY],
    ['reg.example:5000/team/app', 'reg.example:5000'],
    ['reg.example/team/app', 'reg.example'],
    ['localhost:5000/app', 'localhost:5000'],
  ];
  for (const [image, expected] of cases) {
    const { domain } = parseImageReference(image);
    const key = kubeletAuthKey(credentialKeyForDomain(domain));
    assert.equal(key, expected, image);
    assert.ok(kubeletMatches(expected, image), `${expected} ~ ${image}`);
  }
  // the kubelet wants equal ports: a key without one would not match
  assert.ok(!kubeletMatches('reg.example', 'reg.example:5000/team/app'));
});

// ---- answers, in process -----------------------------------------------

test('file-store credentials for a port registry', async () => {
  box.writeConfig({
    auths: { 'reg.example:5000': { auth: basic('ann', SECRET) } },
  });
  const answer = await answerFor('reg.example:5000/team/app');
  assert.deepEqual(answer, {
    response: {
      kind: 'CredentialProviderResponse',
      apiVersion: V1,
      cacheKeyType: 'Registry',
      cacheDuration: '5m0s',
      auth: { 'reg.example:5000': { username: 'ann', password: SECRET } },
    },
    warnings: [],
  });
});

test('a helper failure: a warning, Docker fallback, not cached', async () => {
  box.writeConfig({
    auths: { 'reg.example': {} },
    credHelpers: { 'reg.example': 'broken' },
  });
  box.writeHelper('broken', exiting(3, 'boom'));
  const answer = await answerFor('reg.example/app');
  assert.deepEqual(answer.response.auth, {});
  assert.equal(answer.response.cacheDuration, '0s');
  assert.equal(answer.response.cacheKeyType, 'Registry');
  assert.equal(answer.warnings.length, 1);
});

// ---- the CLI ------------------------------------------------------------

test('CLI: Hub credentials go under index.docker.io', async () => {
  box.writeConfig({
    auths: { 'https://index.docker.io/v1/': { auth: basic('hub', SECRET) } },
  });
  const run = await provide(request('docker.io/library/nginx'));
  assertKubeletAccepts(run.stdout);
  assert.equal(run.stderr, '');
  assert.equal(run.status, 0);
  assert.equal(
    run.stdout,
    '{"kind":"CredentialProviderResponse",' +
      `"apiVersion":"${V1}","cacheKeyType":"Registry",` +
      '"cacheDuration":"5m0s","auth":{"index.docker.io":' +
      `{"username":"hub","password":"${SECRET}"}}}\n`,
  );
});

test('CLI: a port registry, answered in the request version', async () => {
  box.writeConfig({
    auths: { 'reg.example:5000': { auth: basic('ann', SECRET) } },
  });
  const run = await provide(request('reg.example:5000/team/app', V1BETA1));
  assertKubeletAccepts(run.stdout, V1BETA1);
  assert.equal(run.status, 0);
  assert.deepEqual(JSON.parse(run.stdout), {
    kind: 'CredentialProviderResponse',
    apiVersion: V1BETA1,
    cacheKeyType: 'Registry',
    cacheDuration: '5m0s',
    auth: { 'reg.example:5000': { username: 'ann', password: SECRET } },
  });
});

test('CLI: no credentials is a valid, empty answer', async () => {
  const run = await provide(request('reg.example/app'));
  assert.equal(run.status, 0);
  assertKubeletAccepts(run.stdout);
  assert.equal(run.stderr, '');
  const response = JSON.parse(run.stdout);
  assert.equal(response.cacheKeyType, 'Registry');
  assert.deepEqual(response.auth, {});
});

test('CLI: credentials from a helper store', async () => {
  box.writeConfig({ credsStore: 'scripted' });
  box.writeHelper(
    'scripted',
    answering({ ServerURL: 'reg.example', Username: 'bot', Secret: SECRET }),
  );
  const run = await provide(request('reg.example/team/app'));
  assert.equal(run.status, 0);
  assertKubeletAccepts(run.stdout);
  assert.deepEqual(JSON.parse(run.stdout).auth, {
    'reg.example': { username: 'bot', password: SECRET },
  });
});

test('CLI: an identity token is refused with a warning', async () => {
  box.writeConfig({ credsStore: 'scripted' });
  box.writeHelper(
    'scripted',
    answering({ ServerURL: 'reg.example', Username: '<token>', Secret: TOKEN }),
  );
  const run = await provide(request('reg.example/app'));
  assert.equal(run.status, 0);
  assertKubeletAccepts(run.stdout);
  assert.deepEqual(JSON.parse(run.stdout), {
    kind: 'CredentialProviderResponse',
    apiVersion: V1,
    cacheKeyType: 'Registry',
    cacheDuration: '5m0s',
    auth: {},
  });
  assert.match(run.stderr, /warning: .*'reg\.example' are an identity token/);
  assert.ok(!run.stderr.includes(TOKEN));
  assert.ok(!run.stdout.includes(TOKEN));
});

test('CLI: a failing helper is a warning, never a secret', async () => {
  box.writeConfig({ credsStore: 'broken' });
  box.writeHelper('broken', exiting(1, 'cannot reach the keychain'));
  const run = await provide(request('reg.example/app'));
  assert.equal(run.status, 0);
  assertKubeletAccepts(run.stdout);
  const response = JSON.parse(run.stdout);
  assert.deepEqual(response.auth, {});
  assert.equal(response.cacheDuration, '0s');
  assert.match(run.stderr, /warning:/);
});

test('CLI: bad requests exit 1 with a message and no stdout', async () => {
  const inputs = [
    '',
    'not json',
    JSON.stringify({ apiVersion: V1, image: 'alpine' }),
    request('alpine', 'v1'),
    JSON.stringify({ kind: 'CredentialProviderRequest', apiVersion: V1 }),
    request('Alpine:Latest'),
  ];
  for (const input of inputs) {
    const run = await provide(input);
    assert.equal(run.status, 1, input);
    assert.equal(run.stdout, '', input);
    assert.match(run.stderr, /^error: \S/, input);
  }
});

test('CLI: arguments are refused', async () => {
  const run = await runCli(
    ['kubelet-credential-provider', 'alpine'],
    box.env,
    request('alpine'),
  );
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
});
