import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  after,
  afterEach,
  before,
  beforeEach,
  describe,
  test,
} from 'node:test';
import {
  helperList,
  helperStore,
  HELPER_NOT_FOUND_MESSAGE,
} from '../src/stores/helper-client.js';
import { makeSandbox, runCli, type Sandbox } from './support/cli.js';
import {
  exiting,
  readRecordedCalls,
  recording,
  shellQuote,
} from './support/fake-helper.js';
import { startLoginRegistry } from './support/login-registry.js';
import {
  createPassStore,
  PASS_UNAVAILABLE,
  type PassStore,
} from './support/pass-fixture.js';

const HUB = 'https://index.docker.io/v1/';

let sandbox: Sandbox;
let configPath: string;

beforeEach(() => {
  sandbox = makeSandbox();
  configPath = join(sandbox.configDir, 'config.json');
});

afterEach(() => sandbox.cleanup());

function readText(): string {
  return readFileSync(configPath, 'utf8');
}

function readAuths(): Record<string, unknown> {
  return (JSON.parse(readText()) as { auths: Record<string, unknown> }).auths;
}

/**
 * A logging helper: `list` prints `listing`; `erase` succeeds once for
 * each key in `stored` and gives Docker's not-found answer otherwise;
 * `get` says not found. Returns the log's path.
 */
function writeHelper(
  name: string,
  stored: readonly string[] = [],
  listing: Record<string, string> = {},
): string {
  const log = join(sandbox.dir, `${name}.log`);
  const erasable = stored.map((key, index) => {
    const gone = shellQuote(join(sandbox.dir, `${name}-erased-${index}`));
    return (
      `if [ "$key" = ${shellQuote(key)} ] && [ ! -e ${gone} ]; ` +
      `then : > ${gone}; exit 0; fi`
    );
  });
  const notFound = `echo '${HELPER_NOT_FOUND_MESSAGE}'; exit 1`;
  const script = [
    'case "$1" in',
    `list) cat >/dev/null; printf '%s' ${shellQuote(JSON.stringify(listing))};;`,
    `erase) key=$(cat); ${[...erasable, notFound].join('; ')};;`,
    `*) cat >/dev/null; ${notFound};;`,
    'esac',
  ].join('\n');
  sandbox.writeHelper(name, recording(log, script));
  return log;
}

function calls(log: string): string[] {
  return readRecordedCalls(log).map(
    (call) => `${call.argv.join(' ')} ${call.stdin.toString('utf8')}`,
  );
}

describe('logout SERVER', () => {
  test("erases the four keys through a helper, in Docker's order", async () => {
    const log = writeHelper('fake', ['myreg:5000']);
    sandbox.writeConfig({ auths: { 'myreg:5000': {} }, credsStore: 'fake' });
    const run = await runCli(['logout', 'myreg:5000'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'Removing login credentials for myreg:5000\n');
    assert.equal(run.stderr, '');
    assert.deepEqual(calls(log), [
      'erase myreg:5000',
      'erase myreg:5000',
      'erase http://myreg:5000',
      'erase https://myreg:5000',
    ]);
    assert.deepEqual(readAuths(), {});
  });

  test('erases SERVER as typed and its host forms', async () => {
    const log = writeHelper('fake');
    sandbox.writeConfig({ credsStore: 'fake' });
    const run = await runCli(
      ['logout', 'http://localhost:5101/foo'],
      sandbox.env,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'Removing login credentials for localhost:5101\n');
    assert.deepEqual(calls(log), [
      'erase http://localhost:5101/foo',
      'erase localhost:5101',
      'erase http://localhost:5101',
      'erase https://localhost:5101',
    ]);
  });

  test('says so when nothing was stored, exits 0 and creates no file', async () => {
    const run = await runCli(['logout', '127.0.0.1:5000'], sandbox.env);
    assert.equal(run.status, 0);
    assert.equal(run.stdout, 'Removing login credentials for 127.0.0.1:5000\n');
    assert.equal(
      run.stderr,
      'Not logged in to 127.0.0.1:5000: no credentials were stored\n',
    );
    assert.equal(existsSync(configPath), false);
  });

  test('removes h, http://h and https://h from the file in one write', async () => {
    sandbox.writeConfig({
      auths: {
        h: { auth: 'dTpw' },
        'http://h': { auth: 'dTpw' },
        'https://h': { auth: 'dTpw' },
        'http://h/v1/': { auth: 'dTpw' },
      },
      psFormat: 'keep me',
    });
    const run = await runCli(['logout', 'h'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.deepEqual(readAuths(), { 'http://h/v1/': { auth: 'dTpw' } });
    assert.equal(
      (JSON.parse(readText()) as { psFormat: string }).psFormat,
      'keep me',
    );
  });

  test('does not rewrite a file that holds none of the keys', async () => {
    const original = '{"auths":{"other.example":{"auth":"dTpw"}}}';
    sandbox.writeConfig(original);
    const before = statSync(configPath);
    const run = await runCli(['logout', 'h'], sandbox.env);
    assert.equal(run.status, 0);
    assert.equal(readText(), original);
    assert.equal(statSync(configPath).mtimeMs, before.mtimeMs);
  });

  test('FIX: logout docker.io also erases the Docker Hub login', async () => {
    sandbox.writeConfig({
      auths: { [HUB]: { auth: 'dTpw' }, 'docker.io': {} },
    });
    const run = await runCli(['logout', 'docker.io'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'Removing login credentials for docker.io\n');
    assert.deepEqual(readAuths(), {});
  });

  test('FIX: logout index.docker.io also erases the Docker Hub login', async () => {
    const log = writeHelper('fake', [HUB]);
    sandbox.writeConfig({ auths: { [HUB]: {} }, credsStore: 'fake' });
    const run = await runCli(['logout', 'index.docker.io'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(calls(log), [
      'erase index.docker.io',
      'erase index.docker.io',
      'erase http://index.docker.io',
      'erase https://index.docker.io',
      `erase ${HUB}`,
    ]);
    assert.deepEqual(readAuths(), {});
  });

  test('credHelpers takes the host keys; the file keeps the URL keys', async () => {
    const log = writeHelper('fake', ['h']);
    sandbox.writeConfig({
      auths: { h: {}, 'https://h': { auth: 'dTpw' } },
      credHelpers: { h: 'fake' },
    });
    const run = await runCli(['logout', 'h'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(calls(log), ['erase h', 'erase h']);
    assert.deepEqual(readAuths(), {});
  });

  test('warns per key and exits 1 when the helper is missing (Docker: 0)', async () => {
    const original = '{"auths":{"h":{}},"credsStore":"nope"}';
    sandbox.writeConfig(original);
    const run = await runCli(['logout', 'h'], sandbox.env);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, 'Removing login credentials for h\n');
    const warnings = run.stderr.trimEnd().split('\n');
    assert.equal(warnings.length, 3, run.stderr);
    for (const [index, key] of ['h', 'http://h', 'https://h'].entries()) {
      assert.match(warnings[index] ?? '', /^warning: /);
      assert.ok(
        warnings[index]?.includes(
          `'docker-credential-nope' failed to erase for '${key}'`,
        ),
        warnings[index],
      );
    }
    assert.equal(readText(), original);
  });

  test('keeps the entry of a key the helper could not erase', async () => {
    sandbox.writeHelper('fake', exiting(1, 'keychain locked'));
    sandbox.writeConfig({ auths: { h: {} }, credsStore: 'fake' });
    const run = await runCli(['logout', 'h'], sandbox.env);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /keychain locked/);
    assert.deepEqual(readAuths(), { h: {} });
  });

  test('refuses an unparsable config.json and leaves it as it is', async () => {
    const original = '{"auths": {"h": {"auth": "dTpw"}},';
    sandbox.writeConfig(original);
    const run = await runCli(['logout', 'h'], sandbox.env);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /Cannot parse config file '.*config\.json'/);
    assert.equal(readText(), original);
  });

  test('reads global options after the command name', async () => {
    const other = join(sandbox.dir, 'other');
    const run = await runCli(
      ['logout', 'h', '--config', other, '--helper-timeout', '5', '--debug'],
      { ...sandbox.env, DOCKER_CONFIG: join(sandbox.dir, 'unused') },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`config ${other}/config\\.json`));
  });

  test('refuses two servers (exit 1, as Docker) and --all with a server', async () => {
    const two = await runCli(['logout', 'a', 'b'], sandbox.env);
    assert.equal(two.status, 1);
    assert.match(two.stderr, /at most one SERVER; unexpected 'b'/);
    const both = await runCli(['logout', '--all', 'a'], sandbox.env);
    assert.equal(both.status, 1);
    assert.match(both.stderr, /give it no SERVER/);
    assert.equal(both.stdout, '');
  });
});

describe('logout (Docker Hub)', () => {
  test('erases the Hub key and the OAuth token entries of the file', async () => {
    sandbox.writeConfig({
      auths: {
        [HUB]: { auth: 'dTpw' },
        [`${HUB}access-token`]: { auth: 'dTpw' },
        [`${HUB}refresh-token`]: { auth: 'dTpw' },
        'other.example': { auth: 'dTpw' },
      },
    });
    const run = await runCli(['logout'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `Removing login credentials for ${HUB}\n`);
    assert.deepEqual(readAuths(), { 'other.example': { auth: 'dTpw' } });
  });

  test('asks the helper for the OAuth entries before erasing anything', async () => {
    const log = writeHelper('fake', [HUB]);
    sandbox.writeConfig({ auths: { [HUB]: {} }, credsStore: 'fake' });
    const run = await runCli(['logout'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(calls(log), [
      `get ${HUB}access-token`,
      `get ${HUB}refresh-token`,
      `erase ${HUB}`,
    ]);
  });

  test('says so when not logged in to Docker Hub', async () => {
    const run = await runCli(['logout'], sandbox.env);
    assert.equal(run.status, 0);
    assert.equal(
      run.stderr,
      `Not logged in to ${HUB}: no credentials were stored\n`,
    );
  });
});

describe('logout --all', () => {
  test('erases the file, the default helper and every credHelpers helper', async () => {
    const storeLog = writeHelper('store', ['a.example', 'b.example'], {
      'a.example': 'ann',
      'b.example': '<token>',
    });
    const ghLog = writeHelper('gh', ['ghcr.io'], { 'ghcr.io': 'gus' });
    sandbox.writeConfig({
      auths: { 'a.example': {}, 'plain.example': { auth: 'dTpw' } },
      credsStore: 'store',
      credHelpers: { 'ghcr.io': 'gh' },
    });
    const run = await runCli(['logout', '--all'], sandbox.env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        'Removed login credentials for a.example',
        'Removed login credentials for b.example',
        'Removed login credentials for ghcr.io',
        'Removed login credentials for plain.example',
        '',
      ].join('\n'),
    );
    assert.deepEqual(calls(storeLog), [
      'list unused',
      'erase a.example',
      'erase b.example',
    ]);
    assert.deepEqual(calls(ghLog), ['list unused', 'erase ghcr.io']);
    assert.deepEqual(JSON.parse(readText()), {
      auths: {},
      credsStore: 'store',
      credHelpers: { 'ghcr.io': 'gh' },
    });
  });

  test('says so when there was nothing to erase', async () => {
    sandbox.writeConfig('{"psFormat":"x"}');
    const run = await runCli(['logout', '--all'], sandbox.env);
    assert.equal(run.status, 0);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      'Not logged in anywhere: no credentials were stored\n',
    );
    assert.equal(readText(), '{"psFormat":"x"}');
  });

  test('exits 1 and keeps what a failing helper may hold', async () => {
    sandbox.writeHelper('fake', exiting(1, 'store locked'));
    sandbox.writeConfig({
      auths: { 'a.example': {}, 'plain.example': { auth: 'dTpw' } },
      credsStore: 'fake',
    });
    const run = await runCli(['logout', '--all'], sandbox.env);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /failed to list: .*store locked/);
    assert.deepEqual(readAuths(), {
      'a.example': {},
      'plain.example': { auth: 'dTpw' },
    });
  });
});

describe(
  'logout with the real docker-credential-pass',
  { skip: PASS_UNAVAILABLE },
  () => {
    let store: PassStore;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      store = await createPassStore();
    });
    after(() => store?.cleanup());
    beforeEach(() => {
      env = { ...store.env, DOCKER_CONFIG: sandbox.configDir };
      sandbox.writeConfig({
        auths: { 'p.example:5000': {} },
        credsStore: 'pass',
      });
    });

    test("erases what pass holds, and knows pass's not-found answer", async () => {
      await helperStore(
        'pass',
        { serverURL: 'p.example:5000', username: 'alice', secret: 'pw' },
        { env: store.env },
      );
      const first = await runCli(['logout', 'p.example:5000'], env);
      assert.equal(first.status, 0, first.stderr);
      assert.equal(first.stderr, '');
      assert.deepEqual([...(await helperList('pass', { env: store.env }))], []);
      assert.deepEqual(readAuths(), {});

      const again = await runCli(['logout', 'p.example:5000'], env);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(
        again.stderr,
        'Not logged in to p.example:5000: no credentials were stored\n',
      );
    });

    test('login then logout through pass', async () => {
      const registry = await startLoginRegistry({ users: { alice: 'pw' } });
      try {
        const login = await runCli(
          ['login', '-u', 'alice', '--password-stdin', registry.host],
          env,
          'pw\n',
        );
        assert.equal(login.status, 0, login.stderr);
        assert.equal(login.stdout, 'Login Succeeded\n');
        assert.doesNotMatch(login.stderr, /unencrypted/);
        const listed = await helperList('pass', { env: store.env });
        assert.equal(listed.get(registry.host), 'alice');
        assert.deepEqual(readAuths()[registry.host], {});

        const logout = await runCli(['logout', registry.host], env);
        assert.equal(logout.status, 0, logout.stderr);
        assert.equal(logout.stderr, '');
        const after = await helperList('pass', { env: store.env });
        assert.equal(after.has(registry.host), false);
        assert.equal(readAuths()[registry.host], undefined);
      } finally {
        await registry.close();
      }
    });
  },
);
