import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DOCKER_HUB_KEY } from '../src/reference/image-reference.js';
import {
  convertToHostname,
  loginServerKey,
} from '../src/reference/server-address.js';
import { findDocker28 } from './support/docker.js';

/** docker-cli-auth.md §10.1, every row. */
const SPEC_VECTORS: [string, string][] = [
  ['example.com', 'example.com'],
  ['Example.COM', 'Example.COM'],
  ['HTTPS://Example.COM/v2/', 'Example.COM'],
  ['http://example.com', 'example.com'],
  ['https://example.com/', 'example.com'],
  ['https://example.com/v2/', 'example.com'],
  ['https://example.com:443/v2/', 'example.com:443'],
  ['https://example.com:', 'example.com'],
  ['https://user:pw@example.com:5000/x', 'example.com:5000'],
  ['https://example.com?q=1', 'example.com'],
  ['example.com?q=1/x', 'example.com?q=1'],
  ['https://ex ample.com/x', 'https:'],
  ['https://', 'https:'],
  ['//example.com/x', ''],
  ['unix:///var/run/docker.sock', 'unix:'],
  ['ftp://example.com', 'example.com'],
  ['127.0.0.1:6556', '127.0.0.1:6556'],
  ['::1', '::1'],
  ['[::1]', '[::1]'],
  ['::1:6556', '::1:6556'],
  ['[::1]:6556', '[::1]:6556'],
  ['https://::1:6555/v2/', '[::1]:6555'],
  ['https://[::1]:6555/v2/', '[::1]:6555'],
  ['example.com/foo/bar', 'example.com'],
  ['example.com:5000/foo', 'example.com:5000'],
  ['docker.io', 'docker.io'],
  ['index.docker.io', 'index.docker.io'],
  ['https://index.docker.io/v1/', 'index.docker.io'],
];

/**
 * Further cases, each checked against `docker logout` 28.2.2. They pin
 * the places where Go's url.Parse accepts, rejects or reshapes a URL.
 */
const EDGE_VECTORS: [string, string][] = [
  // an IPv6 host loses its brackets unless a port follows
  ['https://[::1]/', '::1'],
  ['https://[::1]:/', '::1'],
  ['https://[fe80::1%25en0]:80/', '[fe80::1%en0]:80'],
  ['https://[fe80::1%25%41]/', 'fe80::1%A'],
  ['https://[fe80::1%25é]/', 'fe80::1%é'],
  ['https://[fe80::1%25%C3]/', 'https:'],
  ['https://[::1', 'https:'],
  ['https://[]:80', 'https:'],
  ['https://[1::2]x/', 'https:'],
  ['https://[::ffff:1.2.3.4]:80/', '[::ffff:1.2.3.4]:80'],
  // the last colon splits host and port
  ['https://::1/', '[:]:1'],
  ['https://host:8x/', 'https:'],
  ['https://host:80:90/', '[host:80]:90'],
  ['https://:80/', 'https:'],
  // percent escapes: decoded in the host, checked everywhere
  ['https://a%C3%A9.com/', 'aé.com'],
  ['https://a%25b/', 'a%b'],
  ['https://a%41b.com/', 'https:'],
  ['https://a%20b/', 'https:'],
  ['https://a%2/', 'https:'],
  ['https://example.com/%zz', 'https:'],
  ['https://example.com#%zz', 'https:'],
  ['https://example.com/a%41', 'example.com'],
  ['https://example.com?%zz', 'example.com'],
  // characters a host may and may not hold
  ['https://é.com/', 'é.com'],
  ['https://a_b~c/', 'a_b~c'],
  ["https://a'b(c)*+,;=!$&/", "a'b(c)*+,;=!$&"],
  ['https://a<b>"c/', 'a<b>"c'],
  ['https://a^b/', 'https:'],
  ['https://a|b/', 'https:'],
  ['https://a\\b/', 'https:'],
  ['https://a{b}/', 'https:'],
  ['https://a\tb/', 'https:'],
  ['https://a\u007fb/', 'https:'],
  // control characters are only checked before the fragment
  ['https://a#\u0001', 'a'],
  // user info: the last '@' ends it, and it has its own alphabet
  ['https://u@a/', 'a'],
  ['https://a@b@c/', 'c'],
  ['https://u%41:p@a/', 'a'],
  ['https://u%zz@a/', 'https:'],
  ['https://u é@a/', 'https:'],
  ['https://é@a/', 'https:'],
  // the query is cut before the path, the fragment before all
  ['https://a?b/c', 'a'],
  ['https://a?b@c/d', 'a'],
  ['https://a#b@c', 'a'],
  // schemes Go accepts or rejects
  ['a+b.c-d://host/', 'host'],
  ['1x://host/', '1x:'],
  ['://host/', ':'],
  ['x y://host/', 'x y:'],
  ['h%74tp://host/', 'h%74tp:'],
  ['é://host/', 'é:'],
  ['https:foo://bar', 'https:foo:'],
  ['a/b://c', 'a'],
  // no scheme, but an authority all the same
  ['//a://b', 'a'],
  ['https:///x', 'https:'],
  // without "://" nothing but the first '/' matters
  ['https:/example.com/x', 'https:'],
  ['', ''],
  ['/x', ''],
  ['a b/c', 'a b'],
  ['-x', '-x'],
];

/** docker-cli-auth.md §10.2, plus the empty argument. */
const LOGIN_VECTORS: [string | undefined, string][] = [
  [undefined, DOCKER_HUB_KEY],
  ['', DOCKER_HUB_KEY],
  ['docker.io', DOCKER_HUB_KEY],
  ['https://index.docker.io/v1/', DOCKER_HUB_KEY],
  ['index.docker.io', 'index.docker.io'],
  ['https://index.docker.io/v1', 'index.docker.io'],
  ['docker.io/', 'docker.io'],
  ['Docker.io', 'Docker.io'],
  ['registry-1.docker.io', 'registry-1.docker.io'],
  ['https://Registry.Example.com:443/v2/', 'Registry.Example.com:443'],
  ['http://127.0.0.1:5102/foo/bar', '127.0.0.1:5102'],
  ['hub.example:5000', 'hub.example:5000'],
];

test('convertToHostname() gives every answer of docker-cli-auth §10.1', () => {
  for (const [address, expected] of SPEC_VECTORS) {
    assert.equal(convertToHostname(address), expected, address);
  }
});

test('convertToHostname() follows Go url.Parse on edge cases', () => {
  for (const [address, expected] of EDGE_VECTORS) {
    assert.equal(convertToHostname(address), expected, address);
  }
});

test('loginServerKey() gives every key of docker-cli-auth §10.2', () => {
  for (const [address, expected] of LOGIN_VECTORS) {
    assert.equal(loginServerKey(address), expected, String(address));
  }
});

test('convertToHostname() stays fast on long hostile input', () => {
  const started = performance.now();
  for (const unit of ['a:', '[', '%25', 'a@', '%4']) {
    convertToHostname(`https://${unit.repeat(100_000)}/x`);
  }
  assert.ok(performance.now() - started < 2000);
});

const LOGOUT_LINE_REGEXP = /^Removing login credentials for (.*)\n/s;

/**
 * Runs `docker logout ARG` in a throwaway config (no daemon needed) and
 * returns the host name it prints. The dummy `auths` entry stops Docker
 * from picking a default credential helper, and a missing key is erased
 * without writing the file.
 */
function logoutWithDocker(
  docker: string,
  home: string,
  address: string,
): Promise<string> {
  const env = { PATH: dirname(docker), HOME: home };
  const args = ['--config', home, 'logout', '--', address];
  return new Promise((resolve) => {
    execFile(docker, args, { env }, (_error, stdout, stderr) => {
      const match = LOGOUT_LINE_REGEXP.exec(stdout);
      resolve(match?.[1] ?? `(no answer) ${stdout}${stderr}`);
    });
  });
}

const DOCKER = findDocker28();

test(
  'convertToHostname() agrees with docker logout 28.x on every case here',
  { skip: DOCKER === undefined && 'Docker CLI 28.x is not on PATH' },
  async () => {
    assert.ok(DOCKER !== undefined);
    const home = mkdtempSync(join(tmpdir(), 'regcred-address-'));
    writeFileSync(join(home, 'config.json'), '{"auths":{"x":{}}}');
    try {
      // Docker's logout prints the Hub key itself when given no argument
      const addresses = [...SPEC_VECTORS, ...EDGE_VECTORS]
        .map(([address]) => address)
        .filter((address) => address !== '');
      const answers = await Promise.all(
        addresses.map((address) => logoutWithDocker(DOCKER, home, address)),
      );
      const problems = addresses.flatMap((address, index) => {
        const ours = convertToHostname(address);
        const theirs = answers[index];
        return ours === theirs
          ? []
          : [`${JSON.stringify(address)}: ours ${ours}, Docker ${theirs}`];
      });
      assert.deepEqual(problems, []);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);
