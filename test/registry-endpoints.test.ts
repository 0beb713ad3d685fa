import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RegistryLoginError } from '../src/errors.js';
import {
  DOCKER_HUB_ENDPOINT,
  isInsecureHost,
  loginEndpoints,
  registryHost,
  type HostResolver,
} from '../src/registry/endpoints.js';
import {
  isLoopbackIp,
  networkContains,
  parseCidr,
  parseIp,
  type IpBytes,
  type IpNetwork,
} from '../src/registry/ip-address.js';
import { proxyFor, proxySettingsFrom } from '../src/registry/proxy.js';
import { certsRoot, loadTlsMaterial } from '../src/registry/tls-material.js';
import {
  makeTestCertificates,
  type TestCertificates,
} from './support/http-tls-certs.js';

/** parseIp() of a text known to be an IP. */
function ip(text: string): IpBytes {
  const parsed = parseIp(text);
  assert.ok(parsed, text);
  return parsed;
}

/** parseCidr() of a text known to be a CIDR. */
function cidr(text: string): IpNetwork {
  const parsed = parseCidr(text);
  assert.ok(parsed, text);
  return parsed;
}

/** A resolver for made-up names; never touches DNS. */
function resolverOf(table: Record<string, string[]>): HostResolver {
  return async (hostname) => {
    const found = table[hostname];
    if (found === undefined) throw new Error(`ENOTFOUND ${hostname}`);
    return found;
  };
}

test('parseIp() accepts what Go net.ParseIP accepts', () => {
  const accepted = [
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '::1',
    '::',
    '1::',
    '1:2:3:4:5:6:7:8',
    '::ffff:127.0.0.1',
    '::1.2.3.4',
    'fe80::1',
  ];
  const refused = [
    '127.1',
    '01.2.3.4',
    '256.0.0.1',
    '1.2.3',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'fe80::1%eth0',
    '[::1]',
    'localhost',
    '',
  ];
  for (const text of accepted) assert.ok(parseIp(text), text);
  for (const text of refused) assert.equal(parseIp(text), undefined, text);
});

test('isLoopbackIp() is 127.0.0.0/8 and ::1 only', () => {
  const loopback = ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.2'];
  const other = ['0.0.0.0', '::', '128.0.0.1', '::2', '10.0.0.1'];
  for (const text of loopback) assert.ok(isLoopbackIp(ip(text)), text);
  for (const text of other) assert.ok(!isLoopbackIp(ip(text)), text);
});

test('networkContains() matches CIDRs of one family', () => {
  const net8 = cidr('10.0.0.0/8');
  assert.ok(networkContains(net8, ip('10.200.1.1')));
  assert.ok(!networkContains(net8, ip('11.0.0.1')));
  assert.ok(networkContains(cidr('fd00::/8'), ip('fd12::1')));
  assert.ok(!networkContains(cidr('::/0'), ip('10.0.0.1')));
  assert.ok(networkContains(cidr('10.1.2.3/32'), ip('10.1.2.3')));
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0.0'), undefined);
});

test('registryHost() takes the URL host of a server key', () => {
  assert.equal(registryHost('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(registryHost('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(
    registryHost('http://u@Reg.example:5000/x?y'),
    'Reg.example:5000',
  );
});

test('loginEndpoints() tries https, then http for loopback hosts', async () => {
  const endpoints = await loginEndpoints('127.0.0.1:5000', { env: {} });
  assert.deepEqual(endpoints, [
    {
      url: 'https://127.0.0.1:5000',
      host: '127.0.0.1:5000',
      verifyTls: false,
      useCertsDirectory: false,
    },
    {
      url: 'http://127.0.0.1:5000',
      host: '127.0.0.1:5000',
      verifyTls: false,
      useCertsDirectory: false,
    },
  ]);
  for (const key of ['127.9.9.9', '[::1]:5000', '::1', 'localhost:5000']) {
    const found = await loginEndpoints(key, { env: {} });
    assert.equal(found.length, 2, key);
  }
});

test('loginEndpoints() tries only verified https for other hosts', async () => {
  const cases: Array<[string, string]> = [
    ['0.0.0.0:5443', '0.0.0.0:5443'],
    ['https://0.0.0.0:5443/v2/', '0.0.0.0:5443'],
    ['10.0.0.1', '10.0.0.1'],
  ];
  for (const [key, host] of cases) {
    assert.deepEqual(
      await loginEndpoints(key, { env: {} }),
      [
        {
          url: `https://${host}`,
          host,
          verifyTls: true,
          useCertsDirectory: true,
        },
      ],
      key,
    );
  }
});

test('isInsecureHost() resolves names and treats failures as secure', async () => {
  const resolve = resolverOf({
    'dev.test': ['10.0.0.5', '127.0.1.1'],
    'prod.test': ['10.0.0.6'],
  });
  assert.equal(await isInsecureHost('dev.test:5000', resolve), true);
  assert.equal(await isInsecureHost('prod.test:5000', resolve), false);
  assert.equal(await isInsecureHost('unknown.test', resolve), false);
  // brackets without a port: not split, not an IP, not resolvable
  assert.equal(await isInsecureHost('[::1]', resolve), false);
  assert.equal(await isInsecureHost('0.0.0.0:5000', resolve), false);
});

test('loginEndpoints() sends Docker Hub to one injectable endpoint', async () => {
  for (const key of [
    'https://index.docker.io/v1/',
    'docker.io',
    'index.docker.io',
    '',
  ]) {
    assert.deepEqual(await loginEndpoints(key, { env: {} }), [
      {
        url: DOCKER_HUB_ENDPOINT,
        host: 'registry-1.docker.io',
        verifyTls: true,
        useCertsDirectory: false,
      },
    ]);
  }
  const env = { REGCRED_HUB_ENDPOINT: 'http://127.0.0.1:9/' };
  const [fromEnv] = await loginEndpoints('docker.io', { env });
  assert.equal(fromEnv?.url, 'http://127.0.0.1:9');
  const [fromOption] = await loginEndpoints('docker.io', {
    env,
    hubEndpoint: 'http://127.0.0.1:8',
  });
  assert.equal(fromOption?.url, 'http://127.0.0.1:8');
});

test('loginEndpoints() refuses a key without a host', async () => {
  await assert.rejects(loginEndpoints('https://', { env: {} }), {
    code: 'ERR_LOGIN_FAILED',
  });
});

test('proxyFor() follows Go: scheme, case, loopback never proxied', () => {
  const proxy = 'http://127.0.0.1:3128/';
  const settings = proxySettingsFrom({
    HTTPS_PROXY: proxy,
    http_proxy: '127.0.0.1:3129',
  });
  const via = (url: string) => {
    const choice = proxyFor(new URL(url), settings);
    return choice !== undefined && 'url' in choice ? choice.url.href : choice;
  };
  assert.equal(via('https://0.0.0.0:5443/v2/'), proxy);
  assert.equal(via('http://0.0.0.0:5000/v2/'), 'http://127.0.0.1:3129/');
  assert.equal(via('https://127.0.0.1:5443/v2/'), undefined);
  assert.equal(via('https://127.8.0.1/v2/'), undefined);
  assert.equal(via('https://localhost:5443/v2/'), undefined);
  assert.equal(via('https://[::1]:5443/v2/'), undefined);

  // the upper-case name wins
  const both = proxySettingsFrom({
    HTTPS_PROXY: 'http://a:1',
    https_proxy: 'http://b:2',
  });
  assert.equal(
    both.https && 'url' in both.https ? both.https.url.host : '',
    'a:1',
  );
  const broken = proxySettingsFrom({ HTTPS_PROXY: '[' });
  assert.deepEqual(broken.https, { variable: 'HTTPS_PROXY', invalid: true });
});

test('proxyFor() reads NO_PROXY as Go does', () => {
  const check = (noProxy: string, url: string): boolean =>
    proxyFor(
      new URL(url),
      proxySettingsFrom({ HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy }),
    ) === undefined;
  assert.ok(check('*', 'https://0.0.0.0/'));
  assert.ok(check('0.0.0.0', 'https://0.0.0.0:5443/'));
  assert.ok(check('0.0.0.0:5443', 'https://0.0.0.0:5443/'));
  assert.ok(!check('0.0.0.0:5444', 'https://0.0.0.0:5443/'));
  assert.ok(check('10.0.0.0/8', 'https://10.2.3.4/'));
  assert.ok(check('example.com', 'https://example.com/'));
  assert.ok(check('example.com', 'https://reg.example.com/'));
  assert.ok(!check('.example.com', 'https://example.com/'));
  assert.ok(check('.example.com', 'https://reg.example.com/'));
  assert.ok(check('*.example.com', 'https://reg.example.com/'));
  assert.ok(check(' other.test , Example.COM:443', 'https://example.com/'));
  assert.ok(!check('example.com:5000', 'https://example.com/'));
  assert.ok(!check('ample.com', 'https://example.com/'));
  assert.ok(!check('', 'https://example.com/'));
});

let certs: TestCertificates;
let dir: string;
before(() => {
  certs = makeTestCertificates();
  dir = mkdtempSync(join(tmpdir(), 'regcred-certsd-'));
});
after(() => {
  certs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('certsRoot() prefers certsDir, then REGCRED_CERTS_DIR', () => {
  assert.equal(certsRoot('/a', { REGCRED_CERTS_DIR: '/b' }), '/a');
  assert.equal(certsRoot(undefined, { REGCRED_CERTS_DIR: '/b' }), '/b');
  if (process.platform !== 'win32') {
    assert.equal(certsRoot(undefined, {}), '/etc/docker/certs.d');
    assert.equal(
      certsRoot(undefined, {
        ROOTLESSKIT_STATE_DIR: '/r',
        XDG_CONFIG_HOME: '/x',
      }),
      '/x/docker/certs.d',
    );
  }
});

test('loadTlsMaterial() adds certs.d CAs and a client pair', async () => {
  const root = join(dir, 'good');
  const folder = join(root, 'reg.test:5443');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'ca.crt'), certs.ca);
  writeFileSync(join(folder, 'ignored.pem'), 'not read');
  writeFileSync(join(folder, 'client.cert'), certs.clientCert);
  writeFileSync(join(folder, 'client.key'), certs.clientKey);

  const material = await loadTlsMaterial({
    host: 'reg.test:5443',
    verify: true,
    useCertsDirectory: true,
    certsDir: root,
    env: {},
  });
  assert.equal(material.verify, true);
  assert.ok(material.ca?.includes(certs.ca.trim()));
  assert.ok((material.ca?.length ?? 0) > 1, 'system CAs are kept');
  assert.deepEqual(material.clientCertificate, {
    cert: certs.clientCert,
    key: certs.clientKey,
  });
  assert.match(material.caAdvice, /reg\.test:5443\/ca\.crt/);
});

test('loadTlsMaterial() refuses a client certificate or key alone', async () => {
  for (const [file, missing] of [
    ['client.cert', 'client.key'],
    ['client.key', 'client.cert'],
  ] as const) {
    const root = join(dir, `lonely-${file}`);
    mkdirSync(join(root, 'reg.test'), { recursive: true });
    writeFileSync(join(root, 'reg.test', file), 'x');
    await assert.rejects(
      loadTlsMaterial({
        host: 'reg.test',
        verify: true,
        useCertsDirectory: true,
        certsDir: root,
        env: {},
      }),
      (error: unknown) => {
        assert.ok(error instanceof RegistryLoginError);
        assert.equal(error.code, 'ERR_TLS');
        assert.match(
          error.message,
          new RegExp(`missing .*${missing.replace('.', '\\.')}`),
        );
        return true;
      },
    );
  }
});

test('loadTlsMaterial() skips certs.d and verification for insecure hosts', async () => {
  const material = await loadTlsMaterial({
    host: '127.0.0.1:5000',
    verify: false,
    useCertsDirectory: false,
    env: {},
  });
  assert.deepEqual(Object.keys(material).sort(), ['caAdvice', 'verify']);
  assert.equal(material.verify, false);
  // without --certs-dir the advice names Docker's folder and the flag
  assert.match(
    material.caAdvice,
    /\/etc\/docker\/certs\.d\/127\.0\.0\.1:5000\/ca\.crt/,
  );
  assert.match(material.caAdvice, /--certs-dir/);
  assert.match(material.caAdvice, /SSL_CERT_FILE/);
});

test('loadTlsMaterial() adds the CAs of SSL_CERT_FILE', async () => {
  const material = await loadTlsMaterial({
    host: 'reg.test',
    verify: true,
    useCertsDirectory: false,
    env: { SSL_CERT_FILE: certs.caPath },
  });
  assert.ok(material.ca?.includes(certs.ca.trim()));
  const missing = await loadTlsMaterial({
    host: 'reg.test',
    verify: true,
    useCertsDirectory: false,
    env: { SSL_CERT_FILE: join(dir, 'none') },
  });
  assert.equal(missing.ca, undefined);
});
