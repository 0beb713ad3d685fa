import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
} from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { auditValue, formatAuditLine } from '../src/agent/audit.js';
import { AllowList } from '../src/agent/policy.js';
import {
  startAgent,
  type AgentOptions,
  type RunningAgent,
} from '../src/agent/server.js';
import {
  claimSocketPath,
  defaultSocketPath,
  shellExportLine,
} from '../src/agent/socket-path.js';
import { signalRunningHelpers } from '../src/stores/helper-client.js';
import { makeSandbox, type Sandbox } from './support/cli.js';
import { hanging } from './support/fake-helper.js';

const NOT_FOUND = 'credentials not found in native keychain\n';

function basic(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

let box: Sandbox;
let agents: RunningAgent[];
let audit: string[];
let rejections: unknown[];
const onRejection = (reason: unknown): void => void rejections.push(reason);

beforeEach(() => {
  box = makeSandbox();
  box.writeConfig({
    auths: {
      'allowed.example': { auth: basic('ann', 'pw-allowed') },
      'other.example': { auth: basic('bob', 'pw-other') },
      'token.example': { identitytoken: 'itok-1' },
    },
    credHelpers: { 'slow.example': 'hang' },
  });
  box.writeHelper('hang', hanging());
  agents = [];
  audit = [];
  rejections = [];
  process.on('unhandledRejection', onRejection);
});

afterEach(async () => {
  for (const agent of agents) await agent.close();
  // the hanging fake helper, still waiting for its timeout
  signalRunningHelpers('SIGTERM');
  process.off('unhandledRejection', onRejection);
  box.cleanup();
  assert.deepEqual(rejections, []);
});

async function start(options: Partial<AgentOptions> = {}) {
  const agent = await startAgent({
    allow: ['allowed.example', 'token.example', 'slow.example', 'docker.io'],
    socketPath: join(box.dir, 'agent.sock'),
    env: box.env,
    audit: (line) => audit.push(line),
    graceMs: 100,
    ...options,
  });
  agents.push(agent);
  return agent;
}

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

/** One HTTP request over the agent's socket. */
function ask(
  agent: RunningAgent,
  method: string,
  path: string,
  body?: string | Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: agent.socketPath, method, path },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            body: text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes and returns everything the agent writes back. */
function askRaw(agent: RunningAgent, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(agent.socketPath);
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

function lastAudit(): string {
  return audit.at(-1) ?? '';
}

/** Waits until the agent has audited `count` requests. */
async function auditCount(count: number): Promise<void> {
  for (let i = 0; i < 200 && audit.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('startAgent()', () => {
  test('closes connections past 512 at once, and serves again after', async () => {
    const agent = await start();
    const idle = Array.from({ length: 530 }, () => connect(agent.socketPath));
    let closed = 0;
    for (const socket of idle) {
      socket.on('error', () => {});
      socket.on('close', () => closed++);
    }
    const deadline = Date.now() + 5_000;
    while (closed < 18 && Date.now() < deadline) {
      await new Promise((wait) => setTimeout(wait, 20));
    }
    assert.ok(closed >= 18, `only ${closed} connections were closed`);
    for (const socket of idle) socket.destroy();
    await new Promise((wait) => setTimeout(wait, 100));
    const answer = await ask(agent, 'POST', '/v1/get', 'allowed.example');
    assert.equal(answer.status, 200);
  });

  test('answers get for an allowed registry with a helper JSON', async () => {
    const agent = await start();
    const answer = await ask(agent, 'POST', '/v1/get', 'allowed.example');
    assert.equal(answer.status, 200);
    assert.equal(answer.type, 'application/json');
    assert.equal(
      answer.body,
      '{"ServerURL":"allowed.example","Username":"ann",' +
        '"Secret":"pw-allowed"}\n',
    );
    await auditCount(1);
    assert.match(
      lastAudit(),
      /^\d{4}-\d\d-\d\dT[\d:.]+Z POST \/v1\/get registry=allowed\.example outcome=found status=200 ms=\d+$/,
    );
    assert.doesNotMatch(audit.join('\n'), /pw-allowed/);
  });

  test('answers an identity token as a helper does', async () => {
    const agent = await start();
    const answer = await ask(agent, 'POST', '/v1/get', 'token.example\n');
    assert.equal(answer.status, 200);
    assert.equal(
      answer.body,
      '{"ServerURL":"token.example","Username":"\\u003ctoken\\u003e",' +
        '"Secret":"itok-1"}\n',
    );
  });

  test('answers not-found and audits a refusal off the allow-list', async () => {
    const agent = await start();
    const answer = await ask(agent, 'POST', '/v1/get', 'other.example');
    assert.deepEqual(answer, {
      status: 404,
      type: 'text/plain; charset=utf-8',
      body: NOT_FOUND,
    });
    await auditCount(1);
    assert.match(lastAudit(), / registry=other\.example outcome=refused /);
    assert.doesNotMatch(audit.join('\n'), /pw-other|bob/);
  });

  test('answers not-found for an allowed registry without credentials', async () => {
    const agent = await start();
    const hub = 'https://index.docker.io/v1/';
    const answer = await ask(agent, 'POST', '/v1/get', hub);
    assert.equal(answer.status, 404);
    assert.equal(answer.body, NOT_FOUND);
    await auditCount(1);
    assert.match(lastAudit(), / outcome=not-found status=404 /);
  });

  test('lists the allowed registries that have credentials', async () => {
    const agent = await start({ helperTimeoutMs: 300 });
    const answer = await ask(agent, 'GET', '/v1/list');
    assert.equal(answer.status, 200);
    assert.equal(
      answer.body,
      '{"allowed.example":"ann","token.example":"\\u003ctoken\\u003e"}\n',
    );
  });

  test('refuses store and erase with 403', async () => {
    const agent = await start();
    for (const path of ['/v1/store', '/v1/erase']) {
      const body = '{"ServerURL":"allowed.example","Username":"x"}';
      const answer = await ask(agent, 'POST', path, body);
      assert.equal(answer.status, 403);
      assert.match(answer.body, /read-only/);
    }
    await auditCount(2);
    assert.match(lastAudit(), /POST \/v1\/erase .*outcome=refused status=403/);
  });

  test('answers 500 naming the code when config.json is broken', async () => {
    const agent = await start();
    box.writeConfig('{"auths": not json');
    const answer = await ask(agent, 'POST', '/v1/get', 'allowed.example');
    assert.equal(answer.status, 500);
    assert.equal(
      answer.body,
      'The agent failed to answer (ERR_CONFIG_PARSE)\n',
    );
    await auditCount(1);
    assert.match(lastAudit(), / status=500 .*detail=ERR_CONFIG_PARSE$/);
  });

  test('answers ping', async () => {
    const agent = await start();
    const answer = await ask(agent, 'GET', '/v1/ping');
    assert.deepEqual([answer.status, answer.body], [200, 'regcred-agent 1\n']);
  });

  test('refuses a body over 4 KiB with 413', async () => {
    const agent = await start();
    const big = 'a'.repeat(5000);
    assert.equal((await ask(agent, 'POST', '/v1/get', big)).status, 413);

    // without Content-Length: chunked, counted while read
    const chunked = await askRaw(
      agent,
      'POST /v1/get HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n' +
        `\r\n1388\r\n${'b'.repeat(5000)}\r\n0\r\n\r\n`,
    );
    assert.match(chunked, /^HTTP\/1\.1 413 /);
  });

  test('answers 400 for malformed requests', async () => {
    const agent = await start();
    const cases: (string | Buffer)[] = [
      '',
      '  \n',
      'allowed.example\u0001',
      'a\nb',
      Buffer.from([0x61, 0xff, 0x62]),
    ];
    for (const body of cases) {
      const answer = await ask(agent, 'POST', '/v1/get', body);
      assert.equal(answer.status, 400, `body ${JSON.stringify(body)}`);
    }
    const garbage = await askRaw(agent, 'HELLO THERE\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.equal((await ask(agent, 'GET', '/v1/nothing')).status, 404);
    assert.equal((await ask(agent, 'GET', '/v1/get')).status, 405);
  });

  test('speaks HTTP/1.0 and closes each connection', async () => {
    const agent = await start();
    const text = await askRaw(
      agent,
      'POST /v1/get HTTP/1.0\r\nContent-Length: 15\r\n\r\nallowed.example',
    );
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\nConnection: close\r\n/i);
    assert.match(text, /"Username":"ann"/);

    // a second request on a 1.1 connection is not served
    const twice = await askRaw(
      agent,
      'GET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n' +
        'GET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    assert.equal(twice.match(/HTTP\/1\.1 200/g)?.length, 1);
  });

  test('answers 504 when the host helper times out', async () => {
    const agent = await start({ helperTimeoutMs: 200 });
    const answer = await ask(agent, 'POST', '/v1/get', 'slow.example');
    assert.equal(answer.status, 504);
    await auditCount(1);
    assert.match(
      lastAudit(),
      /registry=slow\.example outcome=error status=504/,
    );
  });

  test('answers 503 over the in-flight limit, and close() ends the rest', async () => {
    const agent = await start({ maxInFlight: 2, helperTimeoutMs: 20_000 });
    const hung = [1, 2].map(() =>
      ask(agent, 'POST', '/v1/get', 'slow.example').catch((e: Error) => e),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal((await ask(agent, 'GET', '/v1/ping')).status, 503);

    const started = performance.now();
    await agent.close();
    assert.ok(performance.now() - started < 2_000, 'close() was quick');
    for (const result of await Promise.all(hung)) {
      assert.ok(result instanceof Error, 'in-flight request aborted');
    }
    assert.equal(existsSync(agent.socketPath), false);
  });

  test('survives clients that hang up mid-request', async () => {
    const agent = await start({ helperTimeoutMs: 20_000 });
    const partial = connect(agent.socketPath);
    partial.write('POST /v1/get HTTP/1.1\r\nContent-Length: 100\r\n\r\nallo');
    const waiting = connect(agent.socketPath);
    waiting.write(
      'POST /v1/get HTTP/1.1\r\nContent-Length: 12\r\n\r\nslow.example',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    partial.destroy();
    waiting.destroy();
    await auditCount(2);
    assert.equal(audit.length, 2);
    assert.ok(
      audit.every((line) => / status=0 .*detail=client-left/.test(line)),
    );

    const answer = await ask(agent, 'POST', '/v1/get', 'allowed.example');
    assert.equal(answer.status, 200);
  });

  test('makes its socket 0600 and replaces a stale one', async () => {
    const path = join(box.dir, 'agent.sock');
    // a socket file whose listener died without removing it
    const script =
      "require('net').createServer().listen(process.argv[1], () => " +
      "process.kill(process.pid, 'SIGKILL'))";
    spawnSync(process.execPath, ['-e', script, path]);
    assert.ok(statSync(path).isSocket());

    const agent = await start();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal((await ask(agent, 'GET', '/v1/ping')).status, 200);
  });

  test('refuses a path where another agent listens', async () => {
    await start();
    await assert.rejects(start(), /Another agent is listening on /);
    await assert.rejects(
      claimSocketPath(join(box.configDir, 'config.json')),
      /exists and is not a socket/,
    );
  });

  test('refuses an empty allow-list and a bad address', async () => {
    await assert.rejects(start({ allow: [] }), { code: 'ERR_USAGE' });
    await assert.rejects(start({ allow: ['https://'] }), {
      code: 'ERR_INVALID_ADDRESS',
    });
  });
});

describe('defaultSocketPath()', () => {
  let savedTmp: string | undefined;
  beforeEach(() => {
    savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = box.dir;
  });
  afterEach(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  });

  test('uses XDG_RUNTIME_DIR when it is a directory', async () => {
    const runtime = join(box.dir, 'run');
    mkdirSync(runtime);
    assert.equal(
      await defaultSocketPath({ XDG_RUNTIME_DIR: runtime }),
      join(runtime, 'regcred-agent.sock'),
    );
  });

  test('makes a private folder in the temp folder otherwise', async () => {
    const missing = join(box.dir, 'not-there');
    const path = await defaultSocketPath({ XDG_RUNTIME_DIR: missing });
    const folder = join(box.dir, `regcred-${process.getuid?.()}`);
    assert.equal(path, join(folder, 'agent.sock'));
    assert.equal(statSync(folder).mode & 0o777, 0o700);

    chmodSync(folder, 0o755);
    await assert.rejects(defaultSocketPath({}), /others may read or write/);
  });
});

describe('AllowList', () => {
  test('match() reads addresses as docker login does', () => {
    const list = new AllowList(['docker.io', 'https://GHCR.io/v2/', 'r:5000']);
    assert.deepEqual(list.keys, [
      'https://index.docker.io/v1/',
      'GHCR.io',
      'r:5000',
    ]);
    const cases: [string, boolean][] = [
      ['https://index.docker.io/v1/', true],
      ['docker.io', true],
      ['index.docker.io', false],
      ['ghcr.io', true],
      ['https://ghcr.io', true],
      ['https://user@ghcr.io/x', true],
      ['ghcr.io.evil.example', false],
      ['https://ghcr.io@evil.example/', false],
      ['r:5000', true],
      ['r', false],
      ['r:5001', false],
    ];
    for (const [url, allowed] of cases) {
      assert.equal(list.match(url).allowed, allowed, url);
    }
  });
});

describe('audit', () => {
  test('formatAuditLine() escapes what a client sent', () => {
    const line = formatAuditLine({
      time: new Date(0),
      method: 'POST',
      path: '/v1/get',
      registry: 'evil\nforged line "x"=1',
      outcome: 'refused',
      status: 404,
      ms: 1.4,
    });
    assert.equal(
      line,
      '1970-01-01T00:00:00.000Z POST /v1/get ' +
        'registry=evil\\x0aforged\\x20line\\x20\\x22x\\x22\\x3d1 ' +
        'outcome=refused status=404 ms=1',
    );
    assert.equal(auditValue('user:pw@host'), '[redacted]@host');
  });

  test('shellExportLine() prints as ssh-agent, quoting when needed', () => {
    assert.equal(
      shellExportLine('/run/user/1000/regcred-agent.sock'),
      'REGCRED_AGENT_SOCK=/run/user/1000/regcred-agent.sock; ' +
        'export REGCRED_AGENT_SOCK;\n',
    );
    assert.equal(
      shellExportLine("/tmp/a b'c"),
      "REGCRED_AGENT_SOCK='/tmp/a b'\\''c'; export REGCRED_AGENT_SOCK;\n",
    );
  });
});

const isRoot = process.getuid?.() === 0;

describe('--allow-uid', { skip: isRoot ? false : 'needs root' }, () => {
  let folder: string;
  beforeEach(() => {
    // a folder right under the temp folder, which every uid can pass
    folder = mkdtempSync(join(tmpdir(), 'regcred-acl-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  /** Runs curl as `uid`; async, as the agent answers in this process. */
  function curlAs(uid: number, socket: string): Promise<number | null> {
    const child = spawn('setpriv', [
      `--reuid=${uid}`,
      `--regid=${uid}`,
      '--clear-groups',
      'curl',
      '-sf',
      '--max-time',
      '5',
      '--unix-socket',
      socket,
      'http://agent/v1/ping',
    ]);
    return new Promise((resolve) => child.on('exit', resolve));
  }

  test('lets that uid connect, and no other', async () => {
    const socketPath = join(folder, 'agent.sock');
    const agent = await start({ socketPath, allowUids: [65534] });
    const acl = spawnSync('getfacl', ['-pn', socketPath], { encoding: 'utf8' });
    assert.match(acl.stdout, /^user:65534:rw-$/m);
    const folderAcl = spawnSync('getfacl', ['-pn', folder], {
      encoding: 'utf8',
    });
    assert.match(folderAcl.stdout, /^user:65534:--x$/m);

    assert.equal(await curlAs(65534, agent.socketPath), 0);
    assert.notEqual(await curlAs(65533, agent.socketPath), 0);

    // the folder outlives the agent: its entry goes with it
    await agent.close();
    const after = spawnSync('getfacl', ['-pn', folder], { encoding: 'utf8' });
    assert.doesNotMatch(after.stdout, /^user:65534:/m);
  });

  test('puts back a folder entry that was there before it', async () => {
    spawnSync('setfacl', ['-m', 'u:65534:r', folder]);
    const socketPath = join(folder, 'agent.sock');
    const agent = await start({ socketPath, allowUids: [65534] });
    const during = spawnSync('getfacl', ['-pn', folder], { encoding: 'utf8' });
    assert.match(during.stdout, /^user:65534:r-x$/m);
    await agent.close();
    const after = spawnSync('getfacl', ['-pn', folder], { encoding: 'utf8' });
    assert.match(after.stdout, /^user:65534:r--$/m);
  });
});
