import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test, type TestContext } from 'node:test';
import { dropOneLineEnding, readSecretFromStdin } from '../src/cli/prompt.js';
import { LoginFlagError } from '../src/errors.js';
import {
  makeSandbox,
  runCli,
  type CliRun,
  type Sandbox,
} from './support/cli.js';
import {
  exiting,
  readRecordedCalls,
  recording,
} from './support/fake-helper.js';
import {
  startLoginRegistry,
  type LoginRegistry,
} from './support/login-registry.js';
import { PTY_UNAVAILABLE, runOnTerminal } from './support/login-pty.js';
import { REGISTRY_UNAVAILABLE, startRegistry } from './support/registry.js';

const HUB = 'https://index.docker.io/v1/';
const NON_TTY =
  'error: Cannot perform an interactive login from a non TTY device\n';
const CLI_PASSWORD_WARNING =
  'WARNING! Using --password via the CLI is insecure. Use --password-stdin.';

/** One test's world: a sandbox, its config file, and ways to read it. */
interface Case {
  sandbox: Sandbox;
  configPath: string;
  readText(): string;
  readConfig(): { auths: Record<string, unknown> } & Record<string, unknown>;
  /** Docker's warning after a password went into config.json. */
  plaintextWarning(): string;
  /** `regcred login -u USER --password-stdin SERVER` with `stdin`. */
  loginWithStdin(
    user: string,
    server: string,
    stdin: string,
    env?: NodeJS.ProcessEnv,
  ): Promise<CliRun>;
}

/** A sandbox for test `t`, removed when it ends; tests can run at once. */
function newCase(t: TestContext): Case {
  const sandbox = makeSandbox();
  t.after(() => sandbox.cleanup());
  const configPath = join(sandbox.configDir, 'config.json');
  const readText = () => readFileSync(configPath, 'utf8');
  return {
    sandbox,
    configPath,
    readText,
    readConfig: () => JSON.parse(readText()) as ReturnType<Case['readConfig']>,
    plaintextWarning: () =>
      `\nWARNING! Your credentials are stored unencrypted in '${configPath}'.\n` +
      'Configure a credential helper to remove this warning. See\n' +
      'https://docs.docker.com/go/credential-store/\n\n',
    loginWithStdin: (user, server, stdin, env = sandbox.env) =>
      runCli(['login', '-u', user, '--password-stdin', server], env, stdin),
  };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

describe(
  "login: flags, checked in Docker's order",
  { concurrency: true },
  () => {
    const cases: [string, string[], string][] = [
      [
        '--password-stdin with -p',
        ['-u', 'a', '-p', 'x', '--password-stdin'],
        'conflicting options: cannot specify both --password and --password-stdin',
      ],
      [
        '--password-stdin with -p and no -u (the conflict comes first)',
        ['-p', 'x', '--password-stdin'],
        'conflicting options: cannot specify both --password and --password-stdin',
      ],
      [
        '--password-stdin without -u',
        ['--password-stdin'],
        'the --password-stdin option requires --username to be set',
      ],
      ['-u ""', ['-u', '', '-p', ''], 'username is empty'],
      ['-p ""', ['-u', 'a', '--password='], 'password is empty'],
      [
        'two servers',
        ['-u', 'a', 'one.example', 'two.example'],
        "'login' takes at most one SERVER; unexpected 'two.example'",
      ],
    ];
    for (const [name, args, message] of cases) {
      test(`${name}: Docker's error and exit 1, nothing written`, async (t) => {
        const { sandbox, configPath } = newCase(t);
        const run = await runCli(['login', ...args, 'r.example'], sandbox.env);
        assert.equal(run.status, 1);
        assert.equal(run.stdout, '');
        assert.equal(run.stderr, `error: ${message}\n`);
        assert.equal(existsSync(configPath), false);
      });
    }

    test('an address that names no registry fails before anything is read', async (t) => {
      const { sandbox } = newCase(t);
      const run = await runCli(['login', 'https://'], sandbox.env, 'pw\n');
      assert.equal(run.status, 1);
      assert.match(run.stderr, /Invalid registry address 'https:\/\/'/);
    });

    test('-p warns first on stderr', async (t) => {
      const { sandbox } = newCase(t);
      const run = await runCli(['login', '-p', 'pw', 'r.example'], sandbox.env);
      assert.equal(run.status, 1);
      assert.equal(run.stderr, `${CLI_PASSWORD_WARNING}\n${NON_TTY}`);
    });
  },
);

describe('login without a terminal', { concurrency: true }, () => {
  let registry: LoginRegistry;
  before(async () => {
    registry = await startLoginRegistry({ users: { alice: 'pw' } });
  });
  after(() => registry.close());

  const cases: [string, string[], string][] = [
    ['-u without a password', ['-u', 'alice'], ''],
    ['no credentials and none stored', [], ''],
    ['an empty --password-stdin', ['-u', 'alice', '--password-stdin'], ''],
    ['a lone line ending', ['-u', 'alice', '--password-stdin'], '\r\n'],
    // Docker 28.2.2 hangs here, reading a user name from a pipe forever
    ['a blank user name', ['-u', '   ', '--password-stdin'], 'pw\n'],
  ];
  for (const [name, args, stdin] of cases) {
    test(`${name}: exit 1 at once, registry untouched`, async (t) => {
      const { sandbox, configPath } = newCase(t);
      const run = await runCli(
        ['login', ...args, registry.host],
        sandbox.env,
        stdin,
      );
      assert.equal(run.status, 1);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, NON_TTY);
      assert.equal(registry.requests.length, 0);
      assert.equal(existsSync(configPath), false);
    });
  }
});

describe('login --password-stdin', { concurrency: true }, () => {
  const passwords: [string, string][] = [
    ['pw\n', 'pw'],
    ['pw\r\n', 'pw'],
    ['pw\r', 'pw'],
    ['pw', 'pw'],
    ['pw\n\n', 'pw\n'],
    ['  p w \t\n', '  p w \t'],
  ];
  for (const [stdin, expected] of passwords) {
    test(`${JSON.stringify(stdin)} sends ${JSON.stringify(expected)}`, async (t) => {
      const { readConfig, loginWithStdin } = newCase(t);
      const registry = await startLoginRegistry({ users: { bob: expected } });
      try {
        const run = await loginWithStdin(' bob ', registry.host, stdin);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout, 'Login Succeeded\n');
        assert.deepEqual(registry.basicLogins().at(-1), {
          username: 'bob',
          password: expected,
        });
        assert.deepEqual(readConfig().auths, {
          [registry.host]: { auth: base64(`bob:${expected}`) },
        });
      } finally {
        await registry.close();
      }
    });
  }

  test('dropOneLineEnding() drops exactly one CRLF, LF or CR', () => {
    assert.equal(dropOneLineEnding('a\r\n'), 'a');
    assert.equal(dropOneLineEnding('a\n\r'), 'a\n');
    assert.equal(dropOneLineEnding('a\r\r'), 'a\r');
    assert.equal(dropOneLineEnding('a\n\n'), 'a\n');
    assert.equal(dropOneLineEnding(' a '), ' a ');
    assert.equal(dropOneLineEnding(''), '');
  });

  test('readSecretFromStdin() reads every chunk and refuses a flood', async () => {
    const chunks = [Buffer.from('pa'), Buffer.from('ss\u00e9\r\n')];
    assert.equal(
      await readSecretFromStdin(Readable.from(chunks)),
      'pass\u00e9',
    );
    const flood = Readable.from([Buffer.alloc(1024 * 1024 + 1, 0x61)]);
    await assert.rejects(readSecretFromStdin(flood), LoginFlagError);
  });
});

describe('login to the file store', { concurrency: true }, () => {
  let registry: LoginRegistry;
  before(async () => {
    registry = await startLoginRegistry({ users: { alice: 'pw' } });
  });
  after(() => registry.close());

  test('keeps a 0644 file its mode, and says others can read it', async (t) => {
    const { sandbox, configPath, loginWithStdin } = newCase(t);
    sandbox.writeConfig({ auths: {} });
    chmodSync(configPath, 0o644);
    const run = await loginWithStdin('alice', registry.host, 'pw\n');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(statSync(configPath).mode & 0o777, 0o644);
    assert.match(run.stderr, /has mode 0644: other users can read/);
    assert.match(run.stderr, /chmod 600 /);
  });

  test("writes auth, mode 0600, and Docker's plain-text warning", async (t) => {
    const { configPath, readText, plaintextWarning, loginWithStdin } =
      newCase(t);
    const run = await loginWithStdin('alice', registry.host, 'pw\n');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'Login Succeeded\n');
    assert.ok(run.stderr.endsWith(plaintextWarning()), run.stderr);
    assert.equal(
      readText(),
      `{\n\t"auths": {\n\t\t"${registry.host}": {\n\t\t\t"auth": "YWxpY2U6cHc="\n\t\t}\n\t}\n}`,
    );
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
  });

  test('an unchanged login writes nothing and does not warn', async (t) => {
    const { configPath, loginWithStdin } = newCase(t);
    await loginWithStdin('alice', registry.host, 'pw\n');
    const before = statSync(configPath);
    const again = await loginWithStdin('alice', registry.host, 'pw\n');
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /WARNING/);
    assert.equal(statSync(configPath).mtimeMs, before.mtimeMs);
    assert.equal(statSync(configPath).ino, before.ino);
  });

  test('a refused password exits 1 and leaves the file byte for byte', async (t) => {
    const { sandbox, readText, loginWithStdin } = newCase(t);
    const original = `{"auths":{"${registry.host}":{"auth":"YWxpY2U6b2xk"}}}`;
    sandbox.writeConfig(original);
    const run = await loginWithStdin('alice', registry.host, 'wrong\n');
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /401 Unauthorized/);
    assert.doesNotMatch(run.stderr, /wrong/);
    assert.equal(readText(), original);
  });

  test('an unreachable registry exits 1 and writes nothing', async (t) => {
    const { configPath, loginWithStdin } = newCase(t);
    const closed = await startLoginRegistry({ users: {} });
    await closed.close();
    const run = await loginWithStdin('alice', closed.host, 'pw\n');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^error: /m);
    assert.equal(existsSync(configPath), false);
  });

  test('refuses a user name with a colon before asking the registry', async (t) => {
    const { configPath, loginWithStdin } = newCase(t);
    const run = await loginWithStdin('al:ice', registry.host, 'pw\n');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /contains ':'.*Check the -u value/);
    assert.equal(existsSync(configPath), false);
  });

  test('reads --config after the command name', async (t) => {
    const { sandbox, configPath } = newCase(t);
    const other = join(sandbox.dir, 'other');
    const run = await runCli(
      [
        'login',
        '-u',
        'alice',
        '--password-stdin',
        registry.host,
        '--config',
        other,
      ],
      sandbox.env,
      'pw',
    );
    assert.equal(run.status, 0, run.stderr);
    assert.ok(existsSync(join(other, 'config.json')));
    assert.equal(existsSync(configPath), false);
  });
});

describe('login with stored credentials', { concurrency: true }, () => {
  let registry: LoginRegistry;
  before(async () => {
    registry = await startLoginRegistry({ users: { alice: 'pw' } });
  });
  after(() => registry.close());

  test('logs in again with them, as Docker tries to', async (t) => {
    const { sandbox, configPath } = newCase(t);
    sandbox.writeConfig(
      `{"auths":{"${registry.host}":{"auth":"YWxpY2U6cHc="}}}`,
    );
    const before = statSync(configPath);
    const run = await runCli(['login', registry.host], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'Login Succeeded\n');
    assert.ok(
      run.stderr.startsWith(
        'Authenticating with existing credentials... [Username: alice]\n\n' +
          " Info -> To log in with a different account, run 'regcred logout' " +
          "followed by 'regcred login'\n\n\n",
      ),
      run.stderr,
    );
    assert.doesNotMatch(run.stderr, /unencrypted/);
    assert.equal(statSync(configPath).mtimeMs, before.mtimeMs);
    assert.ok(
      registry
        .basicLogins()
        .some((login) => login.username === 'alice' && login.password === 'pw'),
    );
  });

  test('says why they failed, then needs a terminal', async (t) => {
    const { sandbox, readText } = newCase(t);
    const original = `{"auths":{"${registry.host}":{"auth":"YWxpY2U6b2xk"}}}`;
    sandbox.writeConfig(original);
    const run = await runCli(['login', registry.host], sandbox.env);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /\nLogin did not succeed, error: .*401/);
    assert.ok(run.stderr.endsWith(NON_TTY), run.stderr);
    assert.equal(readText(), original);
  });

  test('are not used when -u is given', async (t) => {
    const { sandbox } = newCase(t);
    sandbox.writeConfig(
      `{"auths":{"${registry.host}":{"auth":"YWxpY2U6cHc="}}}`,
    );
    const run = await runCli(
      ['login', '-u', 'alice', registry.host],
      sandbox.env,
    );
    assert.equal(run.status, 1);
    assert.equal(run.stderr, NON_TTY);
  });

  test('come from the helper Docker picks for the key', async (t) => {
    const { sandbox } = newCase(t);
    const log = join(sandbox.dir, 'helper.log');
    sandbox.writeHelper(
      'fake',
      recording(
        log,
        'case "$1" in\n' +
          `get) cat >/dev/null; printf '%s' '{"Username":"alice","Secret":"pw"}';;\n` +
          '*) cat >/dev/null;;\nesac',
      ),
    );
    sandbox.writeConfig({ auths: {}, credsStore: 'fake' });
    const run = await runCli(['login', registry.host], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    const calls = readRecordedCalls(log).map((call) => call.argv[0]);
    assert.deepEqual(calls, ['get', 'store']);
  });
});

describe('login with a stored identity token (regcred extension)', () => {
  let registry: LoginRegistry;
  before(async () => {
    registry = await startLoginRegistry({
      scheme: 'bearer',
      users: { alice: 'pw' },
      refreshTokens: { 'OLD-REFRESH': 'alice' },
    });
  });
  after(() => registry.close());

  test('uses the token and stores the one the token service returns', async (t) => {
    const { sandbox, readConfig } = newCase(t);
    sandbox.writeConfig({
      auths: {
        [registry.host]: { auth: 'YWxpY2U6', identitytoken: 'OLD-REFRESH' },
      },
    });
    const run = await runCli(['login', registry.host], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'Login Succeeded\n');
    assert.doesNotMatch(run.stderr, /unencrypted/);
    const post = registry.requests.find((r) => r.method === 'POST');
    assert.equal(post?.form?.get('grant_type'), 'refresh_token');
    assert.equal(post?.form?.get('refresh_token'), 'OLD-REFRESH');
    const issued = registry.issuedRefreshTokens.at(-1);
    assert.deepEqual(readConfig().auths, {
      [registry.host]: { auth: 'YWxpY2U6', identitytoken: issued },
    });
  });

  test('falls back to the prompt when the token is refused', async (t) => {
    const { sandbox, readText } = newCase(t);
    sandbox.writeConfig({
      auths: {
        [registry.host]: { auth: 'YWxpY2U6', identitytoken: 'REVOKED' },
      },
    });
    const original = readText();
    const run = await runCli(['login', registry.host], sandbox.env);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Login did not succeed, error: /);
    assert.ok(run.stderr.endsWith(NON_TTY), run.stderr);
    assert.equal(readText(), original);
  });

  test("a helper's <token> answer is used and stored back as <token>", async (t) => {
    const { sandbox } = newCase(t);
    const log = join(sandbox.dir, 'helper.log');
    const get = JSON.stringify({ Username: '<token>', Secret: 'OLD-REFRESH' });
    sandbox.writeHelper(
      'fake',
      recording(
        log,
        `case "$1" in\nget) cat >/dev/null; printf '%s' '${get}';;\n` +
          '*) cat >/dev/null;;\nesac',
      ),
    );
    sandbox.writeConfig({ auths: { [registry.host]: {} }, credsStore: 'fake' });
    const run = await runCli(['login', registry.host], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    const store = readRecordedCalls(log).find((c) => c.argv[0] === 'store');
    const issued = registry.issuedRefreshTokens.at(-1) ?? '';
    assert.equal(
      store?.stdin.toString(),
      `{"ServerURL":"${registry.host}","Username":"\\u003ctoken\\u003e",` +
        `"Secret":"${issued}"}\n`,
    );
  });

  test('a password login stores the refresh token, not the password', async (t) => {
    const { readConfig, loginWithStdin } = newCase(t);
    const run = await loginWithStdin('alice', registry.host, 'pw\n');
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /unencrypted/);
    const issued = registry.issuedRefreshTokens.at(-1);
    assert.deepEqual(readConfig().auths, {
      [registry.host]: { auth: 'YWxpY2U6', identitytoken: issued },
    });
  });
});

describe('login through a credential helper', { concurrency: true }, () => {
  let registry: LoginRegistry;
  before(async () => {
    registry = await startLoginRegistry({ users: { alice: 's3cr:<et>' } });
  });
  after(() => registry.close());

  test("sends Docker's exact store stdin and writes a {} placeholder", async (t) => {
    const { sandbox, readConfig, loginWithStdin } = newCase(t);
    const log = join(sandbox.dir, 'helper.log');
    sandbox.writeHelper('fake', recording(log, 'cat >/dev/null'));
    sandbox.writeConfig({ credsStore: 'fake' });
    const run = await loginWithStdin('alice', registry.host, 's3cr:<et>\n');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'Login Succeeded\n');
    assert.doesNotMatch(run.stderr, /WARNING/);
    const calls = readRecordedCalls(log);
    assert.deepEqual(
      calls.map((c) => c.argv),
      [['store']],
    );
    assert.equal(
      calls[0]?.stdin.toString(),
      `{"ServerURL":"${registry.host}","Username":"alice",` +
        '"Secret":"s3cr:\\u003cet\\u003e"}\n',
    );
    assert.deepEqual(readConfig(), {
      auths: { [registry.host]: {} },
      credsStore: 'fake',
    });
  });

  test('persists a detected default store (pass) as Docker does', async (t) => {
    const { sandbox, readText, loginWithStdin } = newCase(t);
    const log = join(sandbox.dir, 'helper.log');
    sandbox.writeHelper('pass', recording(log, 'cat >/dev/null'));
    // a `pass` program on PATH turns Docker's detection on
    writeFileSync(join(sandbox.binDir, 'pass'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(sandbox.binDir, 'pass'), 0o755);
    const run = await loginWithStdin('alice', registry.host, 's3cr:<et>');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(readRecordedCalls(log).length, 1);
    assert.equal(
      readText(),
      `{\n\t"auths": {\n\t\t"${registry.host}": {}\n\t},\n\t"credsStore": "pass"\n}`,
    );
  });

  test("a failing helper: Docker's error, exit 1, file unchanged", async (t) => {
    const { sandbox, readText, loginWithStdin } = newCase(t);
    sandbox.writeHelper('fake', exiting(1, 'fake failure'));
    const original =
      '{"auths":{"keep.example":{"auth":"dTpw"}},"credsStore":"fake"}';
    sandbox.writeConfig(original);
    const run = await loginWithStdin('alice', registry.host, 's3cr:<et>');
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /error: Error saving credentials: error storing credentials - err: .*docker-credential-fake.*fake failure/,
    );
    assert.doesNotMatch(run.stderr, /s3cr/);
    assert.equal(readText(), original);
  });

  test('a missing helper: the same error, after the registry said yes', async (t) => {
    const { sandbox, readText, loginWithStdin } = newCase(t);
    const original = '{"credsStore":"doesnotexist"}';
    sandbox.writeConfig(original);
    const run = await loginWithStdin('alice', registry.host, 's3cr:<et>');
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /Error saving credentials: error storing credentials - err: .*'docker-credential-doesnotexist'/,
    );
    assert.ok(registry.basicLogins().length > 0);
    assert.equal(readText(), original);
  });

  test('credHelpers matches the key exactly and needs no credsStore', async (t) => {
    const { sandbox, readConfig, loginWithStdin } = newCase(t);
    const log = join(sandbox.dir, 'helper.log');
    sandbox.writeHelper('fake', recording(log, 'cat >/dev/null'));
    sandbox.writeConfig({ credHelpers: { [registry.host]: 'fake' } });
    const run = await loginWithStdin('alice', registry.host, 's3cr:<et>');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(readRecordedCalls(log).length, 1);
    assert.deepEqual(readConfig(), {
      auths: { [registry.host]: {} },
      credHelpers: { [registry.host]: 'fake' },
    });
  });
});

describe('login to Docker Hub', { concurrency: true }, () => {
  let registry: LoginRegistry;
  before(async () => {
    registry = await startLoginRegistry({ users: { hubuser: 'pw' } });
  });
  after(() => registry.close());

  for (const server of [undefined, 'docker.io', HUB]) {
    test(`${server ?? 'no SERVER'} stores under the Hub key`, async (t) => {
      const { sandbox, readConfig } = newCase(t);
      const env = { ...sandbox.env, REGCRED_HUB_ENDPOINT: registry.url };
      const args = ['login', '-u', 'hubuser', '--password-stdin'];
      const run = await runCli(
        server === undefined ? args : [...args, server],
        env,
        'pw\n',
      );
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(Object.keys(readConfig().auths), [HUB]);
    });
  }
});

describe(
  'login on a terminal',
  { skip: PTY_UNAVAILABLE, concurrency: true },
  () => {
    let registry: LoginRegistry;
    before(async () => {
      registry = await startLoginRegistry({
        users: { alice: 'hidden pw', hubuser: 'hubpw' },
      });
    });
    after(() => registry.close());

    test('prompts for the user name and a hidden password', async (t) => {
      const { sandbox, readConfig } = newCase(t);
      const run = await runOnTerminal(['login', registry.host], sandbox.env, [
        { expect: 'Username: ', send: '  alice \r' },
        // typed in pieces, with a typo erased by Backspace
        { expect: 'Password: ', send: 'hidden px\u007f' },
        { expect: '', send: 'w\r' },
      ]);
      assert.equal(run.status, 0, run.transcript);
      assert.match(run.transcript, /Username: {3}alice \r\n/);
      assert.match(run.transcript, /Password: \r\n/);
      assert.ok(!run.transcript.includes('hidden'), run.transcript);
      assert.match(run.transcript, /Login Succeeded/);
      assert.deepEqual(run.modeAfter, { echo: true, canonical: true });
      assert.deepEqual(readConfig().auths, {
        [registry.host]: { auth: base64('alice:hidden pw') },
      });
    });

    test('offers the stored user name as the default', async (t) => {
      const { sandbox, readConfig } = newCase(t);
      sandbox.writeConfig({
        auths: { [registry.host]: { auth: base64('alice:stale') } },
      });
      const run = await runOnTerminal(['login', registry.host], sandbox.env, [
        { expect: 'Username (alice): ', send: '\r' },
        { expect: 'Password: ', send: 'hidden pw\r' },
      ]);
      assert.equal(run.status, 0, run.transcript);
      assert.match(run.transcript, /Login did not succeed/);
      assert.deepEqual(readConfig().auths, {
        [registry.host]: { auth: base64('alice:hidden pw') },
      });
    });

    test('Ctrl-C at the password prompt exits 130 and restores the terminal', async (t) => {
      const { sandbox, configPath } = newCase(t);
      const run = await runOnTerminal(
        ['login', '-u', 'alice', registry.host],
        sandbox.env,
        [{ expect: 'Password: ', send: 'abc\u0003' }],
      );
      assert.equal(run.status, 130);
      assert.ok(!run.transcript.includes('abc'), run.transcript);
      assert.deepEqual(run.modeAfter, { echo: true, canonical: true });
      assert.equal(existsSync(configPath), false);
    });

    test('a SIGTERM at the password prompt restores the terminal', async (t) => {
      const { sandbox } = newCase(t);
      const run = await runOnTerminal(
        ['login', '-u', 'alice', registry.host],
        sandbox.env,
        [{ expect: 'Password: ', signal: 'SIGTERM' }],
      );
      assert.equal(run.status, 128 + 15);
      assert.deepEqual(run.modeAfter, { echo: true, canonical: true });
    });

    test('Ctrl-D at the user name prompt ends the input, not a hang', async (t) => {
      const { sandbox } = newCase(t);
      sandbox.writeConfig({
        auths: { [registry.host]: { auth: base64('alice:stale') } },
      });
      const run = await runOnTerminal(['login', registry.host], sandbox.env, [
        { expect: 'Username (alice): ', send: '\u0004' },
      ]);
      assert.equal(run.status, 1);
      assert.match(run.transcript, /Password: \r\n.*Password Required/s);
      assert.deepEqual(run.modeAfter, { echo: true, canonical: true });
    });

    test('an empty user name with no default is refused', async (t) => {
      const { sandbox } = newCase(t);
      const run = await runOnTerminal(['login', registry.host], sandbox.env, [
        { expect: 'Username: ', send: '\r' },
      ]);
      assert.equal(run.status, 1);
      assert.match(run.transcript, /Non-null Username Required/);
    });

    test('an empty password is refused', async (t) => {
      const { sandbox } = newCase(t);
      const run = await runOnTerminal(
        ['login', '-u', 'alice', registry.host],
        sandbox.env,
        [{ expect: 'Password: ', send: '\r' }],
      );
      assert.equal(run.status, 1);
      assert.match(run.transcript, /Password Required/);
    });

    test('Docker Hub gets its hints', async (t) => {
      const { sandbox, readConfig } = newCase(t);
      const env = { ...sandbox.env, REGCRED_HUB_ENDPOINT: registry.url };
      const run = await runOnTerminal(['login'], env, [
        { expect: 'Username: ', send: 'hubuser\r' },
        { expect: 'Password: ', send: 'hubpw\r' },
      ]);
      assert.equal(run.status, 0, run.transcript);
      assert.match(run.transcript, /Docker ID/);
      assert.match(run.transcript, /personal access token/);
      assert.deepEqual(Object.keys(readConfig().auths), [HUB]);
    });
  },
);

describe(
  'login and logout against the real docker-registry',
  { skip: REGISTRY_UNAVAILABLE, concurrency: true },
  () => {
    test('htpasswd over TLS: login, stored re-login, wrong password, logout', async (t) => {
      const { sandbox, readText, readConfig, loginWithStdin } = newCase(t);
      const registry = await startRegistry({ auth: 'htpasswd', tls: true });
      t.after(() => registry.stop());
      const [user] = registry.users;
      assert.ok(user);

      const login = await loginWithStdin(
        user.name,
        registry.host,
        user.password,
      );
      assert.equal(login.status, 0, login.stderr);
      assert.equal(login.stdout, 'Login Succeeded\n');
      const stored = { auth: base64(`${user.name}:${user.password}`) };
      assert.deepEqual(readConfig().auths, { [registry.host]: stored });

      const again = await runCli(['login', registry.host], sandbox.env);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stderr, /Authenticating with existing credentials/);

      const before = readText();
      const wrong = await loginWithStdin(user.name, registry.host, 'nope');
      assert.equal(wrong.status, 1);
      assert.equal(readText(), before);

      const logout = await runCli(['logout', registry.host], sandbox.env);
      assert.equal(logout.status, 0, logout.stderr);
      assert.deepEqual(readConfig().auths, {});
    });

    test('token auth: the refresh token is stored, then re-used', async (t) => {
      const { sandbox, readConfig, loginWithStdin } = newCase(t);
      const registry = await startRegistry({ auth: 'token' });
      t.after(() => registry.stop());
      const [user] = registry.users;
      assert.ok(user);

      const login = await loginWithStdin(
        user.name,
        registry.host,
        user.password,
      );
      assert.equal(login.status, 0, login.stderr);
      const first = readConfig().auths[registry.host] as {
        auth: string;
        identitytoken?: string;
      };
      assert.equal(first.auth, base64(`${user.name}:`));
      assert.ok(first.identitytoken, 'an identity token is stored');

      const again = await runCli(['login', registry.host], sandbox.env);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(again.stdout, 'Login Succeeded\n');
    });
  },
);
