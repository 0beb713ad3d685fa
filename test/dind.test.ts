import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  linkSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { parseCommandLine } from '../src/cli/args.js';
import { runDind } from '../src/cli/commands/dind.js';
import { createOutput } from '../src/cli/output.js';
import { defaultAgentSocket } from '../src/dind/agent-socket.js';
import type { DindReport } from '../src/dind/dind-report.js';
import { defaultHelperDir } from '../src/dind/helper-files.js';
import { shHelperScript } from '../src/dind/sh-helper.js';
import { startFakeAgent, type FakeAgent } from './support/fake-agent.js';

let agent: FakeAgent;
let dir: string;
let helperDir: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  agent = await startFakeAgent({
    credentials: { 'registry.example.test': { Username: 'u', Secret: 'p' } },
  });
});

after(async () => {
  await agent.close();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-dind-'));
  helperDir = join(dir, 'helper');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  env = {
    PATH: bin,
    HOME: join(dir, 'home'),
    DOCKER_HOST: `unix://${join(dir, 'docker.sock')}`,
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an executable script into the test's PATH. */
function writeProgram(name: string, script: string): string {
  const path = join(dir, 'bin', name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Runs `regcred dind ...args` in-process; returns status and output. */
async function dind(args: string[]) {
  let stdout = '';
  let stderr = '';
  const stream = (append: (text: string) => void) =>
    ({
      isTTY: false,
      write(chunk: string) {
        append(chunk);
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  const out = createOutput({
    env,
    stdout: stream((t) => (stdout += t)),
    stderr: stream((t) => (stderr += t)),
  });
  const line = parseCommandLine(['dind', ...args]);
  const status = await runDind({ line, out, env, helperTimeoutMs: 1000 });
  return { status, stdout, stderr };
}

async function dindJson(args: string[] = []): Promise<DindReport> {
  const result = await dind([...args, '--json']);
  assert.equal(result.status, 0);
  return JSON.parse(result.stdout) as DindReport;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('dind prints three recipes and recommends forwarding', async () => {
  const result = await dind([
    '--socket',
    agent.socket,
    '--helper-dir',
    helperDir,
  ]);
  assert.equal(result.status, 0);
  const text = result.stdout;
  assert.match(
    text,
    /^1\. Forward lookups to the regcred agent \(recommended\)$/m,
  );
  assert.match(text, /^2\. Copy the login into the container \(classic\)/m);
  assert.match(text, /^3\. Docker's --use-api-socket/m);
  assert.match(text, /^Recommended: 1\. forwarding\.$/m);
  for (const expected of [
    `-v ${agent.socket}:/run/regcred/agent.sock \\`,
    `-v ${helperDir}/docker-credential-regcred:` +
      '/usr/local/bin/docker-credential-regcred:ro \\',
    `-v ${helperDir}/docker-config:/run/regcred/docker-config:ro \\`,
    '-e REGCRED_AGENT_SOCK=/run/regcred/agent.sock \\',
    '-e DOCKER_CONFIG=/run/regcred/docker-config \\',
    `-v ${dir}/docker.sock:/var/run/docker.sock \\`,
    `- ${agent.socket}:/run/regcred/agent.sock`,
    'REGCRED_AGENT_SOCK: /run/regcred/agent.sock',
  ]) {
    assert.ok(text.includes(expected), `missing: ${expected}`);
  }
  assert.match(text, /ok {7}a regcred agent answers at /);
  assert.doesNotMatch(result.stderr, /regcred agent/);
  assert.ok(agent.requests.some((r) => r.path === '/v1/ping'));
});

test('dind writes the helper 0755 and config.json 0644', async () => {
  const report = await dindJson(['--helper-dir', helperDir]);
  const helper = join(helperDir, 'docker-credential-regcred');
  const config = join(helperDir, 'docker-config', 'config.json');
  assert.deepEqual(report.files, {
    dir: helperDir,
    helper,
    configDir: join(helperDir, 'docker-config'),
    config,
  });
  assert.equal(mode(helper), '755');
  assert.equal(mode(config), '644');
  assert.equal(readFileSync(helper, 'utf8'), shHelperScript());
  assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), {
    auths: {},
    credsStore: 'regcred',
  });

  // a second run replaces its own files, even with a strict umask
  chmodSync(helper, 0o700);
  await dindJson(['--helper-dir', helperDir]);
  assert.equal(mode(helper), '755');
});

test('dind leaves alone a file it did not write', async () => {
  mkdirSync(helperDir);
  const foreign = join(helperDir, 'docker-credential-regcred');
  writeFileSync(foreign, '#!/bin/sh\necho mine\n');
  await assert.rejects(dind(['--helper-dir', helperDir]), {
    code: 'ERR_CONFIG_WRITE',
    message: /did not write is in the way.*--helper-dir/,
  });
  assert.equal(readFileSync(foreign, 'utf8'), '#!/bin/sh\necho mine\n');
});

test('dind --json gives the report as data', async () => {
  const report = await dindJson([
    '--socket',
    agent.socket,
    '--helper-dir',
    helperDir,
  ]);
  assert.deepEqual(report.agent, {
    socket: agent.socket,
    source: '--socket',
    status: 'listening',
  });
  assert.equal(report.recommended, 'forwarding');
  assert.match(report.reason, /copies no secret/);
  assert.deepEqual(
    report.recipes.map((r) => [r.name, r.recommended]),
    [
      ['forwarding', true],
      ['classic', false],
      ['use-api-socket', false],
    ],
  );
  const forwarding = report.recipes[0];
  assert.ok(
    forwarding?.dockerRunFlags.includes(
      `${agent.socket}:/run/regcred/agent.sock`,
    ),
  );
  assert.deepEqual(forwarding?.environment, {
    REGCRED_AGENT_SOCK: '/run/regcred/agent.sock',
    DOCKER_CONFIG: '/run/regcred/docker-config',
  });
  assert.match(forwarding?.compose ?? '', /^services:\n {2}app:\n/);
  // docker:cli has no curl, socat or nc -U: the example adds curl
  assert.match(
    forwarding?.compose ?? '',
    /command: \["sh","-c","apk add --no-cache curl/,
  );
  assert.deepEqual(report.recipes[1]?.containerCommand, ['sh']);
  for (const recipe of report.recipes) assert.ok(recipe.risks.length > 0);
  assert.deepEqual(
    report.checks.map((c) => c.name),
    ['agent', 'helper', 'docker', 'daemon-socket'],
  );
});

test('dind warns when no agent listens', async () => {
  const missing = join(dir, 'nothing.sock');
  const result = await dind(['--socket', missing, '--helper-dir', helperDir]);
  assert.equal(result.status, 0);
  assert.match(
    result.stderr,
    /warning: no regcred agent at .*nothing\.sock: start the agent first: regcred agent --socket \S*nothing\.sock --allow/,
  );
  assert.match(result.stdout, /warning {2}no regcred agent at /);
  assert.match(result.stdout, /^Recommended: 1\. forwarding\.$/m);

  const report = await dindJson(['--socket', missing]);
  assert.equal(report.agent.status, 'missing');
  assert.equal(report.checks[0]?.ok, false);

  // a socket left by an agent that stopped
  const stale = join(dir, 'stale.sock');
  const server = createServer();
  await new Promise<void>((done) =>
    server.listen(join(dir, 'live.sock'), done),
  );
  linkSync(join(dir, 'live.sock'), stale);
  await new Promise<void>((done) => server.close(() => done()));
  const stopped = await dind(['--socket', stale, '--helper-dir', helperDir]);
  assert.match(stopped.stderr, /nothing listens at .*stale\.sock/);
});

test('dind --json reports an error as a document', async () => {
  mkdirSync(helperDir);
  writeFileSync(join(helperDir, 'docker-credential-regcred'), 'mine\n');
  const result = await dind(['--helper-dir', helperDir, '--json']);
  assert.equal(result.status, 1);
  const { error } = JSON.parse(result.stdout);
  assert.equal(error.code, 'ERR_CONFIG_WRITE');
  assert.match(error.message, /did not write/);
});

test('dind takes no arguments', async () => {
  await assert.rejects(dind(['extra']), { code: 'ERR_USAGE' });
});

test('dind takes the socket from REGCRED_AGENT_SOCK, else the default', async () => {
  env.REGCRED_AGENT_SOCK = agent.socket;
  const fromEnv = await dindJson(['--helper-dir', helperDir]);
  assert.deepEqual(fromEnv.agent, {
    socket: agent.socket,
    source: 'REGCRED_AGENT_SOCK',
    status: 'listening',
  });

  delete env.REGCRED_AGENT_SOCK;
  env.XDG_RUNTIME_DIR = join(dir, 'run');
  mkdirSync(env.XDG_RUNTIME_DIR);
  const byDefault = await dindJson();
  assert.equal(byDefault.agent.socket, join(dir, 'run', 'regcred-agent.sock'));
  assert.equal(byDefault.agent.source, 'default');
  assert.equal(byDefault.files.dir, defaultHelperDir(env));
  assert.equal(
    byDefault.files.dir,
    join(dir, 'home', '.config', 'regcred', 'regcred-helper'),
  );
});

test('defaultAgentSocket() falls back to a per-user temp folder', () => {
  assert.equal(
    defaultAgentSocket({}, 1234),
    join(tmpdir(), 'regcred-1234', 'agent.sock'),
  );
});

test('dind offers --use-api-socket only when docker lists it', async () => {
  const noDocker = await dindJson(['--helper-dir', helperDir]);
  assert.equal(noDocker.docker.path, null);
  assert.equal(noDocker.docker.useApiSocket, null);
  assert.equal(noDocker.recipes[2]?.available, false);
  assert.equal(noDocker.checks[2]?.ok, false);

  const old = writeProgram('docker', 'echo "  -v, --volume list"');
  const withOld = await dindJson(['--helper-dir', helperDir]);
  assert.deepEqual(withOld.docker.path, old);
  assert.equal(withOld.docker.useApiSocket, false);
  assert.equal(withOld.recipes[2]?.available, false);

  writeProgram(
    'docker',
    '[ "$1 $2" = "run --help" ] && echo "  --use-api-socket  Bind mount"',
  );
  const withNew = await dindJson(['--helper-dir', helperDir]);
  assert.equal(withNew.docker.useApiSocket, true);
  assert.deepEqual(withNew.recipes[2]?.dockerRunFlags, ['--use-api-socket']);
  assert.match(withNew.recipes[2]?.compose ?? '', /use_api_socket: true/);
});

test('dind classic recipe mounts the pass helper and its secrets', async () => {
  const configDir = join(dir, 'home', '.docker');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, 'config.json'),
    '{"auths":{"r.test":{}},"credsStore":"pass"}',
  );
  const pass = writeProgram('docker-credential-pass', 'exit 1');
  const report = await dindJson(['--helper-dir', helperDir]);
  const classic = report.recipes[1];
  assert.equal(classic?.available, true);
  assert.deepEqual(classic?.mounts.slice(1), [
    {
      source: join(configDir, 'config.json'),
      target: '/root/.docker/config.json',
      readOnly: true,
    },
    {
      source: pass,
      target: '/usr/local/bin/docker-credential-pass',
      readOnly: true,
    },
    {
      source: join(dir, 'home', '.password-store'),
      target: '/root/.password-store',
      readOnly: true,
    },
    {
      source: join(dir, 'home', '.gnupg'),
      target: '/root/.gnupg',
      readOnly: false,
    },
  ]);
  assert.equal(classic?.environment.GNUPGHOME, '/root/.gnupg');
});

test('dind classic recipe is unavailable for a desktop keychain', async () => {
  const configDir = join(dir, 'home', '.docker');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'config.json'), '{"credsStore":"desktop"}');
  const report = await dindJson(['--helper-dir', helperDir]);
  assert.equal(report.recipes[1]?.available, false);
  assert.ok(report.recipes[1]?.notes.some((n) => /desktop service/.test(n)));
});

test('the helper dind writes answers through the agent', async () => {
  const { files } = await dindJson(['--helper-dir', helperDir]);
  const stdout = await new Promise<string>((done, fail) => {
    const child = spawn(files.helper, ['get'], {
      env: { PATH: '/usr/bin:/bin', REGCRED_AGENT_SOCK: agent.socket },
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (text += c));
    child.on('error', fail);
    child.on('close', () => done(text));
    child.stdin.end('registry.example.test');
  });
  assert.equal(stdout, agent.getBody('registry.example.test'));
});

test('dind writes paths that -v cannot hold with --mount and quotes them', async () => {
  const odd = join(dir, "a:b $HOME it's");
  const report = await dindJson([
    '--socket',
    join(odd, 'agent.sock'),
    '--helper-dir',
    join(odd, 'helper'),
  ]);
  const forwarding = report.recipes[0];
  const flags = forwarding?.dockerRunFlags ?? [];
  assert.ok(
    flags.includes(
      `type=bind,source=${join(odd, 'agent.sock')},` +
        'target=/run/regcred/agent.sock',
    ),
    flags.join(' '),
  );
  assert.ok(!flags.some((flag) => flag.startsWith(`${odd}`)));
  // compose: the long syntax, and '$' doubled so compose reads no variable
  const compose = forwarding?.compose ?? '';
  assert.match(compose, /- type: bind\n {8}source: ".*a:b \$\$HOME it's/);
  assert.doesNotMatch(compose, /[^$]\$HOME/);

  const text = await dind(['--socket', join(odd, 'nothing.sock')]);
  assert.match(text.stderr, /--socket '.*a:b \$HOME it'\\''s\/nothing\.sock'/);
});

test('dind makes a relative --socket absolute', async () => {
  const report = await dindJson(['--socket', 'rel.sock']);
  assert.equal(report.agent.socket, join(process.cwd(), 'rel.sock'));
});
