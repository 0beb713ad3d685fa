// Every command that starts a credential helper starts it as Docker does:
// argv is the action alone (never a secret), the environment is the one
// regcred was given (nothing added, nothing removed), and the helper's
// parent is the regcred process the test started, with the argv the test
// gave it (no re-exec carrying a secret).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { HELPER_NOT_FOUND_MESSAGE } from '../src/stores/helper-reply.js';
import { BIN, makeSandbox, runCli, type Sandbox } from './support/cli.js';
import {
  readRecordedCalls,
  recording,
  shellQuote,
  type RecordedCall,
} from './support/fake-helper.js';
import { watchProductProcess } from './support/leak-log.js';
import {
  startLoginRegistry,
  type LoginRegistry,
} from './support/login-registry.js';

const HELPER_SECRET = 'helper-held-Secret-81';
const FILE_SECRET = 'file-held-Secret-27';
const LOGIN_PASSWORD = 'login-typed-Secret-63';
const SECRETS = [HELPER_SECRET, FILE_SECRET, LOGIN_PASSWORD];

let box: Sandbox;
let storeDir: string;
let callLog: string;
let parentLog: string;
/** The whole environment every regcred run gets. */
let env: NodeJS.ProcessEnv;
let registry: LoginRegistry;

before(async () => {
  registry = await startLoginRegistry({ users: { bob: LOGIN_PASSWORD } });
});
after(() => registry.close());

beforeEach(() => {
  box = makeSandbox();
  storeDir = join(box.dir, 'store');
  mkdirSync(storeDir);
  callLog = join(box.dir, 'calls.log');
  parentLog = join(box.dir, 'parents.log');
  box.writeHelper('rec', recording(callLog, storeBehaviour()));
  // variables regcred has no use for must reach the helper all the same
  env = {
    ...box.env,
    LANG: 'C.UTF-8',
    XDG_RUNTIME_DIR: join(box.dir, 'run'),
    EMPTY_VARIABLE: '',
    SPACED_VARIABLE: ' two words ',
  };
  storeInHelper('reg.example', 'hal', HELPER_SECRET);
});
afterEach(() => box.cleanup());

/** The file that holds what the helper keeps for `server`. */
function storeFile(server: string): string {
  const key = Buffer.from(server).toString('base64');
  return join(storeDir, key.replaceAll('/', '_').replaceAll('+', '-'));
}

function storeInHelper(server: string, user: string, secret: string) {
  const entry = { ServerURL: server, Username: user, Secret: secret };
  writeFileSync(storeFile(server), JSON.stringify(entry));
}

/**
 * A helper keeping each `store` request in a file named after the server
 * URL (an erased one is left empty), and noting its parent's argv.
 */
function storeBehaviour(): string {
  const dir = shellQuote(storeDir);
  const notFound = `echo '${HELPER_NOT_FOUND_MESSAGE}'; exit 1`;
  return [
    `base64 -w0 </proc/$PPID/cmdline >>${shellQuote(parentLog)}`,
    `echo >>${shellQuote(parentLog)}`,
    `key() { printf %s "$1" | base64 -w0 | tr '/+' '_-'; }`,
    `field() { v=\${1#*\\"$2\\":\\"}; printf %s "\${v%%\\"*}"; }`,
    'case "$1" in',
    'store) input=$(cat)',
    `  printf %s "$input" >${dir}/$(key "$(field "$input" ServerURL)") ;;`,
    `get) f=${dir}/$(key "$(cat)"); [ -s "$f" ] || { ${notFound}; }`,
    '  cat "$f" ;;',
    `erase) : >${dir}/$(key "$(cat)") ;;`,
    `list) cat >/dev/null; printf '{'; sep=''`,
    `  for f in ${dir}/*; do [ -s "$f" ] || continue; e=$(cat "$f")`,
    `    printf '%s"%s":"%s"' "$sep" "$(field "$e" ServerURL)" \\`,
    '      "$(field "$e" Username)"; sep=,',
    `  done; printf '}' ;;`,
    'esac',
  ].join('\n');
}

function readParents(): string[][] {
  const text = readFileSync(parentLog, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) =>
      Buffer.from(line, 'base64').toString('utf8').split('\0').slice(0, -1),
    );
}

/**
 * Checks every helper call of a command: the actions expected, argv the
 * action alone, the environment exactly `env`, and the parent the regcred
 * process started with `args`.
 */
function checkCalls(args: readonly string[], actions: readonly string[]) {
  const calls: RecordedCall[] = readRecordedCalls(callLog);
  assert.deepEqual(
    [...new Set(calls.map((call) => call.argv[0]))].sort(),
    [...actions].sort(),
  );
  for (const call of calls) {
    assert.equal(call.argv.length, 1, `argv: ${call.argv.join(' ')}`);
    assert.deepEqual(call.env, env);
  }
  const parents = readParents();
  assert.equal(parents.length, calls.length);
  for (const parent of parents) {
    assert.deepEqual(parent, [process.execPath, BIN, ...args]);
    for (const secret of SECRETS) {
      assert.equal(parent.join(' ').includes(secret), false);
    }
  }
}

async function runChecked(
  args: string[],
  actions: string[],
  input = '',
): Promise<string> {
  const run = await runCli(args, env, input);
  assert.equal(run.status, 0, run.stderr);
  checkCalls(args, actions);
  return run.stdout;
}

test('get', async () => {
  box.writeConfig({ credsStore: 'rec' });
  const stdout = await runChecked(['get', 'reg.example/app'], ['get']);
  assert.match(stdout, new RegExp(HELPER_SECRET));
});

test('list', async () => {
  box.writeConfig({ credsStore: 'rec' });
  await runChecked(['list', '--json'], ['list']);
});

test('explain', async () => {
  box.writeConfig({ credsStore: 'rec' });
  await runChecked(['explain', 'reg.example/app'], ['get']);
});

test('login and logout', async () => {
  box.writeConfig({ credsStore: 'rec' });
  const login = ['login', '-u', 'bob', '--password-stdin', registry.host];
  await runChecked(login, ['store'], `${LOGIN_PASSWORD}\n`);
  assert.match(readFileSync(storeFile(registry.host), 'utf8'), /login-typed/);

  rmSync(callLog);
  rmSync(parentLog);
  await runChecked(['logout', registry.host], ['erase']);
});

test('migrate', async () => {
  const auth = Buffer.from(`fay:${FILE_SECRET}`).toString('base64');
  box.writeConfig({ auths: { 'file.example': { auth } } });
  await runChecked(['migrate', '--to', 'rec'], ['store', 'get']);
  assert.match(readFileSync(storeFile('file.example'), 'utf8'), /file-held/);
});

test('k8s secret', async () => {
  box.writeConfig({ credsStore: 'rec' });
  await runChecked(['k8s', 'secret', 'pull', 'reg.example'], ['get']);
});

test('kubelet credential provider', async () => {
  box.writeConfig({ credsStore: 'rec' });
  const request = JSON.stringify({
    kind: 'CredentialProviderRequest',
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    image: 'reg.example/app',
  });
  await runChecked(['kubelet-credential-provider'], ['get'], request);
});

test('agent', async () => {
  box.writeConfig({ credsStore: 'rec' });
  const socket = join(box.dir, 'agent.sock');
  const args = ['agent', '--socket', socket, '--allow', 'reg.example'];
  const agent = spawn(process.execPath, [BIN, ...args], { env });
  watchProductProcess('regcred', args, env, agent);
  try {
    await once(agent.stdout, 'data');
    const answer = spawnSync(
      'curl',
      [
        '-sf',
        '--unix-socket',
        socket,
        '--data-binary',
        'reg.example',
        'http://agent/v1/get',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(answer.status, 0, answer.stderr);
    assert.match(answer.stdout, new RegExp(HELPER_SECRET));
  } finally {
    agent.kill('SIGTERM');
    await once(agent, 'close');
  }
  checkCalls(args, ['get']);
});
