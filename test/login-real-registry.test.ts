/**
 * `regcred login` and `regcred logout` end to end against Debian's real
 * distribution registry (test/support/registry.ts): htpasswd Basic over
 * http and over TLS, Bearer tokens from the test issuer, the real
 * `docker-credential-pass` as the store, and the failures a user meets
 * (wrong password, an unknown CA, nothing listening, a token service that
 * answers garbage).
 *
 * Each flavour shares one registry across the tests of its describe; every
 * test gets its own sandbox (HOME, DOCKER_CONFIG, a PATH without helpers).
 * Everything listens on and talks to 127.0.0.1 (or 0.0.0.0, which reaches
 * the same listener), and the machine's /etc/docker is never relied on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import {
  makeSandbox,
  runCli,
  type CliRun,
  type Sandbox,
} from './support/cli.js';
import {
  createPassStore,
  PASS_UNAVAILABLE,
  type PassStore,
} from './support/pass-fixture.js';
import {
  REGISTRY_UNAVAILABLE,
  startRegistry,
  type RegistryUser,
  type TestRegistry,
} from './support/registry.js';
import type { TokenIssuer, TokenRequest } from './support/token-issuer.js';

const runFile = promisify(execFile);

const LOGIN_SUCCEEDED = 'Login Succeeded\n';

/** What any entry of config.json's `auths` may hold. */
interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}

interface ConfigJson {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
}

/** One test's world: a sandbox and its config.json. */
interface Case {
  sandbox: Sandbox;
  configPath: string;
  /** config.json's bytes, or undefined when there is none. */
  readText(): string | undefined;
  readConfig(): ConfigJson;
  /** `regcred login -u USER --password-stdin [...extra] SERVER`. */
  login(
    server: string,
    user: RegistryUser,
    options?: {
      password?: string;
      extra?: string[];
      env?: NodeJS.ProcessEnv;
    },
  ): Promise<CliRun>;
  /** Runs regcred with the sandbox's environment (plus `env`). */
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
}

function newCase(t: TestContext, baseEnv?: NodeJS.ProcessEnv): Case {
  const sandbox = makeSandbox();
  t.after(() => sandbox.cleanup());
  const env = { ...sandbox.env, ...baseEnv, DOCKER_CONFIG: sandbox.configDir };
  const configPath = join(sandbox.configDir, 'config.json');
  const readText = () =>
    existsSync(configPath) ? readFileSync(configPath, 'utf8') : undefined;
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input = '') =>
    runCli(args, { ...env, ...extraEnv }, input);
  return {
    sandbox,
    configPath,
    readText,
    readConfig: () => JSON.parse(readText() ?? '{}') as ConfigJson,
    login: (server, user, options = {}) =>
      run(
        [
          'login',
          '-u',
          user.name,
          '--password-stdin',
          ...(options.extra ?? []),
          server,
        ],
        options.env,
        `${options.password ?? user.password}\n`,
      ),
    run: (args, extraEnv) => run(args, extraEnv),
  };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Docker's warning after a password went into config.json. */
function plaintextWarning(configPath: string): string {
  return (
    `\nWARNING! Your credentials are stored unencrypted in '${configPath}'.\n` +
    'Configure a credential helper to remove this warning. See\n' +
    'https://docs.docker.com/go/credential-store/\n'
  );
}

/** Fails with the whole run when it did not succeed. */
function assertSucceeded(run: CliRun): void {
  assert.equal(run.status, 0, `exit ${run.status}; stderr:\n${run.stderr}`);
  assert.equal(run.stdout, LOGIN_SUCCEEDED);
}

function firstUser(registry: TestRegistry): RegistryUser {
  const [user] = registry.users;
  assert.ok(user, 'the registry has a user');
  return user;
}

/** The registry's requests, as `METHOD PATH STATUS`. */
async function requestLines(registry: TestRegistry): Promise<string[]> {
  const requests = await registry.requests();
  return requests.map((r) => `${r.method} ${r.path} ${r.status}`);
}

/** What `regcred get HOST/x` prints, parsed. */
async function getCredentials(
  box: Case,
  host: string,
): Promise<Record<string, string>> {
  const run = await box.run(['get', `${host}/x`]);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, string>;
}

// The flavours have their own registries and run side by side; the tests
// of one flavour run in turn, as they share its request log and issuer.
const IN_TURN = { concurrency: 1 } as const;

describe('login and logout, real registry', { concurrency: true }, () => {
  const needsRegistry = { ...IN_TURN, skip: REGISTRY_UNAVAILABLE };
  describe('Basic auth over http', needsRegistry, basicOverHttp);
  describe('Basic auth over TLS', needsRegistry, basicOverTls);
  describe('Bearer tokens', needsRegistry, bearerTokens);
  describe(
    'the real docker-credential-pass as the store',
    { ...IN_TURN, skip: REGISTRY_UNAVAILABLE || PASS_UNAVAILABLE },
    passStore,
  );
  describe('nothing listening', nothingListening);
});

function basicOverHttp(): void {
  let registry: TestRegistry;
  let alice: RegistryUser;

  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    alice = firstUser(registry);
  });
  after(() => registry?.stop());

  it('stores {auth}, warns; get reads it; logout', async (t) => {
    const box = newCase(t);
    await registry.clearRequests();

    const login = await box.login(registry.host, alice);
    assertSucceeded(login);
    assert.ok(
      login.stderr.endsWith(`${plaintextWarning(box.configPath)}\n`),
      `plaintext warning missing from:\n${login.stderr}`,
    );
    assert.deepEqual(box.readConfig().auths, {
      [registry.host]: { auth: base64(`alice:${alice.password}`) },
    });
    // as with Docker: the https try fails in the handshake, unlogged
    assert.deepEqual(await requestLines(registry), [
      'GET /v2/ 401',
      'GET /v2/ 200',
    ]);

    const got = await getCredentials(box, registry.host);
    assert.equal(got.username, 'alice');
    assert.equal(got.password, alice.password);

    const logout = await box.run(['logout', registry.host]);
    assert.equal(logout.status, 0, logout.stderr);
    assert.equal(
      logout.stdout,
      `Removing login credentials for ${registry.host}\n`,
    );
    assert.deepEqual(box.readConfig().auths ?? {}, {});
  });

  it('wrong password: exit 1, 401 quoted, file kept', async (t) => {
    const box = newCase(t);
    assertSucceeded(await box.login(registry.host, alice));
    const before = box.readText();

    const wrong = await box.login(registry.host, alice, { password: 'nope' });
    assert.equal(wrong.status, 1);
    assert.equal(wrong.stdout, '');
    assert.match(wrong.stderr, /^error: .*401 Unauthorized/m);
    assert.ok(wrong.stderr.includes(`http://${registry.host}/v2/`));
    assert.doesNotMatch(wrong.stderr, /nope/);
    assert.equal(box.readText(), before, 'config.json is byte-identical');
  });
}

function basicOverTls(): void {
  let registry: TestRegistry;
  let alice: RegistryUser;
  /** `0.0.0.0:PORT`: a secure name by Docker's rules, same listener. */
  let secureHost: string;
  let caFile: string;

  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd', tls: true });
    alice = firstUser(registry);
    secureHost = `0.0.0.0:${registry.port}`;
    assert.ok(registry.caFile);
    caFile = registry.caFile;
  });
  after(() => registry?.stop());

  /** A certs.d-like folder holding DIR/0.0.0.0:PORT/ca.crt. */
  function makeCertsDir(box: Case): string {
    const certsDir = join(box.sandbox.dir, 'certs.d');
    mkdirSync(join(certsDir, secureHost), { recursive: true });
    copyFileSync(caFile, join(certsDir, secureHost, 'ca.crt'));
    return certsDir;
  }

  function assertStored(box: Case, host: string): void {
    assert.deepEqual(box.readConfig().auths, {
      [host]: { auth: base64(`alice:${alice.password}`) },
    });
  }

  it('127.0.0.1: no CA needed (loopback)', async (t) => {
    const box = newCase(t);
    await registry.clearRequests();
    assertSucceeded(await box.login(registry.host, alice));
    assertStored(box, registry.host);
    assert.deepEqual(await requestLines(registry), [
      'GET /v2/ 401',
      'GET /v2/ 200',
    ]);
  });

  it('127.0.0.1, wrong password: exit 1, 401 shown', async (t) => {
    const box = newCase(t);
    const wrong = await box.login(registry.host, alice, { password: 'nope' });
    assert.equal(wrong.status, 1);
    // the https endpoint's refusal, not the http fallback's 400 (Docker
    // reports the 400)
    assert.match(
      wrong.stderr,
      /^error: login attempt to https:\/\/.*failed with status: 401 Unauthorized$/m,
    );
    assert.equal(box.readText(), undefined, 'no config.json written');
  });

  it('0.0.0.0 without the CA: names the certs.d folder', async (t) => {
    const box = newCase(t);
    await registry.clearRequests();
    const run = await box.login(secureHost, alice);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^error: .*unknown authority/m);
    assert.ok(
      run.stderr.includes(`/etc/docker/certs.d/${secureHost}/`),
      `no certs.d folder named in:\n${run.stderr}`,
    );
    assert.ok(!run.stderr.includes(`http://${secureHost}`), 'no http try');
    assert.deepEqual(await registry.requests(), []);
    assert.equal(box.readText(), undefined);
  });

  it('0.0.0.0, empty --certs-dir: names that folder', async (t) => {
    const box = newCase(t);
    const emptyDir = join(box.sandbox.dir, 'empty-certs.d');
    mkdirSync(emptyDir);
    const run = await box.login(secureHost, alice, {
      extra: ['--certs-dir', emptyDir],
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /unknown authority/);
    assert.ok(
      run.stderr.includes(join(emptyDir, secureHost, 'ca.crt')),
      `the --certs-dir folder is not named in:\n${run.stderr}`,
    );
  });

  it('0.0.0.0 with --certs-dir DIR (DIR/HOST:PORT/ca.crt)', async (t) => {
    const box = newCase(t);
    const extra = ['--certs-dir', makeCertsDir(box)];
    assertSucceeded(await box.login(secureHost, alice, { extra }));
    assertStored(box, secureHost);
  });

  it('0.0.0.0 with REGCRED_CERTS_DIR', async (t) => {
    const box = newCase(t);
    const env = { REGCRED_CERTS_DIR: makeCertsDir(box) };
    assertSucceeded(await box.login(secureHost, alice, { env }));
    assertStored(box, secureHost);
  });

  it('0.0.0.0 with SSL_CERT_FILE naming the CA', async (t) => {
    const box = newCase(t);
    const env = { SSL_CERT_FILE: caFile };
    assertSucceeded(await box.login(secureHost, alice, { env }));
    assertStored(box, secureHost);
  });
}

/** A form field of a recorded token request. */
function formField(request: TokenRequest | undefined, name: string) {
  return request?.form?.find(([key]) => key === name)?.[1];
}

function bearerTokens(): void {
  let registry: TestRegistry;
  let issuer: TokenIssuer;
  let alice: RegistryUser;

  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    alice = firstUser(registry);
    assert.ok(registry.tokenIssuer);
    issuer = registry.tokenIssuer;
  });
  after(() => registry?.stop());

  /** Clears both logs; the issuer's behaviour is reset after the test. */
  async function freshIssuer(t: TestContext): Promise<void> {
    await registry.clearRequests();
    issuer.clearRequests();
    t.after(() =>
      issuer.update({
        methods: 'both',
        refusedStatus: 404,
        refreshTokens: true,
        reply: 'token',
      }),
    );
  }

  /** The stored entry's identity token, which must be alice's. */
  function assertAliceToken(box: Case): void {
    const entry = box.readConfig().auths?.[registry.host];
    assert.equal(entry?.auth, base64('alice:'));
    const owner = issuer.refreshTokenOwner(entry?.identitytoken ?? '');
    assert.equal(owner, 'alice', 'identitytoken is a refresh token');
  }

  it('stores an identity token; one GET to the issuer', async (t) => {
    const box = newCase(t);
    await freshIssuer(t);

    const login = await box.login(registry.host, alice);
    assertSucceeded(login);
    assert.doesNotMatch(login.stderr, /unencrypted/);
    assertAliceToken(box);
    const entry = box.readConfig().auths?.[registry.host] ?? {};
    assert.deepEqual(Object.keys(entry).sort(), ['auth', 'identitytoken']);

    const [request, ...more] = issuer.requests();
    assert.deepEqual(more, [], 'exactly one token request');
    assert.equal(request?.method, 'GET');
    assert.equal(request?.path, '/token');
    assert.deepEqual(request?.query, [
      ['account', 'alice'],
      ['client_id', 'docker'],
      ['offline_token', 'true'],
      ['service', issuer.service],
    ]);
    assert.equal(request?.basicUser, 'alice');
    assert.deepEqual(await requestLines(registry), [
      'GET /v2/ 401',
      'GET /v2/ 200',
    ]);
  });

  it('login without -u re-uses the identity token', async (t) => {
    const box = newCase(t);
    await freshIssuer(t);
    assertSucceeded(await box.login(registry.host, alice));
    const stored = box.readConfig().auths?.[registry.host];
    issuer.clearRequests();

    // regcred extension: no -u, no stdin, no terminal, yet no prompt
    const again = await box.run(['login', registry.host]);
    assertSucceeded(again);
    assert.match(
      again.stderr,
      /^Authenticating with existing credentials\.\.\. \[Username: alice\]$/m,
    );
    const requests = issuer.requests();
    assert.deepEqual(
      requests.map((r) => [r.method, formField(r, 'grant_type')]),
      [['POST', 'refresh_token']],
    );
    assert.equal(formField(requests[0], 'refresh_token'), '(secret)');
    assertAliceToken(box);
    // the issuer gives no new refresh token for a refresh grant
    assert.deepEqual(box.readConfig().auths?.[registry.host], stored);
  });

  it('no refresh token given: the password is stored', async (t) => {
    const box = newCase(t);
    await freshIssuer(t);
    issuer.update({ refreshTokens: false });

    const login = await box.login(registry.host, alice);
    assertSucceeded(login);
    assert.deepEqual(box.readConfig().auths, {
      [registry.host]: { auth: base64(`alice:${alice.password}`) },
    });
    assert.match(login.stderr, /stored unencrypted/);
  });

  it('POST-only issuer (GET 405): POST password grant', async (t) => {
    const box = newCase(t);
    await freshIssuer(t);
    issuer.update({ methods: 'post-only', refusedStatus: 405 });

    // regcred extension: Docker stops at the 405
    assertSucceeded(await box.login(registry.host, alice));
    const requests = issuer.requests();
    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.status}`),
      ['GET 405', 'POST 200'],
    );
    assert.equal(formField(requests[1], 'grant_type'), 'password');
    assert.equal(formField(requests[1], 'username'), 'alice');
    assert.equal(formField(requests[1], 'password'), '(secret)');
    assertAliceToken(box);
  });

  it('wrong password: exit 1, issuer quoted, file kept', async (t) => {
    const box = newCase(t);
    await freshIssuer(t);
    assertSucceeded(await box.login(registry.host, alice));
    const before = box.readText();

    const wrong = await box.login(registry.host, alice, { password: 'nope' });
    assert.equal(wrong.status, 1);
    assert.match(
      wrong.stderr,
      /^error: .*unauthorized: invalid username or password/m,
    );
    assert.equal(box.readText(), before);
  });

  for (const reply of ['html', 'not-json'] as const) {
    it(`an issuer answering ${reply}: clear error, exit 1`, async (t) => {
      const box = newCase(t);
      await freshIssuer(t);
      issuer.update({ reply });

      const run = await box.login(registry.host, alice);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^error: .*token service/m);
      assert.ok(run.stderr.includes(issuer.realm), 'names the token service');
      assert.match(run.stderr, /not JSON/);
      assert.equal(box.readText(), undefined);
    });
  }

  it('logout never contacts the issuer', async (t) => {
    const box = newCase(t);
    await freshIssuer(t);
    assertSucceeded(await box.login(registry.host, alice));
    issuer.clearRequests();

    const logout = await box.run(['logout', registry.host]);
    assert.equal(logout.status, 0, logout.stderr);
    assert.deepEqual(box.readConfig().auths ?? {}, {});
    assert.deepEqual(issuer.requests(), []);
  });
}

function passStore(): void {
  let registry: TestRegistry;
  let alice: RegistryUser;
  let store: PassStore;

  before(async () => {
    [registry, store] = await Promise.all([
      startRegistry({ auth: 'htpasswd' }),
      createPassStore(),
    ]);
    alice = firstUser(registry);
  });
  after(async () => {
    await registry?.stop();
    await store?.cleanup();
  });

  /** What `docker-credential-pass list` says is stored. */
  async function passList(): Promise<Record<string, string>> {
    const { stdout } = await runFile('docker-credential-pass', ['list'], {
      env: store.env,
      timeout: 10_000,
    });
    return JSON.parse(stdout) as Record<string, string>;
  }

  it('login stores in pass, get reads, logout erases', async (t) => {
    const box = newCase(t, store.env);
    box.sandbox.writeConfig({ credsStore: 'pass' });

    const login = await box.login(registry.host, alice);
    assertSucceeded(login);
    assert.doesNotMatch(login.stderr, /unencrypted/);
    assert.deepEqual(box.readConfig(), {
      auths: { [registry.host]: {} },
      credsStore: 'pass',
    });
    assert.deepEqual(await passList(), { [registry.host]: 'alice' });

    const got = await getCredentials(box, registry.host);
    assert.equal(got.username, 'alice');
    assert.equal(got.password, alice.password);

    const logout = await box.run(['logout', registry.host]);
    assert.equal(logout.status, 0, logout.stderr);
    assert.deepEqual(await passList(), {});
    assert.deepEqual(box.readConfig().auths ?? {}, {});
    assert.equal(box.readConfig().credsStore, 'pass');
  });
}

function nothingListening(): void {
  it('connection refused: exit 1, the URL named', async (t) => {
    const box = newCase(t);
    const host = `127.0.0.1:${await findClosedPort()}`;
    const run = await box.login(host, { name: 'alice', password: 'pw' });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^error: .*connection refused/m);
    assert.ok(run.stderr.includes(`http://${host}/v2/`), run.stderr);
    assert.equal(box.readText(), undefined);
  });
}

/** A loopback port nothing listens on (it was free a moment ago). */
function findClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
