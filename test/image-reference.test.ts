import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { InvalidReferenceError } from '../src/errors.js';
import type { ImageReference } from '../src/reference/image-reference.js';
import {
  DOCKER_HUB_KEY,
  credentialKeyForDomain,
  parseImageReference,
} from '../src/reference/image-reference.js';
import { findDocker28, isolateNetwork } from './support/docker.js';
import { makeSpyHome } from './support/spy-helper-home.js';

const HEX64 = 'c'.repeat(64);
const SHA256 = `sha256:${HEX64}`;

/** References Docker 28.2.2 accepts, and how it splits them. */
const VALID: [string, ImageReference][] = [
  ['alpine', { domain: 'docker.io', path: 'library/alpine' }],
  ['alpine:3.20', { domain: 'docker.io', path: 'library/alpine', tag: '3.20' }],
  ['user/app', { domain: 'docker.io', path: 'user/app' }],
  ['docker.io/alpine', { domain: 'docker.io', path: 'library/alpine' }],
  ['docker.io/library/alpine', { domain: 'docker.io', path: 'library/alpine' }],
  ['index.docker.io/x', { domain: 'docker.io', path: 'library/x' }],
  ['index.docker.io/user/app', { domain: 'docker.io', path: 'user/app' }],
  // not an alias of Docker Hub, and so no library/ prefix
  [
    'registry-1.docker.io/alpine',
    { domain: 'registry-1.docker.io', path: 'alpine' },
  ],
  ['localhost/foo', { domain: 'localhost', path: 'foo' }],
  ['localhost:5000/foo', { domain: 'localhost:5000', path: 'foo' }],
  // no slash: a Hub image with a tag, never a host and port
  [
    'localhost:5000',
    { domain: 'docker.io', path: 'library/localhost', tag: '5000' },
  ],
  ['localhost', { domain: 'docker.io', path: 'library/localhost' }],
  ['Foo.Example.com/x', { domain: 'Foo.Example.com', path: 'x' }],
  // an uppercase first component is taken for a domain
  ['Foo/bar', { domain: 'Foo', path: 'bar' }],
  ['LOCALHOST/x', { domain: 'LOCALHOST', path: 'x' }],
  ['Docker.io/x', { domain: 'Docker.io', path: 'x' }],
  ['[::1]:5000/foo', { domain: '[::1]:5000', path: 'foo' }],
  ['[fe80::1]/x', { domain: '[fe80::1]', path: 'x' }],
  ['[::1]/x:v1', { domain: '[::1]', path: 'x', tag: 'v1' }],
  ['myreg:443/a/b/c', { domain: 'myreg:443', path: 'a/b/c' }],
  ['127.0.0.1:5000/a', { domain: '127.0.0.1:5000', path: 'a' }],
  ['a-b.c/x', { domain: 'a-b.c', path: 'x' }],
  // looks like a host but is not one: Docker leaves the domain empty
  ['a_b.c/foo', { domain: '', path: 'a_b.c/foo' }],
  ['a--b', { domain: 'docker.io', path: 'library/a--b' }],
  ['a__b.c-d_e', { domain: 'docker.io', path: 'library/a__b.c-d_e' }],
  ['x:_Y.z-', { domain: 'docker.io', path: 'library/x', tag: '_Y.z-' }],
  [
    `x:${'t'.repeat(128)}`,
    { domain: 'docker.io', path: 'library/x', tag: 't'.repeat(128) },
  ],
  [
    `alpine@${SHA256}`,
    { domain: 'docker.io', path: 'library/alpine', digest: SHA256 },
  ],
  [
    `alpine:3.20@${SHA256}`,
    {
      domain: 'docker.io',
      path: 'library/alpine',
      tag: '3.20',
      digest: SHA256,
    },
  ],
  [
    `r.example/a@sha384:${'d'.repeat(96)}`,
    { domain: 'r.example', path: 'a', digest: `sha384:${'d'.repeat(96)}` },
  ],
  [
    `r.example/a@sha512:${'e'.repeat(128)}`,
    { domain: 'r.example', path: 'a', digest: `sha512:${'e'.repeat(128)}` },
  ],
  // a digest alone is read as image "sha256" with a 64-character tag
  [SHA256, { domain: 'docker.io', path: 'library/sha256', tag: HEX64 }],
  [`${HEX64}:x`, { domain: 'docker.io', path: `library/${HEX64}`, tag: 'x' }],
  // the 255-character limit applies to the path, not the domain
  [
    `x.example/${'p'.repeat(255)}`,
    { domain: 'x.example', path: 'p'.repeat(255) },
  ],
  [
    'p'.repeat(247),
    { domain: 'docker.io', path: `library/${'p'.repeat(247)}` },
  ],
];

const LOWERCASE = 'repository name must be lowercase';
const FORMAT = 'invalid reference format';

function mustBeLowercase(remote: string): string {
  return `${FORMAT}: repository name (${remote}) must be lowercase`;
}

/** References Docker 28.2.2 rejects, with the reason it prints. */
const INVALID: [string, string][] = [
  ['', FORMAT],
  [':tag', FORMAT],
  [`@${SHA256}`, FORMAT],
  ['Alpine', mustBeLowercase('library/Alpine')],
  ['library/Alpine', mustBeLowercase('library/Alpine')],
  ['FOO', mustBeLowercase('library/FOO')],
  ['user/App:v1', mustBeLowercase('user/App')],
  ['localhost:5000/Foo', mustBeLowercase('Foo')],
  ['r.example/a/B', mustBeLowercase('a/B')],
  ['É', mustBeLowercase('library/É')],
  // the case check looks at everything before the first ':'
  [`alpine@SHA256:${HEX64}`, mustBeLowercase('library/alpine@SHA256')],
  // an uppercase domain that is not a valid host
  ['Foo_bar/x', LOWERCASE],
  ['İ.example/x', LOWERCASE],
  ['a//b', FORMAT],
  ['a/', FORMAT],
  ['/a', FORMAT],
  ['a b', FORMAT],
  [' alpine', FORMAT],
  ['alpine\n', FORMAT],
  ['é', FORMAT],
  ['a..b', FORMAT],
  ['a___b', FORMAT],
  ['a_', FORMAT],
  ['-a', FORMAT],
  ['a-', FORMAT],
  ['al@pine', FORMAT],
  ['alpine:', FORMAT],
  ['alpine@', FORMAT],
  ['alpine:-x', FORMAT],
  ['alpine:.x', FORMAT],
  ['alpine:a/b', FORMAT],
  ['a:1:2', FORMAT],
  [`alpine:${'t'.repeat(129)}`, FORMAT],
  ['[zz]/x', FORMAT],
  ['[::1%eth0]/x', FORMAT],
  ['x.com:5000:6/a', FORMAT],
  ['-a.example/x', FORMAT],
  ['alpine@sha256:abc', FORMAT],
  [`alpine@${SHA256}@x`, FORMAT],
  [
    `x.example/${'p'.repeat(256)}`,
    'repository name must not be more than 255 characters',
  ],
  ['p'.repeat(248), 'repository name must not be more than 255 characters'],
  [
    HEX64,
    `invalid repository name (${HEX64}), ` +
      'cannot specify 64-byte hexadecimal strings',
  ],
  [`alpine@${SHA256}c`, 'invalid checksum digest length'],
  [`alpine@sha384:${'d'.repeat(64)}`, 'invalid checksum digest length'],
  [`alpine@sha256:${HEX64.toUpperCase()}`, 'invalid checksum digest format'],
  [`alpine@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
  [`alpine@a.b:${'f'.repeat(32)}`, 'unsupported digest algorithm'],
  [`alpine:v1@MD5:${'a'.repeat(32)}`, 'invalid checksum digest format'],
  [`alpine:v1@SHA256:${HEX64}`, 'invalid checksum digest format'],
];

/** docker-cli-auth.md §10.3: image reference to credential lookup key. */
const LOOKUP_KEYS: [string, string][] = [
  ['alpine', DOCKER_HUB_KEY],
  ['docker.io/library/alpine', DOCKER_HUB_KEY],
  ['index.docker.io/library/alpine', DOCKER_HUB_KEY],
  ['registry-1.docker.io/library/alpine', 'registry-1.docker.io'],
  ['localhost:5101/foo', 'localhost:5101'],
  ['Foo.Example.com/x', 'Foo.Example.com'],
  ['[::1]:5000/foo', '[::1]:5000'],
  ['myreg:443/a/b/c', 'myreg:443'],
];

function lookupKey(reference: string): string {
  return credentialKeyForDomain(parseImageReference(reference).domain);
}

test('parseImageReference() splits every reference Docker accepts', () => {
  for (const [reference, expected] of VALID) {
    assert.deepEqual(parseImageReference(reference), expected, reference);
  }
});

test('parseImageReference() leaves out an absent tag and digest', () => {
  const parsed = parseImageReference('alpine');
  assert.equal('tag' in parsed, false);
  assert.equal('digest' in parsed, false);
});

test('parseImageReference() rejects as Docker does, with its reason', () => {
  for (const [reference, reason] of INVALID) {
    assert.throws(
      () => parseImageReference(reference),
      (error: unknown) => {
        assert.ok(error instanceof InvalidReferenceError, reference);
        assert.equal(error.code, 'ERR_INVALID_REFERENCE');
        assert.equal(error.reference, reference);
        const prefix = `Invalid image reference '${quoted(reference)}': ${reason}. `;
        assert.ok(error.message.startsWith(prefix), error.message);
        return true;
      },
    );
  }
});

test('parseImageReference() adds a hint of what a valid reference is', () => {
  assert.throws(() => parseImageReference('a//b'), /\[HOST\[:PORT\]\/\]PATH/);
  assert.throws(() => parseImageReference('Alpine'), /Write the .* lowercase/);
  assert.throws(() => parseImageReference(HEX64), /is an image ID/);
  assert.throws(
    () => parseImageReference(`x@md5:${'a'.repeat(32)}`),
    /sha256, sha384 and sha512/,
  );
});

test('credentialKeyForDomain() gives the keys of §10.3', () => {
  for (const [reference, key] of LOOKUP_KEYS) {
    assert.equal(lookupKey(reference), key, reference);
  }
});

test('credentialKeyForDomain() keeps any other domain verbatim', () => {
  assert.equal(credentialKeyForDomain('docker.io'), DOCKER_HUB_KEY);
  assert.equal(credentialKeyForDomain('index.docker.io'), DOCKER_HUB_KEY);
  assert.equal(credentialKeyForDomain('Docker.io'), 'Docker.io');
  assert.equal(credentialKeyForDomain('docker.io:443'), 'docker.io:443');
  assert.equal(credentialKeyForDomain(''), '');
  assert.equal(DOCKER_HUB_KEY, 'https://index.docker.io/v1/');
});

test('parseImageReference() stays fast on long hostile input', () => {
  const started = performance.now();
  for (const unit of ['a-', 'a_', 'a.', 'a/', 'a__']) {
    const text = unit.repeat(50_000) + '!';
    assert.throws(() => parseImageReference(text), InvalidReferenceError);
  }
  assert.ok(performance.now() - started < 2000);
});

/** What `docker pull` printed, and the key it asked the helper for. */
interface PullOutcome {
  output: string;
  key: string | undefined;
}

/**
 * Runs `docker pull REF` against a daemon socket that does not exist, with
 * a spy credential helper that records the key Docker looks up. Docker
 * checks the reference, then asks the helper, then fails to connect.
 */
function pullWithDocker(
  docker: string[],
  home: string,
  reference: string,
  id: number,
): Promise<PullOutcome> {
  const keyFile = join(home, `key-${id}`);
  const env = {
    PATH: `${join(home, 'bin')}:${dirname(docker.at(-1) ?? '')}`,
    HOME: home,
    DOCKER_HOST: `unix://${join(home, 'no-daemon.sock')}`,
    SPY_KEY_FILE: keyFile,
  };
  const args = ['--config', join(home, 'config'), 'pull', '--', reference];
  return new Promise((resolve) => {
    const [program = '', ...prefix] = docker;
    execFile(
      program,
      [...prefix, ...args],
      { env },
      (_error, stdout, stderr) => {
        const key = existsSync(keyFile)
          ? readFileSync(keyFile, 'utf8')
          : undefined;
        resolve({ output: stdout + stderr, key });
      },
    );
  });
}

/** Why our answer differs from Docker's, or undefined when they agree. */
function disagreement(
  reference: string,
  docker: PullOutcome,
): string | undefined {
  const lines = docker.output
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('Using default tag'));
  const first = lines[0] ?? '';
  try {
    const parsed = parseImageReference(reference);
    const key = credentialKeyForDomain(parsed.domain);
    const nameOnly = parsed.tag === undefined && parsed.digest === undefined;
    const dockerNameOnly = docker.output.includes('Using default tag');
    if (docker.key === key && nameOnly === dockerNameOnly) return undefined;
    return `we accept with key '${key}', Docker printed: ${docker.output}`;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const expected = `Invalid image reference '${quoted(reference)}': ${first}. `;
    if (docker.key === undefined && message.startsWith(expected)) {
      return undefined;
    }
    return `we reject with "${message}", Docker printed: ${docker.output}`;
  }
}

const DOCKER_BINARY = findDocker28();
// docker pull looks host names up even without a daemon: run it where no
// DNS query can leave the machine, or not at all
const ISOLATION =
  DOCKER_BINARY === undefined ? undefined : await isolateNetwork();
const DOCKER =
  DOCKER_BINARY === undefined || ISOLATION === undefined
    ? undefined
    : [...ISOLATION, DOCKER_BINARY];

test(
  'parseImageReference() agrees with docker pull 28.x on every case here',
  {
    skip:
      (DOCKER_BINARY === undefined && 'Docker CLI 28.x is not on PATH') ||
      (DOCKER === undefined &&
        'no empty network namespace (unshare --net) for docker pull'),
  },
  async () => {
    assert.ok(DOCKER !== undefined);
    const home = makeSpyHome('regcred-ref-');
    try {
      const references = [
        ...new Set([
          ...VALID.map(([reference]) => reference),
          ...INVALID.map(([reference]) => reference),
          ...LOOKUP_KEYS.map(([reference]) => reference),
        ]),
      ];
      const outcomes = await Promise.all(
        references.map((reference, id) =>
          pullWithDocker(DOCKER, home, reference, id),
        ),
      );
      const problems = references.flatMap((reference, id) => {
        const outcome = outcomes[id];
        const problem = outcome && disagreement(reference, outcome);
        return problem ? [`${JSON.stringify(reference)}: ${problem}`] : [];
      });
      assert.deepEqual(problems, []);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);

/** A reference as messages quote it: control characters as \xNN. */
function quoted(reference: string): string {
  // eslint-disable-next-line no-control-regex -- matching them is the point
  return reference.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
