// The whole forwarding story, with a container emulated: another user
// (nobody) with a HOME of its own, in an empty network namespace, running
// the real Docker CLI with only the forwarded helper, against a stand-in
// daemon on a unix socket. The host's agent answers for one registry.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN } from './support/cli.js';
import { watchProductProcess } from './support/leak-log.js';
import { runCommand } from './support/differential-run.js';
import { findDocker28, isolateNetwork } from './support/docker.js';
import {
  decodeRegistryAuth,
  startFakeDaemon,
  type FakeDaemon,
} from './support/fake-daemon.js';

/** The uid and gid the container runs as. */
const CONTAINER_ID = 65534;
const ALLOWED = '127.0.0.1:5000';
const REFUSED = '127.0.0.1:6000';
const NODE_HELPER = resolve('bin/docker-credential-regcred');

const DOCKER = findDocker28();
const SKIP =
  process.getuid?.() !== 0
    ? 'emulating a container needs root (setpriv, setfacl)'
    : DOCKER === undefined
      ? 'Docker CLI 28 not on PATH'
      : false;

/** What the host and the emulated container share for one run. */
interface World {
  root: string;
  hostConfig: string;
  agent: ChildProcess;
  agentSocket: string;
  daemon: FakeDaemon;
  isolation: string[];
}

let world: World;

/** A folder the container user may enter and read. */
function openFolder(path: string): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o755);
  return path;
}

async function startAgent(root: string, hostConfig: string) {
  const agentDir = openFolder(join(root, 'agent'));
  const agentSocket = join(agentDir, 'agent.sock');
  const args = [
    'agent',
    '--socket',
    agentSocket,
    '--allow',
    ALLOWED,
    '--allow-uid',
    String(CONTAINER_ID),
  ];
  const env = { PATH: '/usr/bin:/bin', HOME: root, DOCKER_CONFIG: hostConfig };
  const agent = spawn(process.execPath, [BIN, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  watchProductProcess('regcred', args, env, agent);
  let stdout = '';
  agent.stdout?.setEncoding('utf8');
  const exportLine = new Promise<void>((ready, fail) => {
    agent.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('export REGCRED_AGENT_SOCK')) ready();
    });
    agent.once('exit', (status) =>
      fail(new Error(`the agent exited (${status}) before it was ready`)),
    );
  });
  await exportLine;
  assert.equal(
    stdout,
    `REGCRED_AGENT_SOCK=${agentSocket}; export REGCRED_AGENT_SOCK;\n`,
  );
  return { agent, agentSocket };
}

before(async () => {
  if (SKIP) return;
  const root = openFolder(mkdtempSync(join(tmpdir(), 'regcred-dind-')));
  // the host's login: root's own, mode 0600 in a 0700 folder
  const hostConfig = join(root, 'host-docker');
  mkdirSync(hostConfig, { mode: 0o700 });
  const auth = (user: string, pw: string) =>
    Buffer.from(`${user}:${pw}`).toString('base64');
  writeFileSync(
    join(hostConfig, 'config.json'),
    JSON.stringify({
      auths: {
        [ALLOWED]: { auth: auth('alice', 'host-secret-5000') },
        [REFUSED]: { auth: auth('bob', 'host-secret-6000') },
      },
    }),
    { mode: 0o600 },
  );
  const { agent, agentSocket } = await startAgent(root, hostConfig);
  const daemon = await startFakeDaemon(openFolder(join(root, 'daemon')));
  chmodSync(dirname(daemon.socketPath), 0o755);
  chmodSync(daemon.socketPath, 0o666);
  const isolation = (await isolateNetwork()) ?? [];
  world = { root, hostConfig, agent, agentSocket, daemon, isolation };
});

after(async () => {
  if (SKIP || world === undefined) return;
  world.agent.kill('SIGTERM');
  await once(world.agent, 'exit');
  await world.daemon.close();
  rmSync(world.root, { recursive: true, force: true });
});

/**
 * A container's view: a HOME owned by the container user, a config with
 * `credsStore: regcred`, and a PATH of docker and the chosen helper.
 */
function makeContainer(name: string, helper: string): Record<string, string> {
  const home = openFolder(join(world.root, name));
  const bin = openFolder(join(home, 'bin'));
  symlinkSync(DOCKER ?? 'docker', join(bin, 'docker'));
  symlinkSync(helper, join(bin, 'docker-credential-regcred'));
  const config = openFolder(join(home, '.docker'));
  writeFileSync(
    join(config, 'config.json'),
    '{"auths":{},"credsStore":"regcred"}',
  );
  for (const path of [home, bin, config, join(config, 'config.json')]) {
    chownSync(path, CONTAINER_ID, CONTAINER_ID);
  }
  return {
    HOME: home,
    PATH: `${bin}:/usr/bin:/bin`,
    DOCKER_HOST: world.daemon.dockerHost,
    REGCRED_AGENT_SOCK: world.agentSocket,
  };
}

function asContainer(command: string[]): string[] {
  return [
    ...world.isolation,
    'setpriv',
    `--reuid=${CONTAINER_ID}`,
    `--regid=${CONTAINER_ID}`,
    '--clear-groups',
    ...command,
  ];
}

async function pullAuth(env: Record<string, string>, image: string) {
  const seen = world.daemon.pullAuthHeaders().length;
  const run = await runCommand(asContainer(['docker', 'pull', image]), env);
  assert.equal(run.exitCode, 0, run.stderr);
  const header = world.daemon.pullAuthHeaders()[seen];
  assert.ok(header !== undefined, 'the daemon saw no pull');
  return JSON.parse(decodeRegistryAuth(header)) as Record<string, string>;
}

/** The sh helper `regcred dind` writes, for images without Node. */
async function writeShHelper(): Promise<string> {
  const dir = openFolder(join(world.root, 'sh-helper'));
  const nowhere = join(world.root, 'no-agent.sock');
  const run = await runCommand(
    // --socket: no ping to the default socket, where a developer's own
    // agent may be listening
    [process.execPath, BIN, 'dind', '--helper-dir', dir, '--socket', nowhere],
    { PATH: '/usr/bin:/bin', HOME: world.root },
  );
  assert.equal(run.exitCode, 0, run.stderr);
  return join(dir, 'docker-credential-regcred');
}

describe('host credentials forwarded into a container', { skip: SKIP }, () => {
  test('the container user cannot read the host config', async () => {
    const env = makeContainer('c-read', NODE_HELPER);
    const hostFile = join(world.hostConfig, 'config.json');
    const run = await runCommand(asContainer(['cat', hostFile]), env);
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /Permission denied/);
  });

  test('a container user the agent does not admit is told why', async () => {
    const env = makeContainer('c-other', NODE_HELPER);
    const run = await runCommand(
      [
        ...world.isolation,
        'setpriv',
        '--reuid=65533',
        '--regid=65533',
        '--clear-groups',
        'docker-credential-regcred',
        'list',
      ],
      env,
    );
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /permission denied.*--allow-uid/);
  });

  for (const [name, helper] of [
    ['the Node helper', async () => NODE_HELPER],
    ['the sh helper', writeShHelper],
  ] as const) {
    test(`docker pull through ${name} sends the host's login`, async () => {
      const env = makeContainer(`c-${name.replace(/\W/g, '')}`, await helper());
      assert.deepEqual(await pullAuth(env, `${ALLOWED}/team/app:1`), {
        username: 'alice',
        password: 'host-secret-5000',
        serveraddress: ALLOWED,
      });
      // outside the allow-list: not found, so the pull goes anonymous
      const refused = await pullAuth(env, `${REFUSED}/team/app:1`);
      assert.equal(refused.password, undefined);
      assert.equal(refused.username, undefined);
    });
  }
});
