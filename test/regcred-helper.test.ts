// docker-credential-regcred: DOCKER_AUTH_CONFIG served read-only, and
// lookups forwarded to a stand-in regcred agent on a unix socket.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/helper/regcred-helper.js';
import { watchProductProcess, watchProductRun } from './support/leak-log.js';

const BIN = resolve('bin/docker-credential-regcred');

const ENV_CONFIG = JSON.stringify({
  auths: { 'env.example.test': { auth: 'ZW52X3VzZXI6ZW52X3Bhc3M=' } },
});

interface HelperRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the installed launcher with exactly `env`. */
async function runBin(
  argv: string[],
  env: NodeJS.ProcessEnv,
  input: string,
): Promise<HelperRun> {
  const child = spawn(process.execPath, [BIN, ...argv], { env });
  watchProductProcess('docker-credential-regcred', argv, env, child, input);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

/** Runs the helper's main in this process. */
async function runMain(
  argv: string[],
  env: NodeJS.ProcessEnv,
  input: string,
): Promise<HelperRun> {
  const chunks: Uint8Array[] = [];
  const watched = watchProductRun('docker-credential-regcred', argv, env);
  const status = await main(argv, env, {
    stdin: input,
    stdout: { write: (chunk) => chunks.push(chunk) },
  });
  const stdout = Buffer.concat(chunks).toString('utf8');
  watched.finish([{ stream: 'stdout', text: stdout }]);
  return { status, stdout, stderr: '' };
}

describe('docker-credential-regcred with DOCKER_AUTH_CONFIG', () => {
  const env = { DOCKER_AUTH_CONFIG: ENV_CONFIG };

  test('get by exact key, from the launcher', async () => {
    const run = await runBin(['get'], env, 'env.example.test');
    assert.deepEqual(run, {
      status: 0,
      stdout:
        '{"ServerURL":"env.example.test","Username":"env_user",' +
        '"Secret":"env_pass"}\n',
      stderr: '',
    });
  });

  test('another key, even the same host written otherwise, is not found', async () => {
    for (const key of ['https://env.example.test', 'other.example']) {
      const run = await runMain(['get'], env, key);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, 'credentials not found in native keychain\n');
    }
  });

  test('list gives keys and usernames', async () => {
    const run = await runMain(['list'], env, 'unused');
    assert.equal(run.stdout, '{"env.example.test":"env_user"}\n');
  });

  test('store and erase are refused as read-only', async () => {
    const input = '{"ServerURL":"a","Username":"u","Secret":"s"}\n';
    const store = await runMain(['store'], env, input);
    assert.equal(store.status, 1);
    assert.match(store.stdout, /read-only, from DOCKER_AUTH_CONFIG/);
    const erase = await runMain(['erase'], env, 'env.example.test');
    assert.equal(erase.status, 1);
    assert.match(erase.stdout, /read-only, from DOCKER_AUTH_CONFIG/);
  });

  test('a form Docker 28.3 refuses is refused, without the secret', async () => {
    const refused = JSON.stringify({
      auths: { x: { username: 'u', password: 'hunter2' } },
    });
    const run = await runMain(['get'], { DOCKER_AUTH_CONFIG: refused }, 'x');
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^DOCKER_AUTH_CONFIG cannot be used: field/);
    assert.doesNotMatch(run.stdout, /hunter2/);
  });

  test('with neither variable set, says what to set', async () => {
    const run = await runMain(['get'], {}, 'a');
    assert.equal(run.status, 1);
    assert.match(run.stdout, /set REGCRED_AGENT_SOCK .* or DOCKER_AUTH_CONFIG/);
    const version = await runMain(['version'], {}, '');
    assert.equal(version.stdout, 'docker-credential-regcred (regcred) 0.1.0\n');
  });
});

describe('docker-credential-regcred forwarding to the agent', () => {
  let dir: string;
  let socket: string;
  let agent: Server;
  const requests: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'regcred-agent-'));
    socket = join(dir, 'agent.sock');
    agent = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        requests.push(`${request.method} ${request.url} ${body}`);
        const route = `${request.method} ${request.url}`;
        if (route === 'POST /v1/get' && body === 'host.example') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            '{"ServerURL":"host.example","Username":"\\u003ctoken\\u003e",' +
              '"Secret":"IDTOK"}\n',
          );
        } else if (route === 'POST /v1/get') {
          response.writeHead(404, { 'content-type': 'text/plain' });
          response.end('credentials not found in native keychain\n');
        } else if (route === 'GET /v1/list') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"host.example":"\\u003ctoken\\u003e"}\n');
        } else if (route === 'POST /v1/store' || route === 'POST /v1/erase') {
          response.writeHead(403, { 'content-type': 'text/plain' });
          response.end('the agent is read-only\n');
        } else {
          response.writeHead(404).end('unknown path\n');
        }
      });
    });
    await new Promise<void>((done) => agent.listen(socket, done));
  });
  after(async () => {
    await new Promise((done) => agent.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  test('get found: the agent answer, through the launcher', async () => {
    const env = { REGCRED_AGENT_SOCK: socket, DOCKER_AUTH_CONFIG: ENV_CONFIG };
    const run = await runBin(['get'], env, 'host.example');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      '{"ServerURL":"host.example","Username":"\\u003ctoken\\u003e",' +
        '"Secret":"IDTOK"}\n',
    );
    assert.ok(requests.includes('POST /v1/get host.example'));
  });

  test('get: a 404 from the agent is the not-found answer', async () => {
    const env = { REGCRED_AGENT_SOCK: socket };
    const run = await runMain(['get'], env, 'elsewhere.example\n');
    assert.deepEqual(run, {
      status: 1,
      stdout: 'credentials not found in native keychain\n',
      stderr: '',
    });
  });

  test('list: the agent listing', async () => {
    const run = await runMain(['list'], { REGCRED_AGENT_SOCK: socket }, '');
    assert.equal(run.stdout, '{"host.example":"\\u003ctoken\\u003e"}\n');
  });

  test('store and erase: the 403 becomes a read-only error', async () => {
    const env = { REGCRED_AGENT_SOCK: socket };
    const input = '{"ServerURL":"a","Username":"u","Secret":"topsecret"}\n';
    const store = await runMain(['store'], env, input);
    const erase = await runMain(['erase'], env, 'a');
    for (const run of [store, erase]) {
      assert.equal(run.status, 1);
      assert.equal(
        run.stdout,
        "read-only: forwarded from the host's agent; log in on the host\n",
      );
    }
    // the secret never leaves the container
    assert.ok(requests.every((line) => !line.includes('topsecret')));
  });

  test('agent down: names the socket and what to do', async () => {
    const missing = join(dir, 'gone.sock');
    const run = await runBin(['get'], { REGCRED_AGENT_SOCK: missing }, 'a');
    assert.equal(run.status, 1);
    assert.match(
      run.stdout,
      new RegExp(`^cannot reach the regcred agent at ${missing} `),
    );
    assert.match(run.stdout, /Start `regcred agent` on the host/);
  });
});
