import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigParseError, ConfigReadError } from '../src/errors.js';
import {
  credentialHelperList,
  MAX_REGISTRIES_CONF_BYTES,
  parseCredentialHelpers,
  registriesConfFiles,
} from '../src/podman/registries-conf.js';

const TEMP = mkdtempSync(join(tmpdir(), 'regcred-registries-conf-'));
after(() => rmSync(TEMP, { recursive: true, force: true }));

function parse(text: string): string[] | undefined {
  return parseCredentialHelpers(text, '/x/registries.conf');
}

test('reads the top-level credential-helpers array', () => {
  assert.equal(parse(''), undefined);
  assert.deepEqual(parse('credential-helpers = ["a", "b"]'), ['a', 'b']);
  assert.deepEqual(parse('"credential-helpers"=[\'lit\']\n'), ['lit']);
  assert.deepEqual(
    parse(
      '# c\nunqualified-search-registries = ["x.io", # one\n "y.io"]\n' +
        'short-name-mode = "enforcing"\nn = 1\nb = true\n' +
        't = { a = "]", b = [1, 2] }\n' +
        'credential-helpers = [\n  "one", # first\n  "two",\n]\n',
    ),
    ['one', 'two'],
  );
  assert.deepEqual(parse('credential-helpers = ["a\\u0062\\"c"]'), ['ab"c']);
  assert.deepEqual(parse('credential-helpers = []'), []);
});

test('a key inside a table is not the top-level list', () => {
  assert.equal(
    parse('[[registry]]\nlocation = "x"\ncredential-helpers = ["no"]\n'),
    undefined,
  );
  assert.deepEqual(
    parse('credential-helpers = ["yes"]\n[aliases]\n"a" = "docker.io/a"\n'),
    ['yes'],
  );
});

test('a value that is not an array of strings is an error with a line', () => {
  for (const text of [
    'credential-helpers = "one"',
    'credential-helpers = [1]',
    'credential-helpers = ["a" "b"]',
    'credential-helpers = ["unterminated]',
    'x = 1\ncredential-helpers = ["a",',
  ]) {
    assert.throws(
      () => parse(text),
      (error: unknown) =>
        error instanceof ConfigParseError && /line \d+/.test(error.message),
      text,
    );
  }
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(TEMP, 'tree-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('the files: system file and both drop-in dirs, in name order', () => {
  const root = tree({
    'etc/registries.conf': '',
    'etc/registries.conf.d/b.conf': '',
    'etc/registries.conf.d/a.conf': '',
    'etc/registries.conf.d/c.txt': '',
    'home/.config/containers/registries.conf.d/z.conf': '',
  });
  const context = {
    env: {},
    home: join(root, 'home'),
    systemDir: join(root, 'etc'),
  };
  assert.deepEqual(registriesConfFiles(context), [
    join(root, 'etc/registries.conf'),
    join(root, 'etc/registries.conf.d/a.conf'),
    join(root, 'etc/registries.conf.d/b.conf'),
    join(root, 'home/.config/containers/registries.conf.d/z.conf'),
  ]);
});

test("the user's own file replaces the system file and its drop-ins", () => {
  const root = tree({
    'etc/registries.conf.d/a.conf': '',
    'home/.config/containers/registries.conf': '',
    'home/.config/containers/registries.conf.d/z.conf': '',
  });
  const home = join(root, 'home');
  const user = join(home, '.config/containers/registries.conf');
  const context = { env: {}, home, systemDir: join(root, 'etc') };
  assert.deepEqual(registriesConfFiles(context), [user, `${user}.d/z.conf`]);
  // podman's CONTAINERS_REGISTRIES_CONF replaces the main file
  const explicit = join(root, 'explicit.conf');
  assert.deepEqual(
    registriesConfFiles({
      ...context,
      env: { CONTAINERS_REGISTRIES_CONF: explicit },
    }),
    [explicit, join(root, 'etc/registries.conf.d/a.conf'), `${user}.d/z.conf`],
  );
});

test('the list: later files replace it; none or [] means the auth files', () => {
  const none = tree({ 'etc/registries.conf': '[aliases]\n' });
  assert.deepEqual(
    credentialHelperList({ env: {}, home: none, systemDir: join(none, 'etc') }),
    { helpers: ['containers-auth.json'], source: null },
  );
  const root = tree({
    'etc/registries.conf': 'credential-helpers = ["sys"]\n',
    'etc/registries.conf.d/10.conf': 'credential-helpers = ["drop", "x"]\n',
    'etc/registries.conf.d/20.conf': 'short-name-mode = "permissive"\n',
  });
  const context = { env: {}, home: root, systemDir: join(root, 'etc') };
  assert.deepEqual(credentialHelperList(context), {
    helpers: ['drop', 'x'],
    source: join(root, 'etc/registries.conf.d/10.conf'),
  });
  writeFileSync(
    join(root, 'etc/registries.conf.d/30.conf'),
    'credential-helpers = []\n',
  );
  assert.deepEqual(credentialHelperList(context).helpers, [
    'containers-auth.json',
  ]);
});

test('an escape past U+10FFFF or a surrogate is a parse error, no crash', () => {
  for (const escape of ['\\UFFFFFFFF', '\\U00110000', '\\uD800']) {
    const text = `x = 1\ncredential-helpers = ["a${escape}"]`;
    assert.throws(
      () => parse(text),
      (error: unknown) =>
        error instanceof ConfigParseError &&
        error.message.includes('/x/registries.conf') &&
        error.message.includes('line 2') &&
        /not a Unicode scalar value/.test(error.message),
      text,
    );
  }
  assert.deepEqual(parse('credential-helpers = ["\\U0001F600"]'), [
    '\u{1F600}',
  ]);
});

test('a byte order mark at the start is skipped', () => {
  assert.deepEqual(parse('\uFEFFcredential-helpers = ["a"]\n'), ['a']);
  assert.deepEqual(parse('\uFEFF# c\n'), undefined);
});

test('a long list is read in linear time', () => {
  const entries = Array.from({ length: 200_000 }, (_, i) => `"h${i}"`);
  const text = `${'k = 1\n'.repeat(20_000)}credential-helpers = [${entries}]`;
  const started = performance.now();
  assert.equal(parse(text)?.length, 200_000);
  // linear is well under a second here; the quadratic reading took minutes
  assert.ok(performance.now() - started < 5_000);
});

/** The list with only `CONTAINERS_REGISTRIES_CONF` set to `path`. */
function listFor(path: string, home = TEMP) {
  return credentialHelperList({
    env: { CONTAINERS_REGISTRIES_CONF: path },
    home,
    systemDir: join(home, 'no-etc'),
  });
}

test('/dev/null as the file is an empty registries.conf', () => {
  assert.deepEqual(listFor('/dev/null'), {
    helpers: ['containers-auth.json'],
    source: null,
  });
});

test('a file over the size cap is refused before it is read', () => {
  const root = tree({ 'big.conf': '', 'etc/registries.conf.d/a.conf': '' });
  const big = join(root, 'big.conf');
  // sparse: no megabytes are written
  truncateSync(big, MAX_REGISTRIES_CONF_BYTES + 1);
  assert.throws(
    () => listFor(big, root),
    (error: unknown) =>
      error instanceof ConfigReadError &&
      error.path === big &&
      /more than the 1048576/.test(error.message) &&
      /unset CONTAINERS_REGISTRIES_CONF/.test(error.message),
  );
  // a drop-in gets the same cap
  const dropIn = join(root, 'etc/registries.conf.d/a.conf');
  truncateSync(dropIn, MAX_REGISTRIES_CONF_BYTES + 1);
  assert.throws(
    () =>
      credentialHelperList({
        env: {},
        home: root,
        systemDir: join(root, 'etc'),
      }),
    (error: unknown) =>
      error instanceof ConfigReadError && error.path === dropIn,
  );
});

test('a FIFO or a directory as the file is refused, saying which', () => {
  const root = tree({});
  const fifo = join(root, 'fifo.conf');
  const made = spawnSync('mkfifo', [fifo]);
  assert.equal(made.status, 0, String(made.stderr));
  assert.throws(
    () => listFor(fifo, root),
    (error: unknown) =>
      error instanceof ConfigReadError &&
      /not a regular file \(a FIFO/.test(error.message),
  );
  const dir = join(root, 'dir.conf');
  mkdirSync(dir);
  assert.throws(
    () => listFor(dir, root),
    (error: unknown) =>
      error instanceof ConfigReadError && /is a directory/.test(error.message),
  );
});
