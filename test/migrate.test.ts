/**
 * `regcred migrate --to HELPER`: the plan, the verified move, and failures
 * half way that must leave every credential readable. Helpers are shell
 * scripts keeping one file per server in the sandbox.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
  HELPER_NOT_FOUND_MESSAGE,
} from '../src/stores/helper-client.js';
import { makeSandbox, runCli, type Sandbox } from './support/cli.js';
import { shellQuote } from './support/fake-helper.js';
import {
  createPassStore,
  PASS_UNAVAILABLE,
  type PassStore,
} from './support/pass-fixture.js';

let box: Sandbox;
let storeDir: string;
beforeEach(() => {
  box = makeSandbox();
  storeDir = join(box.dir, 'helper-store');
  mkdirSync(storeDir);
});
afterEach(() => box.cleanup());

const basic = (user: string, password: string) =>
  Buffer.from(`${user}:${password}`).toString('base64');

/** A file with two passwords, an identity token and a placeholder. */
const CONFIG = {
  auths: {
    'a.example': { auth: basic('ann', 'pw-a'), email: 'ann@a.example' },
    'b.example:5000': { auth: basic('bob', 'pw-b') },
    'c.example': { identitytoken: 'refresh-c' },
    'd.example': {},
  },
};

interface HelperQuirks {
  /** `store` fails from this call on (1 = the first). */
  failStoreFrom?: number;
  /** `get` answers this instead of what was stored. */
  lieOnGet?: { Username: string; Secret: string };
}

/**
 * A helper keeping each `store` request's JSON in a file named after the
 * server URL; `get` prints it back.
 */
function writeFileHelper(name: string, quirks: HelperQuirks = {}): void {
  const dir = shellQuote(storeDir);
  const notFound = `echo '${HELPER_NOT_FOUND_MESSAGE}'; exit 1`;
  const failFrom = quirks.failStoreFrom ?? 0;
  const get = quirks.lieOnGet
    ? `cat >/dev/null; printf '%s' ${shellQuote(JSON.stringify(quirks.lieOnGet))}`
    : `f=${dir}/$(key "$(cat)"); [ -f "$f" ] || { ${notFound}; }; cat "$f"`;
  box.writeHelper(
    name,
    [
      `key() { printf %s "$1" | base64 -w0 | tr '/+' '_-'; }`,
      `field() { v=\${1#*\\"$2\\":\\"}; printf %s "\${v%%\\"*}"; }`,
      `count=${dir}/.stores; n=$(cat "$count" 2>/dev/null || echo 0)`,
      'case "$1" in',
      `store) n=$((n + 1)); echo "$n" > "$count"; input=$(cat)`,
      `  if [ ${failFrom} -gt 0 ] && [ "$n" -ge ${failFrom} ]; then`,
      `    echo 'keyring locked'; exit 1; fi`,
      `  printf %s "$input" > ${dir}/$(key "$(field "$input" ServerURL)") ;;`,
      `get) ${get} ;;`,
      `*) cat >/dev/null; echo "unsupported $1"; exit 1 ;;`,
      'esac',
    ].join('\n'),
  );
}

function configPath(): string {
  return join(box.configDir, 'config.json');
}

function readConfig(): Record<string, unknown> {
  return JSON.parse(readFileSync(configPath(), 'utf8')) as Record<
    string,
    unknown
  >;
}

function migrate(...args: string[]) {
  return runCli(['migrate', ...args], box.env);
}

async function getAll(): Promise<string[]> {
  const keys = ['a.example/x', 'b.example:5000/x', 'c.example/x'];
  const runs = await Promise.all(
    keys.map((key) => runCli(['get', key], box.env)),
  );
  return runs.map((run) => `${run.status} ${run.stdout}`);
}

test('--dry-run prints the plan, no secret, and changes nothing', async () => {
  box.writeConfig(CONFIG);
  writeFileHelper('kr');
  const original = readFileSync(configPath());
  const run = await migrate('--to', 'kr', '--dry-run');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /a\.example \(ann\): would move to kr/);
  assert.match(run.stdout, /c\.example: would move to kr/);
  assert.match(run.stdout, /d\.example: stays in config\.json/);
  assert.match(run.stdout, /3 to move; nothing was changed/);
  assert.doesNotMatch(run.stdout + run.stderr, /pw-|refresh-c/);
  assert.deepEqual(readFileSync(configPath()), original);
  assert.deepEqual(readdirSync(storeDir), []);
});

test('moves every credential, then sets placeholders and credsStore', async () => {
  box.writeConfig(CONFIG);
  writeFileHelper('kr');
  const original = await getAll();
  assert.match(original[0] ?? '', /^0 .*"username":"ann"/);
  assert.match(original[2] ?? '', /^0 .*"identitytoken":"refresh-c"/);
  const run = await migrate('--to', 'kr');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Migrated 3 credential\(s\) to kr/);
  assert.doesNotMatch(run.stdout + run.stderr, /pw-|refresh-c/);
  assert.deepEqual(readConfig(), {
    auths: {
      'a.example': { email: 'ann@a.example' },
      'b.example:5000': {},
      'c.example': {},
      'd.example': {},
    },
    credsStore: 'kr',
  });
  assert.deepEqual(await getAll(), original);

  const again = await migrate('--to', 'kr');
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /Nothing to migrate/);
});

test('a store failing half way changes nothing and says where each is', async () => {
  box.writeConfig(CONFIG);
  writeFileHelper('kr', { failStoreFrom: 2 });
  const original = readFileSync(configPath());
  const run = await migrate('--to', 'kr');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Migration stopped, config\.json was not changed/);
  assert.match(run.stderr, /a\.example: in both config\.json and kr/);
  assert.match(run.stderr, /b\.example:5000: in config\.json \(kr may hold/);
  assert.match(run.stderr, /c\.example: only in config\.json/);
  assert.doesNotMatch(run.stdout + run.stderr, /pw-|refresh-c/);
  assert.deepEqual(readFileSync(configPath()), original);
});

test('a helper giving back other credentials is refused', async () => {
  box.writeConfig(CONFIG);
  writeFileHelper('kr', { lieOnGet: { Username: 'ann', Secret: 'other' } });
  const original = readFileSync(configPath());
  const run = await migrate('--to', 'kr');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /gave back other credentials than were stored/);
  assert.doesNotMatch(run.stderr, /other"|pw-a/);
  assert.deepEqual(readFileSync(configPath()), original);
});

test('a missing helper is an error, and nothing changes', async () => {
  box.writeConfig(CONFIG);
  const original = readFileSync(configPath());
  const run = await migrate('--to', 'absent');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /docker-credential-absent was not found on PATH/);
  assert.deepEqual(readFileSync(configPath()), original);
});

test('another credsStore is refused; credHelpers keys stay', async () => {
  box.writeConfig({ ...CONFIG, credsStore: 'other' });
  writeFileHelper('kr');
  const refused = await migrate('--to', 'kr');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /already sets credsStore 'other'/);

  box.writeConfig({ ...CONFIG, credHelpers: { 'b.example:5000': 'own' } });
  const run = await migrate('--to', 'kr');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /b\.example:5000 \(bob\): stays .*helper 'own'/);
  const auths = readConfig().auths as Record<string, unknown>;
  assert.deepEqual(auths['b.example:5000'], { auth: basic('bob', 'pw-b') });
});

test('migrate without --to is a usage error', async () => {
  const run = await migrate();
  assert.equal(run.status, 2);
  assert.match(run.stderr, /needs --to HELPER/);
});

describe(
  'migrate into the real docker-credential-pass',
  { skip: PASS_UNAVAILABLE },
  () => {
    let store: PassStore;
    before(async () => {
      store = await createPassStore();
    });
    after(() => store?.cleanup());

    test('moves passwords and identity tokens; get still finds them', async () => {
      const env = { ...store.env, DOCKER_CONFIG: box.configDir };
      box.writeConfig(CONFIG);
      const keys = ['a.example/x', 'b.example:5000/x', 'c.example/x'];
      const getAllWith = () =>
        Promise.all(keys.map((key) => runCli(['get', key], env)));
      const earlier = (await getAllWith()).map((run) => run.stdout);
      const run = await runCli(['migrate', '--to', 'pass'], env);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(readConfig().credsStore, 'pass');
      const listed = await helperList('pass', { env: store.env });
      assert.deepEqual([...listed].sort(), [
        ['a.example', 'ann'],
        ['b.example:5000', 'bob'],
        ['c.example', '<token>'],
      ]);
      const later = (await getAllWith()).map((got) => got.stdout);
      assert.deepEqual(later, earlier);
    });
  },
);
