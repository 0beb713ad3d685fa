import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { readConfigFile } from '../src/config/config-file.js';
import { HelperError } from '../src/errors.js';
import { HELPER_NOT_FOUND_MESSAGE } from '../src/stores/helper-client.js';
import {
  eraseAllCredentials,
  eraseCredentials,
  isNotStoredAnswer,
  storeCredentials,
  type CredentialWriterOptions,
} from '../src/stores/credential-writer.js';
import type { StoreSettings } from '../src/stores/store-choice.js';
import { makeSandbox, type Sandbox } from './support/cli.js';
import {
  exiting,
  notFound,
  readRecordedCalls,
  recording,
  shellQuote,
} from './support/fake-helper.js';

let sandbox: Sandbox;
let configPath: string;

beforeEach(() => {
  sandbox = makeSandbox();
  configPath = join(sandbox.configDir, 'config.json');
});

afterEach(() => sandbox.cleanup());

function settings(overrides: Partial<StoreSettings> = {}): StoreSettings {
  return {
    credHelpers: new Map(),
    credsStore: '',
    credsStoreDetected: false,
    ...overrides,
  };
}

function options(storeSettings = settings()): CredentialWriterOptions {
  return {
    configPath,
    settings: storeSettings,
    helper: { env: sandbox.env, timeoutMs: 5_000 },
  };
}

function readText(): string {
  return readFileSync(configPath, 'utf8');
}

function readAuths(): Record<string, unknown> {
  return (JSON.parse(readText()) as { auths: Record<string, unknown> }).auths;
}

/** A helper that logs its calls and answers each action as scripted. */
function writeHelper(name: string, actions: Record<string, string>): string {
  const log = join(sandbox.dir, `${name}.log`);
  const cases = Object.entries(actions)
    .map(([action, script]) => `${action}) ${script.replaceAll('\n', '; ')};;`)
    .join('\n');
  const fallback = 'cat >/dev/null; exit 0';
  sandbox.writeHelper(
    name,
    recording(log, `case "$1" in\n${cases}\n*) ${fallback};;\nesac`),
  );
  return log;
}

function calls(log: string): string[] {
  return readRecordedCalls(log).map(
    (call) => `${call.argv.join(' ')} ${call.stdin.toString('utf8')}`,
  );
}

/** Erase succeeds once for each key listed (then it is gone); other keys
 * get Docker's not-found answer. */
function erasing(...stored: string[]): string {
  const tests = stored.map((key, index) => {
    const gone = shellQuote(join(sandbox.dir, `erased-${index}`));
    return (
      `if [ "$key" = ${shellQuote(key)} ] && [ ! -e ${gone} ]; ` +
      `then : > ${gone}; exit 0; fi`
    );
  });
  const notStored = `echo '${HELPER_NOT_FOUND_MESSAGE}'; exit 1`;
  return ['key=$(cat)', ...tests, notStored].join('; ');
}

describe('storeCredentials() to the file store', () => {
  test('writes auth in Docker format and says a password went in plain text', async () => {
    const first = await storeCredentials(
      { key: 'r.example:5000', username: 'alice', password: 'pw' },
      options(),
    );
    assert.deepEqual(first, {
      store: { kind: 'file', source: 'file' },
      fileWritten: true,
      plaintextPassword: true,
    });
    assert.equal(
      readText(),
      '{\n\t"auths": {\n\t\t"r.example:5000": {\n\t\t\t"auth": "YWxpY2U6cHc="\n\t\t}\n\t}\n}',
    );
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
  });

  test('writes nothing, and warns of nothing, when the entry is unchanged', async () => {
    const creds = { key: 'r.example', username: 'alice', password: 'pw' };
    await storeCredentials(creds, options());
    const before = statSync(configPath);
    const again = await storeCredentials(creds, options());
    assert.equal(again.fileWritten, false);
    assert.equal(again.plaintextPassword, false);
    assert.equal(statSync(configPath).mtimeMs, before.mtimeMs);
    assert.equal(statSync(configPath).ino, before.ino);
  });

  test('stores an identity token with an empty password, without the warning', async () => {
    const outcome = await storeCredentials(
      {
        key: 'r.example',
        username: 'alice',
        password: 'ignored',
        identityToken: 'REFRESH-1',
      },
      options(),
    );
    assert.equal(outcome.plaintextPassword, false);
    assert.deepEqual(readAuths(), {
      'r.example': { auth: 'YWxpY2U6', identitytoken: 'REFRESH-1' },
    });
  });

  test('replaces the whole entry and keeps the others and unknown fields', async () => {
    sandbox.writeConfig({
      auths: {
        'r.example': { auth: 'b2xkOm9sZA==', identitytoken: 'OLD' },
        'other.example': { auth: 'dTpw' },
      },
      psFormat: 'x',
      unknownField: 1,
    });
    await storeCredentials(
      { key: 'r.example', username: 'bob', password: 'new' },
      options(),
    );
    const written = JSON.parse(readText()) as Record<string, unknown>;
    assert.deepEqual(written.auths, {
      'other.example': { auth: 'dTpw' },
      'r.example': { auth: 'Ym9iOm5ldw==' },
    });
    assert.equal(written.psFormat, 'x');
    assert.equal(written.unknownField, 1);
  });
});

describe('storeCredentials() through a helper', () => {
  test("sends Docker's exact stdin and leaves a {} placeholder", async () => {
    const log = writeHelper('fake', {});
    sandbox.writeConfig({ auths: {}, credsStore: 'fake' });
    const outcome = await storeCredentials(
      { key: '127.0.0.1:5102', username: 'alice', password: 's3cr:et' },
      options(settings({ credsStore: 'fake' })),
    );
    assert.equal(outcome.plaintextPassword, false);
    assert.deepEqual(calls(log), [
      'store {"ServerURL":"127.0.0.1:5102","Username":"alice","Secret":"s3cr:et"}\n',
    ]);
    assert.deepEqual(readAuths(), { '127.0.0.1:5102': {} });
    assert.equal(
      (JSON.parse(readText()) as { credsStore: string }).credsStore,
      'fake',
    );
  });

  test('stores an identity token as user <token>, escaped as Go escapes it', async () => {
    const log = writeHelper('fake', {});
    await storeCredentials(
      {
        key: 'localhost:5101',
        username: 'alice',
        password: '',
        identityToken: 'REFRESH-IDTOKEN-123',
      },
      options(settings({ credsStore: 'fake' })),
    );
    assert.deepEqual(calls(log), [
      'store {"ServerURL":"localhost:5101","Username":"\\u003ctoken\\u003e","Secret":"REFRESH-IDTOKEN-123"}\n',
    ]);
  });

  test('leaves {} beside the helper, as Docker, whatever the old entry held', async () => {
    writeHelper('fake', {});
    sandbox.writeConfig({
      auths: {
        'r.example': {
          auth: 'dTpw',
          email: 'u@example.com',
          registrytoken: 'RT',
          identitytoken: 'IT',
        },
      },
      credHelpers: { 'r.example': 'fake' },
    });
    await storeCredentials(
      { key: 'r.example', username: 'u', password: 'p2' },
      options(settings({ credHelpers: new Map([['r.example', 'fake']]) })),
    );
    assert.deepEqual(readAuths(), { 'r.example': {} });
    const written = JSON.parse(readText()) as Record<string, unknown>;
    assert.equal(written.credsStore, undefined, 'no credsStore invented');
  });

  test('persists a detected default store as credsStore, as Docker does', async () => {
    writeHelper('pass', {});
    const outcome = await storeCredentials(
      { key: 'det.example', username: 'u', password: 'p' },
      options(settings({ credsStore: 'pass', credsStoreDetected: true })),
    );
    assert.equal(outcome.store.kind, 'helper');
    assert.equal(
      readText(),
      '{\n\t"auths": {\n\t\t"det.example": {}\n\t},\n\t"credsStore": "pass"\n}',
    );
  });

  test('leaves the file as it was when the helper fails', async () => {
    sandbox.writeHelper('fake', exiting(1, 'fake failure'));
    const original =
      '{"auths":{"a.example":{"auth":"dTpw"}},"credsStore":"fake"}';
    sandbox.writeConfig(original);
    await assert.rejects(
      storeCredentials(
        { key: 'b.example', username: 'u', password: 'p' },
        options(settings({ credsStore: 'fake' })),
      ),
      (error: unknown) =>
        error instanceof HelperError &&
        error.action === 'store' &&
        /fake failure/.test(error.message),
    );
    assert.equal(readText(), original);
  });

  test('creates no file when the helper is missing', async () => {
    await assert.rejects(
      storeCredentials(
        { key: 'b.example', username: 'u', password: 'p' },
        options(settings({ credsStore: 'nope' })),
      ),
      (error: unknown) =>
        error instanceof HelperError && error.reason === 'not-found',
    );
    assert.equal(existsSync(configPath), false);
  });
});

describe('eraseCredentials()', () => {
  test('deletes exact file keys in one write and reports what was there', async () => {
    sandbox.writeConfig({
      auths: {
        h: { auth: 'dTpw' },
        'http://h': { auth: 'dTpw' },
        'http://h/v1/': { auth: 'dTpw' },
      },
    });
    const config = await readConfigFile(configPath);
    const results = await eraseCredentials(
      ['h', 'h', 'http://h', 'https://h'].map((key) => ({ key })),
      config,
      options(),
    );
    assert.deepEqual(
      results.map((r) => [r.key, r.outcome]),
      [
        ['h', 'erased'],
        ['h', 'erased'],
        ['http://h', 'erased'],
        ['https://h', 'absent'],
      ],
    );
    assert.deepEqual(readAuths(), { 'http://h/v1/': { auth: 'dTpw' } });
  });

  test('writes nothing and creates nothing when no key is stored', async () => {
    const missing = await readConfigFile(configPath);
    const none = await eraseCredentials([{ key: 'h' }], missing, options());
    assert.equal(none[0]?.outcome, 'absent');
    assert.equal(existsSync(configPath), false);

    sandbox.writeConfig('{"auths":{"other":{"auth":"dTpw"}}}');
    const before = statSync(configPath);
    const config = await readConfigFile(configPath);
    await eraseCredentials([{ key: 'h' }], config, options());
    assert.equal(statSync(configPath).mtimeMs, before.mtimeMs);
    assert.equal(readText(), '{"auths":{"other":{"auth":"dTpw"}}}');
  });

  test('calls the helper for each key in order, duplicates included', async () => {
    const log = writeHelper('fake', { erase: erasing('myreg:5000') });
    sandbox.writeConfig({ auths: { 'myreg:5000': {} }, credsStore: 'fake' });
    const config = await readConfigFile(configPath);
    const keys = [
      'myreg:5000',
      'myreg:5000',
      'http://myreg:5000',
      'https://myreg:5000',
    ];
    const results = await eraseCredentials(
      keys.map((key) => ({ key })),
      config,
      options(settings({ credsStore: 'fake' })),
    );
    assert.deepEqual(
      calls(log),
      keys.map((key) => `erase ${key}`),
    );
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['erased', 'absent', 'absent', 'absent'],
    );
    assert.deepEqual(readAuths(), {}, 'the placeholder went too');
  });

  test('keeps the file entry when the helper fails to erase', async () => {
    sandbox.writeHelper('fake', exiting(1, 'keychain locked'));
    sandbox.writeConfig({ auths: { h: {} }, credsStore: 'fake' });
    const config = await readConfigFile(configPath);
    const [result] = await eraseCredentials(
      [{ key: 'h' }],
      config,
      options(settings({ credsStore: 'fake' })),
    );
    assert.equal(result?.outcome, 'failed');
    assert.match(result?.error?.message ?? '', /keychain locked/);
    assert.deepEqual(readAuths(), { h: {} });
  });

  test('uses the store of each key: credHelpers exactly, the file otherwise', async () => {
    const log = writeHelper('fake', { erase: erasing('h') });
    sandbox.writeConfig({
      auths: { h: {}, 'https://h': { auth: 'dTpw' } },
      credHelpers: { h: 'fake' },
    });
    const config = await readConfigFile(configPath);
    const results = await eraseCredentials(
      ['h', 'h', 'http://h', 'https://h'].map((key) => ({ key })),
      config,
      options(settings({ credHelpers: new Map([['h', 'fake']]) })),
    );
    assert.deepEqual(calls(log), ['erase h', 'erase h']);
    assert.deepEqual(
      results.map((r) => [r.store.kind, r.outcome]),
      [
        ['helper', 'erased'],
        ['helper', 'absent'],
        ['file', 'absent'],
        ['file', 'erased'],
      ],
    );
    assert.deepEqual(readAuths(), {});
  });

  test('asks first, and erases only what is stored, for optional keys', async () => {
    const log = writeHelper('fake', { get: notFound().replaceAll('\n', '; ') });
    const config = await readConfigFile(configPath);
    const [result] = await eraseCredentials(
      [{ key: 'tok', storeKey: 'hub', onlyIfStored: true }],
      config,
      options(settings({ credsStore: 'fake' })),
    );
    assert.equal(result?.outcome, 'absent');
    assert.deepEqual(calls(log), ['get tok']);
  });
});

describe('eraseAllCredentials()', () => {
  test('empties auths and every helper, keeping the settings', async () => {
    const storeLog = writeHelper('store', {
      list: `cat >/dev/null; printf '%s' '{"a.example":"ann","b.example":"<token>"}'`,
    });
    const ghLog = writeHelper('gh', {
      list: `cat >/dev/null; printf '%s' '{"ghcr.io":"gus"}'`,
    });
    sandbox.writeConfig({
      auths: { 'a.example': {}, 'plain.example': { auth: 'dTpw' } },
      credsStore: 'store',
      credHelpers: { 'ghcr.io': 'gh', 'x.example': 'store' },
      psFormat: 'keep',
    });
    const config = await readConfigFile(configPath);
    const result = await eraseAllCredentials(
      config,
      options(
        settings({
          credsStore: 'store',
          credHelpers: config.credHelpers,
        }),
      ),
    );
    assert.deepEqual(result.failures, []);
    assert.deepEqual(
      result.removed.map((r) => `${r.store}:${r.key}`),
      [
        'store:a.example',
        'store:b.example',
        'gh:ghcr.io',
        'file:plain.example',
      ],
    );
    assert.deepEqual(calls(storeLog), [
      'list unused',
      'erase a.example',
      'erase b.example',
    ]);
    assert.deepEqual(calls(ghLog), ['list unused', 'erase ghcr.io']);
    const written = JSON.parse(readText()) as Record<string, unknown>;
    assert.deepEqual(written.auths, {});
    assert.equal(written.credsStore, 'store');
    assert.deepEqual(written.credHelpers, {
      'ghcr.io': 'gh',
      'x.example': 'store',
    });
    assert.equal(written.psFormat, 'keep');
  });

  test('keeps the placeholders of a helper that failed', async () => {
    sandbox.writeHelper('broken', exiting(1, 'store locked'));
    sandbox.writeConfig({
      auths: { 'a.example': {}, 'plain.example': { auth: 'dTpw' } },
      credHelpers: { 'a.example': 'broken' },
    });
    const config = await readConfigFile(configPath);
    const result = await eraseAllCredentials(
      config,
      options(settings({ credHelpers: config.credHelpers })),
    );
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0]?.action, 'list');
    assert.deepEqual(readAuths(), { 'a.example': {} });
  });
});

test("isNotStoredAnswer() knows Docker's and Debian pass's not-found", () => {
  const failure = (detail: string) =>
    new HelperError({
      helper: 'x',
      action: 'erase',
      serverAddress: 'h',
      reason: 'exit',
      detail,
    });
  assert.ok(
    isNotStoredAnswer(
      failure(
        'exited with status 1, printing `credentials not found in native keychain`',
      ),
    ),
  );
  assert.ok(
    isNotStoredAnswer(
      failure(
        'exited with status 1, printing `exit status 1: Error: [redacted] is not in the password store.`',
      ),
    ),
  );
  assert.ok(
    !isNotStoredAnswer(failure('exited with status 1, printing `locked`')),
  );
});
