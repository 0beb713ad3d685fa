import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RegistryLoginError } from '../src/errors.js';
import {
  loginToRegistry,
  type RegistryLoginOptions,
} from '../src/registry/login.js';
import { basicRegistry } from './support/http-registry.js';
import { startServer, type TestServer } from './support/http-server.js';
import {
  makeTestCertificates,
  type TestCertificates,
} from './support/http-tls-certs.js';
import { loginOptions } from './support/login-options.js';

const PASSWORD = 'pw-Secret-3';
let dir: string;
let certs: TestCertificates;
let registry: TestServer;
/** `0.0.0.0:PORT`: secure by Docker's rules, yet it reaches 127.0.0.1. */
let secureHost: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-tls-test-'));
  certs = makeTestCertificates();
  registry = await startServer(basicRegistry({ alice: PASSWORD }), {
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca },
  });
  secureHost = `0.0.0.0:${registry.port}`;
});
after(async () => {
  await registry.close();
  certs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh certs.d root holding `files` in the folder of `host`. */
function certsDirWith(host: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(dir, 'certs.d-'));
  mkdirSync(join(root, host));
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(root, host, name), text);
  }
  return root;
}

/** Login options with a clean environment: no proxy, no SSL_CERT_FILE. */
function options(
  overrides: Partial<RegistryLoginOptions> = {},
): RegistryLoginOptions & { info: string[] } {
  return loginOptions(
    {
      serverKey: secureHost,
      password: PASSWORD,
      certsDir: certsDirWith(secureHost, {}),
    },
    overrides,
  );
}

test('loginToRegistry() fails on an unknown CA and says where the CA goes', async () => {
  const run = options();
  const error = await loginToRegistry(run).then(
    () => assert.fail('the login succeeded'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof RegistryLoginError);
  assert.equal(error.code, 'ERR_TLS');
  assert.equal(error.url, `https://${secureHost}/v2/`);
  assert.ok(error.message.includes(`https://${secureHost}/v2/`));
  assert.match(error.message, /signed by an unknown authority/);
  assert.ok(
    error.message.includes(join(run.certsDir ?? '', secureHost, 'ca.crt')),
    error.message,
  );
  assert.match(error.message, /SSL_CERT_FILE/);
  // secure: no http fallback
  assert.equal(run.info.length, 1);
  assert.equal(registry.requests.length, 0);
});

test('loginToRegistry() trusts a CA in the certs.d folder', async () => {
  const run = options({
    certsDir: certsDirWith(secureHost, { 'ca.crt': certs.ca }),
  });
  const result = await loginToRegistry(run);
  assert.equal(result.endpoint, `https://${secureHost}`);
  assert.deepEqual(run.info, []);
});

test('loginToRegistry() reads certs.d from REGCRED_CERTS_DIR', async () => {
  const root = certsDirWith(secureHost, { 'my-ca.crt': certs.ca });
  const rest = options({ env: { REGCRED_CERTS_DIR: root } });
  delete rest.certsDir;
  const result = await loginToRegistry(rest);
  assert.equal(result.status, 'Login Succeeded');
});

test('loginToRegistry() trusts a CA named by SSL_CERT_FILE', async () => {
  const result = await loginToRegistry(
    options({ env: { SSL_CERT_FILE: certs.caPath } }),
  );
  assert.equal(result.status, 'Login Succeeded');
});

test('loginToRegistry() presents the client certificate of certs.d', async () => {
  registry.requests.length = 0;
  const certsDir = certsDirWith(secureHost, {
    'ca.crt': certs.ca,
    'client.cert': certs.clientCert,
    'client.key': certs.clientKey,
  });
  await loginToRegistry(options({ certsDir }));
  assert.equal(registry.requests[0]?.clientName, 'regcred test client');
});

test('loginToRegistry() refuses a client certificate without its key', async () => {
  const certsDir = certsDirWith(secureHost, {
    'ca.crt': certs.ca,
    'client.cert': certs.clientCert,
  });
  await assert.rejects(loginToRegistry(options({ certsDir })), {
    code: 'ERR_TLS',
    message: /missing key client\.key for client certificate client\.cert/,
  });
});

test('loginToRegistry() skips verification for loopback hosts', async () => {
  for (const host of [registry.host, `localhost:${registry.port}`]) {
    const run = options({ serverKey: host });
    const result = await loginToRegistry(run);
    assert.equal(result.endpoint, `https://${host}`);
    assert.deepEqual(run.info, []);
  }
});
