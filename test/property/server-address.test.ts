/**
 * Property tests of registry address normalisation: `convertToHostname`
 * (Docker's rule for config keys), `loginServerKey` and the checked
 * `readRegistryAddress` that `login`, `logout` and the agent use.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DOCKER_HUB_KEY } from '../../src/reference/image-reference.js';
import {
  convertToHostname,
  loginServerKey,
  readRegistryAddress,
} from '../../src/reference/server-address.js';
import {
  assertNoControlCharacters,
  checkProperty,
  resultOrTypedError,
} from './support/fuzz.js';
import { hostileText, textInputs } from './support/generators.js';

/** An address with the host and port a correct parser must find. */
interface BuiltAddress {
  text: string;
  /** What `convertToHostname` must give. */
  hostname: string;
}

const plainHost = fc
  .array(
    fc.string({
      unit: fc.constantFrom(...'abcXYZ019-'),
      minLength: 1,
      maxLength: 6,
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((labels) => labels.join('.'));

/** A host as written in a URL, and as `URL.Hostname` gives it. */
const urlHost: fc.Arbitrary<[string, string]> = fc.oneof(
  plainHost.map((host): [string, string] => [host, host]),
  fc.constantFrom<[string, string]>(
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['[fe80::1%25eth0]', 'fe80::1%eth0'],
    ['%c3%a9t%C3%A9.example', 'été.example'],
    ['localhost', 'localhost'],
  ),
);

const scheme = fc.constantFrom('https://', 'http://', 'HTTPS://', 'x+y.z://');
const userinfo = fc.constantFrom('', 'u@', 'u:p@', 'a%41b:c@', "u!$&'()*+,;=@");
const port = fc.constantFrom('', ':', ':0', ':5000', ':65535', ':99999');
const pathPart = fc.constantFrom('', '/', '/v2/', '/v1/', '/a%2Fb', '/x y');
const query = fc.constantFrom('', '?x=1', '?a/b', '?%zz');
const fragment = fc.constantFrom('', '#f', '#a/b');

/** URLs Go parses, with the host name Docker keys them by. */
const urlAddress: fc.Arbitrary<BuiltAddress> = fc
  .tuple(scheme, userinfo, urlHost, port, pathPart, query, fragment)
  .filter(([, , , , path, q]) => !(path === '/x y' || q === '?%zz'))
  .map(([s, user, [written, hostname], p, path, q, f]) => {
    const portNumber = p.slice(1);
    const bracketed = hostname.includes(':') ? `[${hostname}]` : hostname;
    return {
      text: `${s}${user}${written}${p}${path}${q}${f}`,
      hostname: portNumber === '' ? hostname : `${bracketed}:${portNumber}`,
    };
  });

/** Addresses without a scheme: everything before the first `/`. */
const bareAddress: fc.Arbitrary<BuiltAddress> = fc
  .tuple(plainHost, port, pathPart)
  .map(([host, p, path]) => ({ text: host + p + path, hostname: host + p }));

const addresses = textInputs(
  fc.oneof(urlAddress, bareAddress).map((built) => built.text),
);

test('convertToHostname() never fails and normalising twice is once', () => {
  checkProperty(addresses, (address) => {
    const hostname = convertToHostname(address);
    assert.equal(typeof hostname, 'string');
    assert.ok(!hostname.includes('/'), hostname);
    assert.equal(convertToHostname(hostname), hostname);
  });
});

test('convertToHostname() finds the host and port of a URL', () => {
  checkProperty(fc.oneof(urlAddress, bareAddress), ({ text, hostname }) => {
    assert.equal(convertToHostname(text), hostname, text);
  });
});

test('loginServerKey() is the Hub key for the Hub names, else the host', () => {
  checkProperty(addresses, (address) => {
    const key = loginServerKey(address);
    const isHubName = ['', 'docker.io', DOCKER_HUB_KEY].includes(address);
    assert.equal(key, isHubName ? DOCKER_HUB_KEY : convertToHostname(address));
  });
});

test('readRegistryAddress() gives a clean key or a typed error', () => {
  checkProperty(addresses, (address) => {
    const key = resultOrTypedError(
      () => readRegistryAddress(address),
      ['ERR_INVALID_ADDRESS'],
      /^Invalid registry address '.*': \S/s,
    );
    if (key === undefined) return;
    assert.equal(key, loginServerKey(address));
    assert.notEqual(key, '');
    assertNoControlCharacters(key);
    assert.doesNotMatch(key, /\s/);
  });
});

test('a key readRegistryAddress() accepts reads back as itself', () => {
  checkProperty(addresses, (address) => {
    let key: string;
    try {
      key = readRegistryAddress(address);
    } catch {
      return;
    }
    // NOTE: as in Docker, `docker login https://docker.io` stores under
    // `docker.io`, while the bare name `docker.io` means the Hub key
    if (key === 'docker.io') return;
    assert.equal(readRegistryAddress(key), key);
  });
});

test('long hostile addresses are read quickly', () => {
  checkProperty(
    hostileText,
    (address) => {
      convertToHostname(address);
      resultOrTypedError(
        () => readRegistryAddress(address),
        ['ERR_INVALID_ADDRESS'],
        /^Invalid registry address/,
      );
    },
    300,
  );
});
