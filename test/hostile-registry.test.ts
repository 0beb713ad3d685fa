/**
 * Registries and token services that attack the client: realms that would
 * take the password elsewhere, redirects to other hosts, bodies of
 * hundreds of megabytes, answers that trickle in byte by byte, garbled
 * challenges and garbled tokens.
 *
 * Every fixture records every request it gets; after each case, no host
 * may hold a secret in any spelling it was not meant to receive. Failures
 * must be typed, name the host, hold no secret, and come within the
 * timeout. The CLI runs the key cases; the library the rest.
 *
 * Cases already covered elsewhere (not repeated here): see "Hostile
 * servers" in docs/login.md.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { RegistryLoginError } from '../src/errors.js';
import {
  loginToRegistry,
  type RegistryLoginOptions,
} from '../src/registry/login.js';
import { makeSandbox, runCli, type Sandbox } from './support/cli.js';
import {
  startHostileServer,
  type HostileAnswer,
  type HostileHandler,
  type HostileServer,
} from './support/hostile-server.js';
import { startServer } from './support/http-server.js';
import { makeTestCertificates } from './support/http-tls-certs.js';

const USER = 'alice';
const PASSWORD = 'hostile-Secret-7';
const IDENTITY_TOKEN = 'refresh-Secret-9';
const TOKEN = 'granted-token-1';
/** The per-request timeout of the cases about time, in ms. */
const TIMEOUT_MS = 300;
/** The timeout of the other cases: roomy, so that a loaded machine does
 * not turn them into timeouts. */
const ROOMY_TIMEOUT_MS = 10_000;
/** A body no client should read: 512 MiB. */
const HUGE = 512 * 1024 * 1024;
/** What a client may have taken of a huge body before it hung up
 * (its cap plus what the kernel buffers). */
const MOST_STREAMED = 32 * 1024 * 1024;

/** Every way a secret can travel: as is, URL-encoded, in base64, and
 * inside the Basic header's base64. */
const SECRET_SPELLINGS = [PASSWORD, IDENTITY_TOKEN].flatMap((secret) => [
  secret,
  encodeURIComponent(secret),
  Buffer.from(secret).toString('base64'),
]);
SECRET_SPELLINGS.push(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));

let dir: string;
/** The registry, on 127.0.0.1. */
let registry: HostileServer;
/** A token service on 127.0.0.2: another host name. */
let tokens: HostileServer;
/** A third host, 127.0.0.3, where redirects lead. */
let elsewhere: HostileServer;
let sandbox: Sandbox;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-hostile-'));
  registry = await startHostileServer(() => undefined);
  tokens = await startHostileServer(() => undefined, '127.0.0.2');
  elsewhere = await startHostileServer(() => undefined, '127.0.0.3');
  sandbox = makeSandbox();
});
after(async () => {
  await Promise.all([registry, tokens, elsewhere].map((one) => one.close()));
  sandbox.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const server of [registry, tokens, elsewhere]) {
    server.reset();
    server.handle(() => undefined);
  }
});
afterEach(() => {
  // the registry may have the password (Basic) or the identity token
  // (never asked for here); the others never get a secret
  assertNoSecretsAt(tokens, elsewhere);
});

// -- answers ------------------------------------------------------------

function answer(
  status: number,
  headers: Array<[string, string]> = [],
  body = '',
): HostileAnswer {
  return { status, headers, body };
}

function bearerChallenge(realm: string): HostileAnswer {
  return answer(401, [
    ['www-authenticate', `Bearer realm="${realm}",service="hostile"`],
  ]);
}

function tokenAnswer(body: string): HostileAnswer {
  return answer(200, [['content-type', 'application/json']], body);
}

/** A registry that asks for Basic and accepts USER:PASSWORD. */
function basicRegistry(
  refusal: HostileAnswer = answer(401, [
    ['www-authenticate', 'Basic realm="hostile"'],
  ]),
): HostileHandler {
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  return (request) =>
    request.headers.authorization === expected ? answer(200) : refusal;
}

/** A registry that names `realm` and accepts {@link TOKEN}. */
function bearerRegistry(realm: string): HostileHandler {
  return (request) =>
    request.headers.authorization === `Bearer ${TOKEN}`
      ? answer(200)
      : bearerChallenge(realm);
}

// -- checks -------------------------------------------------------------

function assertNoSecretsAt(...servers: HostileServer[]): void {
  for (const server of servers) {
    for (const request of server.requests) {
      for (const spelling of SECRET_SPELLINGS) {
        assert.ok(
          !request.raw.includes(spelling),
          `${server.host} got a secret: ${request.method} ${request.url}`,
        );
      }
    }
  }
}

function assertNoSecretsIn(text: string): void {
  for (const spelling of SECRET_SPELLINGS) {
    assert.ok(!text.includes(spelling), `a secret in: ${text}`);
  }
}

function options(
  overrides: Partial<RegistryLoginOptions> = {},
): RegistryLoginOptions {
  return {
    serverKey: registry.host,
    username: USER,
    password: PASSWORD,
    env: {},
    certsDir: join(dir, 'no-certs'),
    timeoutMs: ROOMY_TIMEOUT_MS,
    ...overrides,
  };
}

/**
 * Runs a login that must fail: typed, with `code`, naming `host`, with no
 * secret, within `withinMs`.
 */
async function loginFails(
  overrides: Partial<RegistryLoginOptions>,
  expected: { code: string; host: string; message?: RegExp },
  withinMs = 5_000,
): Promise<RegistryLoginError> {
  const started = performance.now();
  const error = await loginToRegistry(options(overrides)).then(
    () => assert.fail('the login succeeded'),
    (failure: unknown) => failure,
  );
  const elapsed = performance.now() - started;
  assert.ok(error instanceof RegistryLoginError, String(error));
  assert.equal(error.code, expected.code, error.message);
  assert.ok(error.message.includes(expected.host), error.message);
  if (expected.message) assert.match(error.message, expected.message);
  assertNoSecretsIn(error.message);
  assert.ok(error.message.length < 1_000, 'the message is too long');
  assert.ok(elapsed < withinMs, `took ${elapsed} ms: ${error.message}`);
  return error;
}

/** `regcred login -u USER --password-stdin SERVER`, with `env` added. */
async function cliLogin(
  env: NodeJS.ProcessEnv = {},
  server = registry.host,
): ReturnType<typeof runCli> {
  const run = await runCli(
    ['login', '-u', USER, '--password-stdin', server],
    { ...sandbox.env, ...env },
    `${PASSWORD}\n`,
  );
  assertNoSecretsIn(run.stdout + run.stderr);
  return run;
}

// -- realms and redirects -------------------------------------------------

test('CLI: a plain-http realm on another host gets no request', async () => {
  registry.handle(bearerRegistry(`${tokens.url}/token`));
  const run = await cliLogin();
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /not reached over https/);
  assert.ok(run.stderr.includes(tokens.host), run.stderr);
  assert.ok(run.stderr.includes(registry.host), run.stderr);
  assert.equal(tokens.requests.length, 0);
});

test('the identity token never goes to a plain-http realm elsewhere', async () => {
  registry.handle(bearerRegistry(`${tokens.url}/token`));
  await loginFails(
    { password: '', identityToken: IDENTITY_TOKEN },
    { code: 'ERR_TOKEN_SERVICE', host: tokens.host },
  );
  assert.equal(tokens.requests.length, 0);
});

test('CLI: a registry redirecting to another host sends no credentials there', async () => {
  registry.handle((request) =>
    answer(307, [['location', `${elsewhere.url}${request.url}`]]),
  );
  elsewhere.handle(basicRegistry());
  const run = await cliLogin();
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /status: 401/);
  // ping and retry reached it, both without Authorization
  assert.equal(elsewhere.requests.length, 2);
});

test('credentials do not follow a redirect from https to plain http', async () => {
  const certs = makeTestCertificates();
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.ca);
  // a token service over https on 127.0.0.1 (its certificate's name),
  // for a registry on 127.0.0.3: another host, reached over https, so it
  // may have the password; it redirects to plain http on its own host
  // name, which the realm rule would not allow
  const plain = await startHostileServer(
    () => tokenAnswer(`{"token":"${TOKEN}"}`),
    '127.0.0.1',
  );
  const secure = await startServer(
    (request) => ({
      status: request.method === 'POST' ? 307 : 302,
      headers: { location: `${plain.url}/token` },
    }),
    { tls: { key: certs.serverKey, cert: certs.serverCert } },
  );
  elsewhere.handle(bearerRegistry(`${secure.url}/token`));
  const env = { SSL_CERT_FILE: caFile };
  try {
    // the GET follows without its Basic header: an anonymous token
    const result = await loginToRegistry(
      options({ serverKey: elsewhere.host, env }),
    );
    assert.equal(result.status, 'Login Succeeded');
    assert.equal(plain.requests[0]?.headers.authorization, undefined);
    // the refresh-token form is not posted on
    await loginFails(
      {
        serverKey: elsewhere.host,
        env,
        password: '',
        identityToken: IDENTITY_TOKEN,
      },
      {
        code: 'ERR_TOKEN_SERVICE',
        host: secure.host,
        message: /redirects the form from https to plain http/,
      },
    );
    assert.equal(plain.requests.length, 1);
    // the token service itself, on https, did get the password
    assert.ok(
      secure.requests.some((one) =>
        /^Basic /.test(one.headers.authorization ?? ''),
      ),
    );
    assertNoSecretsAt(plain);
  } finally {
    await Promise.all([plain.close(), secure.close()]);
    certs.cleanup();
  }
});

// -- bodies of hundreds of megabytes ------------------------------------

for (const declareLength of [true, false]) {
  const how = declareLength ? 'declared' : 'chunked';

  test(`a ${how} 512 MiB body on the ping and the challenge is not read`, async () => {
    const huge = { bytes: HUGE, declareLength };
    registry.handle((request) =>
      request.headers.authorization === undefined
        ? {
            status: 401,
            headers: [['www-authenticate', 'Basic realm="hostile"']],
            body: huge,
          }
        : { status: 200, body: huge },
    );
    const started = performance.now();
    const result = await loginToRegistry(options());
    assert.equal(result.status, 'Login Succeeded');
    assert.ok(performance.now() - started < 3_000);
    assert.ok(
      registry.streamedBytes < MOST_STREAMED,
      `${registry.streamedBytes}`,
    );
  });

  test(`a ${how} 512 MiB token answer stops at the cap`, async () => {
    registry.handle(bearerRegistry(`${registry.url}/token`));
    const huge = { bytes: HUGE, declareLength, prefix: '{"token":"' };
    for (const status of [200, 401, 500]) {
      registry.handle((request) =>
        request.url.startsWith('/token')
          ? { status, body: huge }
          : bearerRegistry(`${registry.url}/token`)(request),
      );
      registry.reset();
      await loginFails(
        {},
        {
          code: 'ERR_TOKEN_SERVICE',
          host: registry.host,
          message: /larger than 1 MiB/,
        },
      );
      assert.ok(registry.streamedBytes < MOST_STREAMED);
    }
  });
}

test('CLI: a 512 MiB token answer ends the login quickly, about its size', async () => {
  for (const declareLength of [true, false]) {
    registry.handle((request) =>
      request.url.startsWith('/token')
        ? { status: 200, body: { bytes: HUGE, declareLength } }
        : bearerRegistry(`${registry.url}/token`)(request),
    );
    registry.reset();
    const run = await cliLogin();
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /larger than 1 MiB/);
    assert.ok(run.stderr.includes(registry.host), run.stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace');
    assert.ok(run.ms < 8_000, `${run.ms} ms`);
    assert.ok(registry.streamedBytes < MOST_STREAMED);
  }
});

test('a 512 MiB refusal from the registry is not read either', async () => {
  registry.handle(
    basicRegistry({
      status: 401,
      headers: [['www-authenticate', 'Basic realm="x"']],
      body: { bytes: HUGE, declareLength: false },
    }),
  );
  await loginFails(
    { password: 'wrong-password' },
    {
      code: 'ERR_LOGIN_UNAUTHORIZED',
      host: registry.host,
      message: /status: 401/,
    },
  );
  assert.ok(registry.streamedBytes < MOST_STREAMED);
});

// -- slow answers ---------------------------------------------------------

/** A login makes at most this many requests per endpoint (ping, token
 * GET, token POST, retry) and tries at most 2 endpoints. */
const MAX_REQUESTS = 8;

test('answers trickling in byte by byte hit the timeout', async () => {
  const slow = (what: HostileAnswer): HostileAnswer => ({
    ...what,
    dripMs: 40,
  });
  const cases: Array<[string, HostileHandler, string]> = [
    ['ping', () => slow(answer(401)), registry.host],
    [
      'token answer',
      (request) =>
        request.url.startsWith('/token')
          ? slow(tokenAnswer(`{"token":"${TOKEN}","pad":"${'x'.repeat(50)}"}`))
          : bearerRegistry(`${registry.url}/token`)(request),
      registry.host,
    ],
    [
      'retry',
      (request) =>
        request.headers.authorization === undefined
          ? answer(401, [['www-authenticate', 'Basic realm="x"']])
          : slow(answer(200, [], 'x'.repeat(100))),
      registry.host,
    ],
  ];
  for (const [what, handler, host] of cases) {
    registry.handle(handler);
    const error = await loginFails(
      { timeoutMs: TIMEOUT_MS },
      { code: 'ERR_REGISTRY_UNREACHABLE', host },
      MAX_REQUESTS * TIMEOUT_MS,
    );
    assert.match(error.message, /within 0\.3 s/, what);
  }

  // a token service on another host, asked anonymously (plain http)
  registry.handle(bearerRegistry(`${tokens.url}/token`));
  tokens.handle(() => slow(tokenAnswer(`{"token":"${TOKEN}"}`)));
  const error = await loginFails(
    { username: '', password: '', timeoutMs: TIMEOUT_MS },
    { code: 'ERR_REGISTRY_UNREACHABLE', host: tokens.host },
    MAX_REQUESTS * TIMEOUT_MS,
  );
  assert.match(error.message, /within 0\.3 s/);
  assert.equal(tokens.requests.length, 1);
});

test('a body that never ends is bounded too', async () => {
  // the head comes at once and promises a body that never comes
  const stalled: HostileAnswer = {
    ...tokenAnswer('{"token":'),
    claimedLength: 100_000,
    stall: true,
  };
  const cases: HostileHandler[] = [
    // the ping's body, which is discarded, not read
    () => ({
      ...stalled,
      headers: [['www-authenticate', 'Basic realm="x"']],
      status: 401,
    }),
    // the token answer, which is read
    (request) =>
      request.url.startsWith('/token')
        ? stalled
        : bearerRegistry(`${registry.url}/token`)(request),
  ];
  for (const handler of cases) {
    registry.handle(handler);
    const error = await loginFails(
      { timeoutMs: TIMEOUT_MS },
      { code: 'ERR_REGISTRY_UNREACHABLE', host: registry.host },
      MAX_REQUESTS * TIMEOUT_MS,
    );
    assert.match(error.message, /within 0\.3 s/);
  }
});

test('CLI: REGCRED_LOGIN_TIMEOUT bounds a registry that never finishes', async () => {
  registry.handle(() => ({ ...answer(401), dripMs: 100 }));
  const run = await cliLogin({ REGCRED_LOGIN_TIMEOUT: '0.5' });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /no complete answer within 0\.5 s/);
  assert.ok(run.stderr.includes(registry.host));
  // eight timeouts at most, and time for node to start
  assert.ok(run.ms < MAX_REQUESTS * 500 + 2_000, `${run.ms} ms`);

  const bad = await cliLogin({ REGCRED_LOGIN_TIMEOUT: 'soon' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /REGCRED_LOGIN_TIMEOUT must be a positive number/);
});

// -- garbled challenges -------------------------------------------------

test('garbled and duplicated challenges fail clearly, sending nothing astray', async () => {
  const tokenUrl = `${tokens.url}/token`;
  const cases: Array<[string, Array<[string, string]>, RegExp]> = [
    ['empty realm', [['www-authenticate', 'Bearer realm=""']], /no realm/],
    [
      'unterminated quote',
      [['www-authenticate', 'Bearer realm="http://127.0.0.1/t']],
      /no realm/,
    ],
    ['no parameters', [['www-authenticate', 'Bearer']], /no realm/],
    [
      'garbage parameters',
      [['www-authenticate', 'Bearer ,,=,realm==x,"']],
      /no realm/,
    ],
    [
      'not http',
      [['www-authenticate', 'Bearer realm="file:///etc/passwd"']],
      /no http\(s\) URL/,
    ],
    [
      'two Bearer lines, the first elsewhere',
      [
        ['www-authenticate', `Bearer realm="${tokenUrl}"`],
        ['www-authenticate', `Bearer realm="${registry.url}/token"`],
      ],
      /not reached over https/,
    ],
    [
      'Basic and Bearer on separate lines',
      [
        ['www-authenticate', 'Basic realm="x"'],
        ['www-authenticate', `Bearer realm="${tokenUrl}"`],
      ],
      /not reached over https/,
    ],
    [
      'a huge relative realm',
      [['www-authenticate', `Bearer realm="/${'t'.repeat(8_000)}"`]],
      /relative realm/,
    ],
    ['an unknown scheme', [['www-authenticate', 'Negotiate abc']], /401/],
  ];
  for (const [what, headers, message] of cases) {
    registry.handle(() => answer(401, headers));
    const error = await loginFails(
      {},
      { code: codeFor(what), host: registry.host, message },
    );
    assert.ok(error.message.length < 1_000, what);
  }
  assert.equal(tokens.requests.length, 0);
});

function codeFor(what: string): string {
  return what === 'an unknown scheme'
    ? 'ERR_LOGIN_UNAUTHORIZED'
    : 'ERR_TOKEN_SERVICE';
}

test('Basic and Bearer on one line is one Basic challenge, as in Docker', async () => {
  registry.handle(
    basicRegistry(
      answer(401, [
        [
          'www-authenticate',
          `Basic realm="x", Bearer realm="${tokens.url}/token"`,
        ],
      ]),
    ),
  );
  const result = await loginToRegistry(options());
  assert.equal(result.status, 'Login Succeeded');
  assert.equal(tokens.requests.length, 0);
});

test('huge headers are refused with a clear error', async () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    [
      'one huge challenge',
      [['www-authenticate', `Basic realm="${'r'.repeat(1024 * 1024)}"`]],
    ],
    [
      'thousands of challenges',
      Array.from({ length: 5_000 }, () => [
        'www-authenticate',
        'Basic realm="r"',
      ]),
    ],
  ];
  for (const [what, headers] of cases) {
    registry.handle(() => answer(401, headers));
    const error = await loginFails(
      {},
      {
        code: 'ERR_REGISTRY_UNREACHABLE',
        host: registry.host,
        message: /headers of its answer are larger than regcred reads/,
      },
    );
    assert.ok(error.message.length < 1_000, what);
  }
});

test('answers that are no HTTP are ERR_REGISTRY_UNREACHABLE naming the host', async () => {
  const cases = [
    'HTTP/1.1 abc Nope\r\n\r\n',
    'SSH-2.0-OpenSSH_9.6\r\n',
    'HTTP/1.1 401 X\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab',
    'HTTP/1.1 401 X\r\nwww-authenticate: Basic\0realm=x\r\n\r\n',
    '\0'.repeat(1000),
  ];
  for (const raw of cases) {
    registry.handle(() => ({ status: 0, raw }));
    const error = await loginFails(
      {},
      {
        code: 'ERR_REGISTRY_UNREACHABLE',
        host: registry.host,
        message: /is no valid HTTP .*; check that the address is a registry/,
      },
    );
    assert.ok(!error.message.includes('\0'), error.message);
  }
});

test('CLI: a garbled challenge is exit 1 with a message naming the registry', async () => {
  registry.handle(() => answer(401, [['www-authenticate', 'Bearer realm=""']]));
  const run = await cliLogin();
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Bearer challenge names no realm/);
  assert.ok(run.stderr.includes(registry.host));
});

// -- garbled tokens -----------------------------------------------------

test('garbled token answers are ERR_TOKEN_SERVICE naming the service', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{"token":"', /not JSON/],
    ['\uFEFF{"token":"t"}', /not JSON/],
    ['{"token":""}', /no token/],
    ['{"token":"","access_token":""}', /no token/],
    ['{"token":null}', /no token/],
    ['{"token":["t"]}', /field 'token'/],
    ['{"access_token":{"a":1}}', /field 'access_token'/],
    [`{"token":"${TOKEN}","refresh_token":7}`, /field 'refresh_token'/],
    ['"just a string"', /not an object/],
    ['['.repeat(200_000), /not JSON/],
    ['{"token":"a\\r\\nx-injected: 1"}', /token/],
    ['{"token":"a b"}', /token/],
  ];
  for (const [body, message] of cases) {
    registry.handle((request) =>
      request.url.startsWith('/token')
        ? tokenAnswer(body)
        : bearerRegistry(`${registry.url}/token`)(request),
    );
    const error = await loginFails(
      {},
      { code: 'ERR_TOKEN_SERVICE', host: registry.host, message },
    );
    assert.ok(error.message.length < 1_000, body.slice(0, 40));
  }
});

test('expiry fields are ignored; a token the registry refuses is a 401', async () => {
  const bodies = [
    `{"token":"${TOKEN}","expires_in":-5}`,
    `{"token":"${TOKEN}","expires_in":1e308,"issued_at":"garbage"}`,
    `{"token":"${TOKEN}","expires_in":"soon","issued_at":12}`,
  ];
  for (const body of bodies) {
    registry.handle((request) =>
      request.url.startsWith('/token')
        ? tokenAnswer(body)
        : bearerRegistry(`${registry.url}/token`)(request),
    );
    const result = await loginToRegistry(options());
    assert.equal(result.status, 'Login Succeeded', body);
  }

  // an expired token: the registry says so in its challenge
  registry.handle((request) =>
    request.url.startsWith('/token')
      ? tokenAnswer(`{"token":"expired"}`)
      : answer(401, [
          [
            'www-authenticate',
            `Bearer realm="${registry.url}/token",error="invalid_token"`,
          ],
        ]),
  );
  await loginFails(
    {},
    {
      code: 'ERR_LOGIN_UNAUTHORIZED',
      host: registry.host,
      message: /status: 401/,
    },
  );
});
