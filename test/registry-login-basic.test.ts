import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RegistryLoginError } from '../src/errors.js';
import {
  DEFAULT_USER_AGENT,
  loginToRegistry,
  type RegistryLoginOptions,
} from '../src/registry/login.js';
import { basicRegistry, openRegistry } from './support/http-registry.js';
import { startServer, type TestServer } from './support/http-server.js';
import { loginOptions } from './support/login-options.js';

const PASSWORD = 'pw-Secret-1';
let certsDir: string;
let registry: TestServer;

before(async () => {
  certsDir = mkdtempSync(join(tmpdir(), 'regcred-certs-'));
  registry = await startServer(basicRegistry({ alice: PASSWORD }));
});
after(async () => {
  await registry.close();
  rmSync(certsDir, { recursive: true, force: true });
});

/** Login options with a clean environment: no proxy, no SSL_CERT_FILE. */
function options(
  overrides: Partial<RegistryLoginOptions> = {},
): RegistryLoginOptions & { info: string[] } {
  return loginOptions(
    { serverKey: registry.host, password: PASSWORD, certsDir },
    overrides,
  );
}

/** Asserts a RegistryLoginError with `code`, and returns it. */
async function loginFails(
  login: Promise<unknown>,
  code: string,
): Promise<RegistryLoginError> {
  const error = await login.then(
    () => assert.fail('the login succeeded'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof RegistryLoginError, String(error));
  assert.equal(error.code, code, error.message);
  assert.ok(!error.message.includes(PASSWORD));
  return error;
}

test('loginToRegistry() logs in with Basic after the https attempt fails', async () => {
  registry.requests.length = 0;
  const run = options();
  const result = await loginToRegistry(run);

  assert.deepEqual(result, {
    status: 'Login Succeeded',
    endpoint: `http://${registry.host}`,
    requests: { registry: 2, tokenService: 0 },
  });
  // the https attempt reached a plain-http server: one info line
  assert.equal(run.info.length, 1);
  const https = `https://${registry.host}`;
  assert.equal(
    run.info[0],
    `Error logging in to endpoint ${https}, trying next endpoint: ` +
      `TLS handshake with ${https}/v2/ failed: the server answered in ` +
      'plain HTTP, not HTTPS',
  );
  // ping without credentials, then Basic
  const [ping, retry] = registry.requests;
  assert.equal(registry.requests.length, 2);
  assert.equal(ping?.url, '/v2/');
  assert.equal(ping?.headers.authorization, undefined);
  assert.equal(
    retry?.headers.authorization,
    `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`,
  );
  assert.equal(retry?.headers['user-agent'], DEFAULT_USER_AGENT);
});

test('loginToRegistry() reports a wrong password as Docker words it', async () => {
  const run = options({ password: 'wrong-password' });
  const error = await loginFails(
    loginToRegistry(run),
    'ERR_LOGIN_UNAUTHORIZED',
  );
  assert.equal(
    error.message,
    `login attempt to http://${registry.host}/v2/ failed with status: 401 Unauthorized`,
  );
  assert.equal(error.status, 401);
  assert.equal(error.url, `http://${registry.host}/v2/`);
  // Docker logs every failed endpoint, the last one too
  assert.equal(run.info.length, 2);
  assert.ok(run.info.every((line) => !line.includes('wrong-password')));
});

test('loginToRegistry() needs a password for a Basic challenge', async () => {
  const error = await loginFails(
    loginToRegistry(options({ password: '' })),
    'ERR_LOGIN_FAILED',
  );
  assert.match(error.message, /needs a user name and a password/);
});

test('loginToRegistry() accepts any credentials at an open registry', async () => {
  const open = await startServer(openRegistry());
  try {
    const result = await loginToRegistry(
      options({ serverKey: open.host, password: 'anything' }),
    );
    assert.equal(result.status, 'Login Succeeded');
    assert.equal(open.requests.length, 2);
    assert.ok(
      open.requests.every((one) => one.headers.authorization === undefined),
    );
  } finally {
    await open.close();
  }
});

test('loginToRegistry() names the status of any other answer', async () => {
  const broken = await startServer(() => ({ status: 500, body: 'oops' }));
  try {
    const error = await loginFails(
      loginToRegistry(options({ serverKey: broken.host })),
      'ERR_LOGIN_FAILED',
    );
    assert.equal(
      error.message,
      `login attempt to http://${broken.host}/v2/ failed with status: 500 Internal Server Error`,
    );
  } finally {
    await broken.close();
  }
});

test('loginToRegistry() reports a refused connection, naming the URL', async () => {
  const gone = await startServer(openRegistry());
  await gone.close();
  const run = options({ serverKey: gone.host });
  const error = await loginFails(
    loginToRegistry(run),
    'ERR_REGISTRY_UNREACHABLE',
  );
  assert.equal(
    error.message,
    `Cannot reach http://${gone.host}/v2/: connection refused; check the address and that it is running`,
  );
  assert.equal(run.info.length, 2);
});

test('loginToRegistry() gives up on a silent registry after the timeout', async () => {
  const silent = await startServer(() => new Promise(() => undefined));
  try {
    const started = Date.now();
    const error = await loginFails(
      loginToRegistry(options({ serverKey: silent.host, timeoutMs: 200 })),
      'ERR_REGISTRY_UNREACHABLE',
    );
    assert.match(error.message, /no complete answer within 0\.2 s/);
    assert.ok(Date.now() - started < 5_000);
  } finally {
    await silent.close();
  }
});

test('loginToRegistry() stops with the reason when aborted', async () => {
  const silent = await startServer(() => new Promise(() => undefined));
  try {
    const controller = new AbortController();
    const login = loginToRegistry(
      options({ serverKey: silent.host, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    await assert.rejects(login, { message: 'user gave up' });
  } finally {
    await silent.close();
  }
});

test('loginToRegistry() sends Docker Hub logins to the injected endpoint', async () => {
  registry.requests.length = 0;
  const hubKey = 'https://index.docker.io/v1/';
  const run = options({ serverKey: hubKey, hubEndpoint: registry.url });
  const result = await loginToRegistry(run);
  assert.equal(result.endpoint, registry.url);
  assert.equal(run.info.length, 0, 'one endpoint only');

  const viaEnv = await loginToRegistry(
    options({
      serverKey: 'docker.io',
      env: { REGCRED_HUB_ENDPOINT: registry.url },
    }),
  );
  assert.equal(viaEnv.endpoint, registry.url);
  assert.equal(registry.requests.length, 4);
});

test('DEFAULT_USER_AGENT carries the package version', () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as {
    version: string;
  };
  assert.equal(DEFAULT_USER_AGENT, `regcred/${version}`);
});

test('loginToRegistry() reports an endpoint that is no URL', async () => {
  const error = await loginFails(
    loginToRegistry(
      options({ serverKey: 'docker.io', hubEndpoint: 'http://a b' }),
    ),
    'ERR_LOGIN_FAILED',
  );
  assert.equal(
    error.message,
    'Cannot log in to http://a b/v2/: it is not a valid URL',
  );
});
