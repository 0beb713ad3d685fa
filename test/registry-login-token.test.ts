import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { RegistryLoginError } from '../src/errors.js';
import {
  loginToRegistry,
  type RegistryLoginOptions,
} from '../src/registry/login.js';
import { bearerRegistry } from './support/http-registry.js';
import {
  basicCredentials,
  json,
  startServer,
  type TestServer,
} from './support/http-server.js';
import {
  makeTestCertificates,
  type TestCertificates,
} from './support/http-tls-certs.js';
import { tokenService } from './support/http-token-service.js';
import { loginOptions } from './support/login-options.js';

const PASSWORD = 'pw-Secret-2';
const SERVICE = 'acceptance-registry';
const TOKEN = 'goodtoken';

let certsDir: string;
let certs: TestCertificates;
let registry: TestServer;
let tokens: TestServer;

before(async () => {
  certsDir = mkdtempSync(join(tmpdir(), 'regcred-certs-'));
  certs = makeTestCertificates();
  tokens = await startServer(() => ({ status: 500 }));
  registry = await startServer(() => ({ status: 500 }));
});
after(async () => {
  await Promise.all([registry.close(), tokens.close()]);
  rmSync(certsDir, { recursive: true, force: true });
  certs.cleanup();
});
beforeEach(() => {
  registry.requests.length = 0;
  tokens.requests.length = 0;
  registry.handle(
    bearerRegistry({
      realm: `${tokens.url}/token`,
      service: SERVICE,
      acceptedTokens: [TOKEN],
    }),
  );
  tokens.handle(
    tokenService({
      users: { alice: PASSWORD },
      token: TOKEN,
      refreshToken: 'refresh-1',
    }),
  );
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

async function loginFails(
  login: Promise<unknown>,
  code: string,
  secrets: string[] = [PASSWORD],
): Promise<RegistryLoginError> {
  const error = await login.then(
    () => assert.fail('the login succeeded'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof RegistryLoginError, String(error));
  assert.equal(error.code, code, error.message);
  for (const secret of secrets) assert.ok(!error.message.includes(secret));
  return error;
}

test('loginToRegistry() gets a token with one GET, as Docker does', async () => {
  const result = await loginToRegistry(options());
  assert.deepEqual(result, {
    status: 'Login Succeeded',
    endpoint: registry.url,
    identityToken: 'refresh-1',
    requests: { registry: 2, tokenService: 1 },
  });

  assert.equal(tokens.requests.length, 1);
  const [request] = tokens.requests;
  assert.equal(request?.method, 'GET');
  assert.equal(
    request?.url,
    `/token?account=alice&client_id=docker&offline_token=true&service=${SERVICE}`,
  );
  assert.deepEqual(basicCredentials(request?.headers ?? {}), [
    'alice',
    PASSWORD,
  ]);
  assert.equal(registry.requests[1]?.headers.authorization, `Bearer ${TOKEN}`);
});

test('loginToRegistry() keeps the realm query; no account without password', async () => {
  registry.handle(
    bearerRegistry({
      realm: `${tokens.url}/token?z=1&a=b+c`,
      acceptedTokens: [TOKEN],
    }),
  );
  tokens.handle(() => json(200, { token: TOKEN }));
  const result = await loginToRegistry(options({ username: '', password: '' }));
  assert.equal(result.identityToken, undefined);
  assert.equal(
    tokens.requests[0]?.url,
    '/token?a=b+c&client_id=docker&offline_token=true&z=1',
  );
  assert.equal(tokens.requests[0]?.headers.authorization, undefined);
});

test('loginToRegistry() prefers access_token over token', async () => {
  tokens.handle(() => json(200, { token: 'stale', access_token: TOKEN }));
  const result = await loginToRegistry(options());
  assert.equal(result.identityToken, undefined);
  assert.equal(registry.requests[1]?.headers.authorization, `Bearer ${TOKEN}`);
});

test('loginToRegistry() lets Basic overwrite Bearer when both are offered', async () => {
  const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
  registry.handle((request) =>
    request.headers.authorization === basic
      ? json(200, {})
      : json(
          401,
          {},
          {
            'www-authenticate': [
              `Bearer realm="${tokens.url}/token",service="${SERVICE}"`,
              'Basic realm="r"',
            ],
          },
        ),
  );
  const result = await loginToRegistry(options());
  assert.equal(result.identityToken, 'refresh-1');
  assert.equal(tokens.requests.length, 1);
  assert.equal(registry.requests[1]?.headers.authorization, basic);
});

test('loginToRegistry() stops at once when the token service refuses', async () => {
  // over TLS the first (https) endpoint reaches the registry, so a second
  // endpoint would be tried if the refusal did not stop the login
  const tlsRegistry = await startServer(
    bearerRegistry({
      realm: `${tokens.url}/token`,
      service: SERVICE,
      acceptedTokens: [TOKEN],
    }),
    { tls: { key: certs.serverKey, cert: certs.serverCert } },
  );
  try {
    const run = options({
      serverKey: tlsRegistry.host,
      password: 'bad-password',
    });
    const error = await loginFails(
      loginToRegistry(run),
      'ERR_LOGIN_UNAUTHORIZED',
      ['bad-password'],
    );
    assert.equal(
      error.message,
      `Login to ${tlsRegistry.url}/v2/ refused by the token service ` +
        `${tokens.url}/token: unauthorized: invalid username or password`,
    );
    assert.equal(error.status, 401);
    assert.deepEqual(run.info, []);
    assert.equal(tlsRegistry.requests.length, 1);
    assert.equal(tokens.requests.length, 1);
  } finally {
    await tlsRegistry.close();
  }
});

test('loginToRegistry() quotes a refusal in the old details form', async () => {
  tokens.handle(() => json(401, { details: `bad creds for ${PASSWORD}` }));
  const error = await loginFails(
    loginToRegistry(options()),
    'ERR_LOGIN_UNAUTHORIZED',
  );
  assert.match(error.message, /: unauthorized: bad creds for \[redacted\]$/);
});

test('loginToRegistry() reports a token service answering garbage', async () => {
  const answers: Array<[ReturnType<typeof json>, RegExp]> = [
    [
      {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<html>Sign in</html>',
      },
      /its answer is not JSON \(content type text\/html\)/,
    ],
    [json(200, {}), /holds no token/],
    [json(200, ['x']), /JSON but not an object/],
    [json(200, { token: 42 }), /field 'token'/],
    [
      { status: 502, body: 'bad gateway' },
      /failed: unexpected HTTP status 502/,
    ],
    [
      json(403, { errors: [{ code: 'DENIED', message: 'no' }] }),
      /failed: denied: no/,
    ],
  ];
  for (const [answer, message] of answers) {
    tokens.handle(() => answer);
    const error = await loginFails(
      loginToRegistry(options()),
      'ERR_TOKEN_SERVICE',
    );
    assert.match(error.message, message);
    assert.match(
      error.message,
      new RegExp(`token service ${tokens.url}/token`),
    );
  }
});

test('loginToRegistry() stops reading a token answer at 1 MiB', async () => {
  tokens.handle(() => json(200, { token: 'x'.repeat(2 * 1024 * 1024) }));
  const error = await loginFails(
    loginToRegistry(options()),
    'ERR_TOKEN_SERVICE',
  );
  assert.match(error.message, /larger than 1 MiB/);
});

for (const status of [404, 405]) {
  test(`loginToRegistry() tries the OAuth2 password grant after a ${status}`, async () => {
    tokens.handle(
      tokenService({
        users: { alice: PASSWORD },
        token: TOKEN,
        refreshToken: 'refresh-2',
        getStatus: status,
      }),
    );
    const result = await loginToRegistry(options());
    assert.equal(result.identityToken, 'refresh-2');
    assert.deepEqual(result.requests, { registry: 2, tokenService: 2 });

    const post = tokens.requests[1];
    assert.equal(post?.method, 'POST');
    assert.equal(post?.url, '/token');
    assert.equal(
      post?.headers['content-type'],
      'application/x-www-form-urlencoded',
    );
    assert.equal(post?.headers.authorization, undefined);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(post?.body)), {
      access_type: 'offline',
      client_id: 'docker',
      grant_type: 'password',
      password: PASSWORD,
      scope: '',
      service: SERVICE,
      username: 'alice',
    });
  });
}

test('loginToRegistry() reports a refused password grant as unauthorized', async () => {
  tokens.handle(
    tokenService({ users: { alice: 'other' }, token: TOKEN, getStatus: 404 }),
  );
  const error = await loginFails(
    loginToRegistry(options()),
    'ERR_LOGIN_UNAUTHORIZED',
  );
  assert.match(error.message, /invalid_grant/);
});

test('loginToRegistry() refreshes a stored identity token with an OAuth2 POST', async () => {
  tokens.handle(
    tokenService({
      users: {},
      token: TOKEN,
      refreshToken: 'refresh-new',
      acceptedRefreshTokens: ['refresh-old'],
    }),
  );
  const result = await loginToRegistry(
    options({ password: '', identityToken: 'refresh-old' }),
  );
  assert.equal(result.identityToken, 'refresh-new');
  assert.equal(tokens.requests.length, 1);
  const [post] = tokens.requests;
  assert.equal(post?.method, 'POST');
  assert.equal(
    post?.body,
    `client_id=docker&grant_type=refresh_token&refresh_token=refresh-old&scope=&service=${SERVICE}`,
  );
});

test('loginToRegistry() keeps the identity token when no new one comes', async () => {
  tokens.handle(() => json(200, { access_token: TOKEN }));
  const result = await loginToRegistry(
    options({ password: '', identityToken: 'refresh-old' }),
  );
  assert.equal(result.identityToken, 'refresh-old');
});

test('loginToRegistry() says when the identity token is refused', async () => {
  tokens.handle(
    tokenService({ users: {}, token: TOKEN, acceptedRefreshTokens: ['other'] }),
  );
  const run = options({ password: '', identityToken: 'refresh-old' });
  const error = await loginFails(
    loginToRegistry(run),
    'ERR_LOGIN_UNAUTHORIZED',
    ['refresh-old'],
  );
  assert.match(error.message, /refused the stored identity token/);
  assert.match(error.message, /refresh token expired/);
  assert.match(error.message, /log in with a password/);
  // a stop prints no info line; the one there is the https attempt's
  assert.equal(run.info.length, 1);
  assert.match(run.info[0] ?? '', /^Error logging in to endpoint https:/);
  assert.equal(tokens.requests.length, 1);
});

test('loginToRegistry() cannot use an identity token at a Basic registry', async () => {
  registry.handle(() =>
    json(401, {}, { 'www-authenticate': 'Basic realm="r"' }),
  );
  const error = await loginFails(
    loginToRegistry(options({ password: '', identityToken: 'refresh-old' })),
    'ERR_LOGIN_UNAUTHORIZED',
    ['refresh-old'],
  );
  assert.match(error.message, /identity token cannot be used there/);
});

test('loginToRegistry() keeps passwords from plain-http realms elsewhere', async () => {
  // localhost and 127.0.0.1 are different host names
  registry.handle(
    bearerRegistry({
      realm: `http://localhost:${tokens.port}/token`,
      acceptedTokens: [TOKEN],
    }),
  );
  const error = await loginFails(
    loginToRegistry(options()),
    'ERR_TOKEN_SERVICE',
  );
  assert.match(error.message, /on another host and not reached over https/);
  assert.equal(tokens.requests.length, 0);

  // without credentials to protect, the token is fetched anonymously
  tokens.handle(() => json(200, { token: TOKEN }));
  await loginToRegistry(options({ username: '', password: '' }));
  assert.equal(tokens.requests.length, 1);
});

test('loginToRegistry() refuses a relative realm', async () => {
  registry.handle(bearerRegistry({ realm: '/token', acceptedTokens: [TOKEN] }));
  const error = await loginFails(
    loginToRegistry(options()),
    'ERR_TOKEN_SERVICE',
  );
  assert.match(
    error.message,
    /relative realm '\/token', which is not supported/,
  );
  registry.handle(() =>
    json(401, {}, { 'www-authenticate': 'Bearer service="x"' }),
  );
  const noRealm = await loginFails(
    loginToRegistry(options()),
    'ERR_TOKEN_SERVICE',
  );
  assert.match(noRealm.message, /names no realm/);
});
