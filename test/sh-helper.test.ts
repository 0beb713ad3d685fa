import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SH_HELPER_MARKER, shHelperScript } from '../src/dind/sh-helper.js';
import { startFakeAgent, type FakeAgent } from './support/fake-agent.js';

const NOT_FOUND = 'credentials not found in native keychain\n';
/** A secret with JSON escapes, a backslash, quotes and non-ASCII text. */
const AWKWARD_SECRET = 'p"a\\ss\'w$(rd)`x` é 😀 \u2028 end';
const CLIENTS = ['curl', 'socat', 'nc'] as const;
/** Shells to run the script with: dash always, busybox when installed. */
const SHELLS = ['/bin/dash', '/usr/bin/busybox'].filter((shell) =>
  existsSync(shell),
);

let dir: string;
let script: string;
let agent: FakeAgent;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-sh-'));
  script = join(dir, 'docker-credential-regcred');
  writeFileSync(script, shHelperScript('1.2.3'));
  chmodSync(script, 0o755);
  agent = await startFakeAgent({
    credentials: {
      'registry.example.test': { Username: 'alice', Secret: 's3cret' },
      'https://awkward.example.test/v1/': {
        Username: 'bö"b',
        Secret: AWKWARD_SECRET,
      },
    },
    // answers late, so a client that stops reading early fails here
    delayMs: 150,
  });
});

after(async () => {
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A bin folder holding only `tools` (links to the machine's). */
function binWith(name: string, tools: readonly string[]): string {
  const bin = join(dir, `bin-${name}`);
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  for (const tool of ['sh', 'cat', 'wc', ...tools]) {
    symlinkSync(`/usr/bin/${tool === 'sh' ? 'dash' : tool}`, join(bin, tool));
  }
  return bin;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the script with `shell`, `action` and stdin `input`. */
function runHelper(
  action: string,
  input: string,
  options: { shell?: string; env: NodeJS.ProcessEnv },
): Promise<Run> {
  const { shell = '/bin/dash', env } = options;
  const argv = shell.endsWith('busybox')
    ? ['sh', script, action]
    : [script, action];
  return new Promise((done, fail) => {
    const child = spawn(shell, argv, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
    // an action that needs no input may exit before reading it (EPIPE)
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

test('shHelperScript() is a marked POSIX sh script with the version', () => {
  const text = shHelperScript('9.9.9');
  assert.ok(text.startsWith(`#!/bin/sh\n${SH_HELPER_MARKER}\n`));
  assert.match(text, /VERSION='9\.9\.9'/);
  assert.doesNotMatch(text, /@[A-Z]+@/);
});

for (const shell of SHELLS) {
  for (const client of CLIENTS) {
    describe(`sh helper with ${client} under ${shell}`, () => {
      const env = () => ({
        PATH: binWith(client, [client]),
        REGCRED_AGENT_SOCK: agent.socket,
      });
      const run = (action: string, input = '') =>
        runHelper(action, input, { shell, env: env() });

      test('get prints the agent body byte for byte', async () => {
        const result = await run('get', 'registry.example.test');
        assert.equal(result.stdout, agent.getBody('registry.example.test'));
        assert.equal(result.status, 0);
        assert.deepEqual(agent.requests.at(-1), {
          method: 'POST',
          path: '/v1/get',
          body: 'registry.example.test',
        });
      });

      test('get passes quotes, backslashes and unicode intact', async () => {
        const url = 'https://awkward.example.test/v1/';
        const result = await run('get', url);
        assert.equal(result.stdout, agent.getBody(url));
        assert.equal(JSON.parse(result.stdout).Secret, AWKWARD_SECRET);
        assert.equal(result.status, 0);
      });

      test('get answers Docker not-found with exit 1', async () => {
        const result = await run('get', 'elsewhere.example.test');
        assert.equal(result.stdout, NOT_FOUND);
        assert.equal(result.status, 1);
      });

      test('list prints the agent list', async () => {
        const result = await run('list', 'unused');
        assert.deepEqual(agent.requests.at(-1), {
          method: 'GET',
          path: '/v1/list',
          body: '',
        });
        assert.deepEqual(JSON.parse(result.stdout), {
          'registry.example.test': 'alice',
          'https://awkward.example.test/v1/': 'bö"b',
        });
        assert.equal(result.status, 0);
      });
    });
  }
}

for (const client of CLIENTS) {
  describe(`sh helper with ${client} when the agent fails`, () => {
    test('an error status gives the agent message and exit 1', async () => {
      const failing = await startFakeAgent({
        failWith: { status: 503, message: 'too many requests in flight' },
      });
      try {
        const result = await runHelper('get', 'registry.example.test', {
          env: {
            PATH: binWith(client, [client]),
            REGCRED_AGENT_SOCK: failing.socket,
          },
        });
        assert.equal(
          result.stdout,
          'regcred agent: too many requests in flight\n',
        );
        assert.equal(result.status, 1);
      } finally {
        await failing.close();
      }
    });

    test('a socket nobody listens on gives a clear message', async () => {
      const stale = await staleSocket(client);
      const result = await runHelper('get', 'registry.example.test', {
        env: { PATH: binWith(client, [client]), REGCRED_AGENT_SOCK: stale },
      });
      assert.match(result.stdout, /^No answer from the regcred agent at /);
      assert.match(result.stdout, /'regcred agent' still running/);
      assert.equal(result.stdout.split('\n').length, 2);
      assert.equal(result.status, 1);
    });
  });
}

for (const client of CLIENTS) {
  test(`sh helper with ${client} puts no secret on any argv`, async () => {
    // every program the script may run, wrapped to log its argv
    const bin = join(dir, `shims-${client}`);
    const log = join(dir, `argv-${client}.log`);
    mkdirSync(bin);
    for (const tool of ['cat', 'wc', client]) {
      const shim = join(bin, tool);
      writeFileSync(
        shim,
        `#!/bin/dash\nprintf '%s\\n' "${tool} $*" >>'${log}'\n` +
          `exec /usr/bin/${tool} "$@"\n`,
      );
      chmodSync(shim, 0o755);
    }
    const url = 'https://awkward.example.test/v1/';
    const result = await runHelper('get', url, {
      env: { PATH: bin, REGCRED_AGENT_SOCK: agent.socket },
    });
    assert.equal(JSON.parse(result.stdout).Secret, AWKWARD_SECRET);
    const argv = readFileSync(log, 'utf8');
    assert.match(argv, new RegExp(`^${client} `, 'm'));
    assert.ok(!argv.includes(AWKWARD_SECRET.slice(0, 6)), argv);
  });
}

/** Makes a socket file that nothing listens on (a stopped agent). */
async function staleSocket(name: string): Promise<string> {
  const live = join(dir, `live-${name}.sock`);
  const stale = join(dir, `stale-${name}.sock`);
  const server = createServer();
  await new Promise<void>((done) => server.listen(live, () => done()));
  linkSync(live, stale);
  await new Promise<void>((done) => server.close(() => done()));
  return stale;
}

describe('sh helper without what it needs', () => {
  test('no client tool names what to install', async () => {
    const result = await runHelper('get', 'registry.example.test', {
      env: { PATH: binWith('none', []), REGCRED_AGENT_SOCK: agent.socket },
    });
    assert.match(result.stdout, /needs curl, socat or nc/);
    assert.match(result.stdout, /apk add curl/);
    assert.equal(result.status, 1);
  });

  test('an nc without -U (busybox) counts as no client', async () => {
    const bin = binWith('busybox-nc', []);
    writeFileSync(join(bin, 'nc'), '#!/bin/sh\necho "Usage: nc [-lp] HOST"\n');
    chmodSync(join(bin, 'nc'), 0o755);
    const result = await runHelper('get', 'registry.example.test', {
      env: { PATH: bin, REGCRED_AGENT_SOCK: agent.socket },
    });
    assert.match(result.stdout, /apk add curl/);
    assert.equal(result.status, 1);
  });

  test('no REGCRED_AGENT_SOCK says how to set it', async () => {
    const result = await runHelper('get', 'registry.example.test', {
      env: { PATH: binWith('curl', ['curl']) },
    });
    assert.match(result.stdout, /^REGCRED_AGENT_SOCK is not set: /);
    assert.equal(result.status, 1);
  });

  test('a non-socket REGCRED_AGENT_SOCK says to start the agent', async () => {
    const result = await runHelper('get', 'registry.example.test', {
      env: { PATH: binWith('curl', ['curl']), REGCRED_AGENT_SOCK: script },
    });
    assert.match(result.stdout, /regcred agent --allow REGISTRY/);
    assert.equal(result.status, 1);
  });
});

test(
  'a socket the uid may not use says to pass --allow-uid',
  { skip: process.getuid?.() !== 0 && 'needs root to switch uid' },
  async () => {
    const open = mkdtempSync(join(tmpdir(), 'regcred-sh-uid-'));
    chmodSync(open, 0o755);
    const copy = join(open, 'docker-credential-regcred');
    writeFileSync(copy, shHelperScript('1.2.3'), { mode: 0o755 });
    const socket = join(open, 'agent.sock');
    const server = createServer();
    await new Promise<void>((done) => server.listen(socket, done));
    chmodSync(socket, 0o600);
    try {
      const child = spawn(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/dash'],
        { env: { PATH: '/usr/bin:/bin', REGCRED_AGENT_SOCK: socket } },
      );
      child.stdin.end(`exec ${copy} get <<'EOF'\nregistry.example.test\nEOF\n`);
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
      const [status] = await once(child, 'close');
      assert.equal(status, 1);
      assert.match(stdout, /uid 65534 may not use the agent's socket/);
      assert.match(stdout, /--allow-uid\s+65534/);
    } finally {
      server.close();
      rmSync(open, { recursive: true, force: true });
    }
  },
);

describe('an agent that accepts and never answers', () => {
  for (const client of CLIENTS) {
    test(`the sh helper with ${client} gives up after its timeout`, async () => {
      const quick = join(dir, 'docker-credential-regcred-quick');
      writeFileSync(quick, shHelperScript('1.2.3', 1), { mode: 0o755 });
      const socket = join(dir, `silent-${client}.sock`);
      const held: Socket[] = [];
      const server = createServer((connection) => held.push(connection));
      await new Promise<void>((done) => server.listen(socket, done));
      try {
        const started = performance.now();
        const child = spawn('/bin/dash', [quick, 'get'], {
          env: { PATH: binWith(client, [client]), REGCRED_AGENT_SOCK: socket },
        });
        child.stdin.end('registry.example.test');
        const [status] = await once(child, 'close');
        assert.notEqual(status, 0);
        assert.ok(performance.now() - started < 15_000);
      } finally {
        for (const connection of held) connection.destroy();
        server.close();
      }
    });
  }
});

describe('sh helper actions that need no agent', () => {
  const env = () => ({
    PATH: binWith('curl', ['curl']),
    REGCRED_AGENT_SOCK: agent.socket,
  });

  for (const action of ['store', 'erase']) {
    test(`${action} is refused without asking the agent`, async () => {
      const before = agent.requests.length;
      const input =
        action === 'store'
          ? '{"ServerURL":"r.test","Username":"u","Secret":"p"}\n'
          : 'r.test';
      const result = await runHelper(action, input, { env: env() });
      assert.match(result.stdout, /read-only; log in or out on the host/);
      assert.doesNotMatch(result.stdout + result.stderr, /"p"/);
      assert.equal(result.status, 1);
      assert.equal(agent.requests.length, before);
    });
  }

  test('version prints the version', async () => {
    const result = await runHelper('version', '', { env: env() });
    assert.equal(
      result.stdout,
      'docker-credential-regcred (regcred) 1.2.3 (sh)\n',
    );
    assert.equal(result.status, 0);
  });

  test('an unknown action prints the usage and exit 1', async () => {
    const result = await runHelper('frobnicate', '', { env: env() });
    assert.match(result.stdout, /^Usage: docker-credential-regcred/);
    assert.match(result.stdout, /unknown credential action: frobnicate/);
    assert.equal(result.status, 1);
  });

  test('an empty server URL is refused as Docker helpers do', async () => {
    const result = await runHelper('get', '', { env: env() });
    assert.equal(result.stdout, 'no credentials server URL\n');
    assert.equal(result.status, 1);
  });
});
