import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { BIN, makeSandbox, runCli, type Sandbox } from './support/cli.js';
import { watchProductProcess } from './support/leak-log.js';

let box: Sandbox;
let children: ChildProcess[];

beforeEach(() => {
  box = makeSandbox();
  const auth = (text: string) => Buffer.from(text).toString('base64');
  box.writeConfig({
    auths: {
      'allowed.example': { auth: auth('ann:pw-allowed') },
      'other.example': { auth: auth('bob:pw-other') },
    },
  });
  children = [];
});

afterEach(() => {
  for (const child of children) {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  box.cleanup();
});

interface Agent {
  child: ChildProcess;
  /** The first line on stdout. */
  exportLine: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `regcred agent ...args` and waits for its export line. */
async function startCliAgent(args: string[]): Promise<Agent> {
  const child = spawn(process.execPath, [BIN, 'agent', ...args], {
    env: box.env,
  });
  watchProductProcess('regcred', ['agent', ...args], box.env, child);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text) => (stderr += text));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => resolve(code)),
  );
  const exportLine = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (text) => {
      stdout += text;
      if (stdout.includes('\n')) resolve(stdout);
    });
    void exited.then(() => reject(new Error(`agent exited: ${stderr}`)));
  });
  return { child, exportLine, stderr: () => stderr, exited };
}

function curl(socket: string, path: string, body?: string) {
  const args = ['-s', '-w', '\n%{http_code}', '--unix-socket', socket];
  if (body !== undefined) args.push('--data-binary', body);
  const run = spawnSync('curl', [...args, `http://agent${path}`], {
    encoding: 'utf8',
  });
  const lines = run.stdout.split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n') };
}

test('regcred agent serves on its socket until SIGTERM', async () => {
  const socket = join(box.dir, 'agent.sock');
  const agent = await startCliAgent([
    '--socket',
    socket,
    '--allow',
    'allowed.example',
  ]);
  assert.equal(
    agent.exportLine,
    `REGCRED_AGENT_SOCK=${socket}; export REGCRED_AGENT_SOCK;\n`,
  );
  assert.equal(statSync(socket).mode & 0o777, 0o600);

  assert.deepEqual(curl(socket, '/v1/get', 'allowed.example'), {
    status: 200,
    body: '{"ServerURL":"allowed.example","Username":"ann","Secret":"pw-allowed"}\n',
  });
  assert.deepEqual(curl(socket, '/v1/get', 'other.example'), {
    status: 404,
    body: 'credentials not found in native keychain\n',
  });
  assert.equal(curl(socket, '/v1/list').body, '{"allowed.example":"ann"}\n');

  agent.child.kill('SIGTERM');
  assert.equal(await agent.exited, 0);
  assert.equal(existsSync(socket), false);
  const stderr = agent.stderr();
  assert.match(stderr, / registry=other\.example outcome=refused status=404 /);
  assert.match(stderr, / registry=allowed\.example outcome=found status=200 /);
  assert.doesNotMatch(stderr, /pw-allowed|pw-other/);
});

test('regcred agent writes its audit to --audit-file and stops on SIGINT', async () => {
  const socket = join(box.dir, 'agent.sock');
  const auditFile = join(box.dir, 'audit.log');
  const agent = await startCliAgent([
    '--socket',
    socket,
    '--allow',
    'allowed.example',
    '--audit-file',
    auditFile,
    '--cache-ttl',
    '0',
  ]);
  assert.equal(curl(socket, '/v1/ping').status, 200);
  assert.equal(curl(socket, '/v1/store', '{}').status, 403);

  agent.child.kill('SIGINT');
  assert.equal(await agent.exited, 0);
  assert.equal(existsSync(socket), false);
  assert.equal(statSync(auditFile).mode & 0o777, 0o600);
  const lines = readFileSync(auditFile, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[1] ?? '', /POST \/v1\/store .*outcome=refused status=403/);
  assert.equal(agent.stderr(), '');
});

test('regcred agent needs --allow and sane options', async () => {
  const socket = join(box.dir, 'agent.sock');
  const cases: [string[], RegExp][] = [
    [['--socket', socket], /needs at least one --allow REGISTRY/],
    [['--allow', 'r.example', '--cache-ttl', 'soon'], /--cache-ttl takes/],
    [['--allow', 'r.example', '--allow-uid', 'nobody'], /numeric uid/],
    [['--allow', 'r.example', 'extra'], /takes no arguments/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(['agent', ...args], box.env);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stdout, '');
  }
});

test('regcred agent refuses a socket another agent listens on', async () => {
  const socket = join(box.dir, 'agent.sock');
  const first = await startCliAgent([
    '--socket',
    socket,
    '--allow',
    'a.example',
  ]);
  const run = await runCli(
    ['agent', '--socket', socket, '--allow', 'a.example'],
    box.env,
  );
  assert.equal(run.status, 1);
  assert.match(run.stderr, /Another agent is listening on /);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
});
