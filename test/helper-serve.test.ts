// serveCredentialHelper against the exact bytes Docker sends and expects
// (docs/reference: docker-cli-auth.md §4.2 and §10.7).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import {
  serveCredentialHelper,
  type CredentialHelperStore,
  type HelperCredentials,
} from '../src/helper/serve.js';

/** A writable store in memory, recording the server URLs it was asked. */
function memoryStore(entries: Record<string, HelperCredentials> = {}) {
  const saved = new Map(Object.entries(entries));
  const asked: string[] = [];
  const store: CredentialHelperStore = {
    async get(serverURL) {
      asked.push(serverURL);
      return saved.get(serverURL);
    },
    async store(serverURL, credentials) {
      saved.set(serverURL, credentials);
    },
    async erase(serverURL) {
      return saved.delete(serverURL);
    },
    async list() {
      const listing: Record<string, string> = {};
      for (const [key, value] of saved) listing[key] = value.username;
      return listing;
    },
  };
  return { store, saved, asked };
}

async function serve(
  store: CredentialHelperStore,
  argv: string[],
  stdin: string | Uint8Array | Readable = '',
) {
  const chunks: Uint8Array[] = [];
  const status = await serveCredentialHelper(store, {
    argv,
    stdin,
    stdout: { write: (chunk) => chunks.push(chunk) },
    name: 'docker-credential-test',
    packageName: 'regcred-test',
    version: '1.2.3',
  });
  return { status, stdout: Buffer.concat(chunks).toString('utf8') };
}

const NOT_FOUND = 'credentials not found in native keychain\n';

describe('serveCredentialHelper get', () => {
  test('prints the credentials with the asked server URL', async () => {
    const { store } = memoryStore({
      'raw.example': { username: 'alice', secret: 's3cr:et' },
    });
    const run = await serve(store, ['get'], 'raw.example');
    assert.deepEqual(run, {
      status: 0,
      stdout:
        '{"ServerURL":"raw.example","Username":"alice","Secret":"s3cr:et"}\n',
    });
  });

  test('escapes as Go does, <token> included', async () => {
    const { store } = memoryStore({
      a: { username: '<token>', secret: 'p"w\\<&>\u2028' },
    });
    const run = await serve(store, ['get'], 'a');
    assert.equal(
      run.stdout,
      '{"ServerURL":"a","Username":"\\u003ctoken\\u003e",' +
        '"Secret":"p\\"w\\\\\\u003c\\u0026\\u003e\\u2028"}\n',
    );
  });

  test('joins stdin lines without separators, then trims', async () => {
    const { store, asked } = memoryStore();
    await serve(store, ['get'], ' reg\r\n.exam\nple \n');
    await serve(store, ['get'], Readable.from(['a.', Buffer.from('b\n')]));
    assert.deepEqual(asked, ['reg.example', 'a.b']);
  });

  test('not found is the exact text Docker recognises, exit 1', async () => {
    const run = await serve(memoryStore().store, ['get'], 'nope.example');
    assert.deepEqual(run, { status: 1, stdout: NOT_FOUND });
  });

  test('an empty server URL is the missing-server-URL error', async () => {
    const run = await serve(memoryStore().store, ['get'], ' \r\n\n');
    assert.deepEqual(run, { status: 1, stdout: 'no credentials server URL\n' });
  });

  test("a store's error goes to stdout on one line, exit 1", async () => {
    const store: CredentialHelperStore = {
      async get() {
        throw new Error('the vault is\nlocked');
      },
    };
    const run = await serve(store, ['get'], 'a');
    assert.deepEqual(run, { status: 1, stdout: 'the vault is locked\n' });
  });
});

describe('serveCredentialHelper store and erase', () => {
  test('store decodes the JSON Docker sends, escaping included', async () => {
    const { store, saved } = memoryStore();
    const input =
      '{"ServerURL":"localhost:5101","Username":"b\\u003co\\u003eb",' +
      '"Secret":"p\\"w\\\\\\u003c"}\n';
    const run = await serve(store, ['store'], input);
    assert.deepEqual(run, { status: 0, stdout: '' });
    assert.deepEqual(saved.get('localhost:5101'), {
      username: 'b<o>b',
      secret: 'p"w\\<',
    });
  });

  test('store matches keys without regard to case, as Go', async () => {
    const { store, saved } = memoryStore();
    await serve(store, ['store'], '{"serverurl":"a","USERNAME":"u"}');
    assert.deepEqual(saved.get('a'), { username: 'u', secret: '' });
  });

  test('store refuses an empty ServerURL or Username', async () => {
    const { store, saved } = memoryStore();
    const noURL = await serve(store, ['store'], '{"Username":"u"}');
    assert.deepEqual(noURL, {
      status: 1,
      stdout: 'no credentials server URL\n',
    });
    const noUser = await serve(store, ['store'], '{"ServerURL":"a"}');
    assert.deepEqual(noUser, {
      status: 1,
      stdout: 'no credentials username\n',
    });
    assert.equal(saved.size, 0);
  });

  test('store refuses text that is not JSON without quoting it', async () => {
    const run = await serve(memoryStore().store, ['store'], 'hunter2');
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^the credentials to store are not JSON/);
    assert.doesNotMatch(run.stdout, /hunter2/);
  });

  test('erase removes; erasing nothing is not found', async () => {
    const { store, saved } = memoryStore({
      'localhost:5101': { username: 'u', secret: 's' },
    });
    const first = await serve(store, ['erase'], 'localhost:5101');
    assert.deepEqual(first, { status: 0, stdout: '' });
    assert.equal(saved.size, 0);
    const second = await serve(store, ['erase'], 'localhost:5101');
    assert.deepEqual(second, { status: 1, stdout: NOT_FOUND });
  });

  test('a read-only store says so for store, erase and list', async () => {
    const store: CredentialHelperStore = { get: async () => undefined };
    const input = '{"ServerURL":"a","Username":"u","Secret":"s"}\n';
    for (const [action, stdin] of [
      ['store', input],
      ['erase', 'a'],
      ['list', 'unused'],
    ] as const) {
      const run = await serve(store, [action], stdin);
      assert.equal(run.status, 1);
      assert.equal(
        run.stdout,
        `this credential helper is read-only: it cannot ${action} ` +
          'credentials\n',
      );
    }
  });
});

describe('serveCredentialHelper list, version and usage', () => {
  test('list prints the map and a newline', async () => {
    const { store } = memoryStore({
      '127.0.0.1:5102': { username: 'alice', secret: 'x' },
      'localhost:5101': { username: '<token>', secret: 'y' },
    });
    const run = await serve(store, ['list'], 'unused');
    assert.deepEqual(run, {
      status: 0,
      stdout:
        '{"127.0.0.1:5102":"alice","localhost:5101":"\\u003ctoken\\u003e"}\n',
    });
  });

  test('version, --version and -v print name, package and version', async () => {
    for (const arg of ['version', '--version', '-v']) {
      const run = await serve(memoryStore().store, [arg]);
      assert.deepEqual(run, {
        status: 0,
        stdout: 'docker-credential-test (regcred-test) 1.2.3\n',
      });
    }
  });

  test('--help and -h print the usage, exit 0', async () => {
    for (const arg of ['--help', '-h']) {
      const run = await serve(memoryStore().store, [arg]);
      assert.equal(run.status, 0);
      assert.match(run.stdout, /^Usage: docker-credential-test <store\|get/);
    }
  });

  test('no action or two print the usage on stdout, exit 1', async () => {
    for (const argv of [[], ['get', 'list']]) {
      const run = await serve(memoryStore().store, argv);
      assert.equal(run.status, 1);
      assert.equal(
        run.stdout,
        'Usage: docker-credential-test <store|get|erase|list|version>\n',
      );
    }
  });

  test('an unknown action is an error naming it', async () => {
    const run = await serve(memoryStore().store, ['fetch'], 'a');
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^unknown credential action `fetch`/);
  });
});
