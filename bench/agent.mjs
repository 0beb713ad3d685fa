// The container side of `regcred agent`, against its peer in one run:
// 1. A forwarded `get` through the sh helper `regcred dind` writes,
//    against `docker-credential-pass get` of a real pass store.
//    Goal: a median ratio of 0.5 or less. The Node helper is reported.
// 2. The agent under 50 concurrent clients doing 10,000 gets in all.
//    Goal: p99 of 2 ms or less, and no errors.
// Needs a build (`npm run build && npm run build:test`, which
// `npm run bench` does) and, for the pass comparison, Debian's pass,
// gnupg and golang-docker-credential-helpers.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.env.BENCH_AGENT_ROUNDS ?? 30);
const REGISTRY = '127.0.0.1:5000';
const REGCRED = resolve('bin/regcred');
const NODE_HELPER = resolve('bin/docker-credential-regcred');

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.floor(sorted.length * fraction),
  );
  return sorted[index];
}

function timeGet(program, env) {
  const started = performance.now();
  const result = spawnSync(program, ['get'], { env, input: REGISTRY });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`${program} get exited ${result.status}: ${result.stdout}`);
  }
  return ms;
}

/** Starts `regcred agent` on a socket in `dir`, serving `configDir`. */
async function startAgent(dir, configDir) {
  const socket = join(dir, 'agent.sock');
  const agent = spawn(
    process.execPath,
    [
      REGCRED,
      'agent',
      '--socket',
      socket,
      '--allow',
      REGISTRY,
      '--audit-file',
      join(dir, 'audit.log'),
    ],
    {
      env: { PATH: '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: configDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  agent.stdout.setEncoding('utf8');
  await new Promise((ready, fail) => {
    agent.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('export REGCRED_AGENT_SOCK')) ready();
    });
    agent.once('exit', (code) => fail(new Error(`agent exited ${code}`)));
  });
  return {
    socket,
    stop: async () => {
      agent.kill('SIGTERM');
      await once(agent, 'exit');
    },
  };
}

/** A pass store holding the same credential, or undefined without pass. */
async function makePassStore() {
  try {
    const { createPassStore, PASS_UNAVAILABLE } =
      await import('../build/test/support/pass-fixture.js');
    if (PASS_UNAVAILABLE) return undefined;
    const store = await createPassStore();
    const body = JSON.stringify({
      ServerURL: REGISTRY,
      Username: 'alice',
      Secret: 'bench-secret',
    });
    spawnSync('docker-credential-pass', ['store'], {
      env: store.env,
      input: `${body}\n`,
    });
    return store;
  } catch {
    return undefined;
  }
}

function benchHelpers(dir, socket, pass) {
  const shDir = join(dir, 'sh-helper');
  const written = spawnSync(
    process.execPath,
    [REGCRED, 'dind', '--helper-dir', shDir],
    { env: { PATH: '/usr/bin:/bin', HOME: dir }, encoding: 'utf8' },
  );
  if (written.status !== 0) throw new Error(written.stderr);
  const shHelper = join(shDir, 'docker-credential-regcred');
  const env = { PATH: '/usr/bin:/bin', REGCRED_AGENT_SOCK: socket };
  const programs = { sh: [shHelper, env], node: [NODE_HELPER, env] };
  if (pass) programs.pass = ['docker-credential-pass', pass.env];
  const times = Object.fromEntries(Object.keys(programs).map((k) => [k, []]));
  // warm the file-system cache
  for (const [program, programEnv] of Object.values(programs)) {
    timeGet(program, programEnv);
  }
  // interleaved, so drift hits every program alike
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, [program, programEnv]] of Object.entries(programs)) {
      times[name].push(timeGet(program, programEnv));
    }
  }
  const sh = percentile(times.sh, 0.5);
  const node = percentile(times.node, 0.5);
  if (!pass) {
    console.log(
      `forwarded get: sh helper ${sh.toFixed(1)} ms, Node helper ` +
        `${node.toFixed(1)} ms (median of ${ROUNDS}); pass is not ` +
        'installed, so no ratio',
    );
    return;
  }
  const peer = percentile(times.pass, 0.5);
  const ratio = sh / peer;
  console.log(
    `forwarded get: sh helper ${sh.toFixed(1)} ms, docker-credential-pass ` +
      `${peer.toFixed(1)} ms (median of ${ROUNDS}), ratio ` +
      `${ratio.toFixed(2)} (goal <= 0.5) ${ratio <= 0.5 ? 'MET' : 'MISSED'}; ` +
      `Node helper ${node.toFixed(1)} ms (ratio ${(node / peer).toFixed(2)})`,
  );
}

function agentGet(socket) {
  return new Promise((done) => {
    const started = performance.now();
    const call = request(
      { socketPath: socket, method: 'POST', path: '/v1/get' },
      (response) => {
        response.resume();
        response.on('end', () =>
          done({
            ms: performance.now() - started,
            ok: response.statusCode === 200,
          }),
        );
      },
    );
    call.on('error', () =>
      done({ ms: performance.now() - started, ok: false }),
    );
    call.end(REGISTRY);
  });
}

async function benchLoad(socket) {
  const total = 10_000;
  const clients = 50;
  let next = 0;
  const times = [];
  let errors = 0;
  const client = async () => {
    while (next < total) {
      next++;
      const { ms, ok } = await agentGet(socket);
      times.push(ms);
      if (!ok) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  const p50 = percentile(times, 0.5);
  const p99 = percentile(times, 0.99);
  const met = p99 <= 2 && errors === 0;
  console.log(
    `agent, ${clients} concurrent clients, ${total} gets: p50 ` +
      `${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, errors ${errors}, ` +
      `${Math.round(total / seconds)}/s (goal p99 <= 2 ms, no errors) ` +
      `${met ? 'MET' : 'MISSED'}`,
  );
}

export async function benchAgent() {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-bench-agent-'));
  const configDir = join(dir, 'host');
  mkdirSync(configDir, { mode: 0o700 });
  writeFileSync(
    join(configDir, 'config.json'),
    JSON.stringify({
      auths: {
        [REGISTRY]: {
          auth: Buffer.from('alice:bench-secret').toString('base64'),
        },
      },
    }),
    { mode: 0o600 },
  );
  const agent = await startAgent(dir, configDir);
  const pass = await makePassStore();
  try {
    benchHelpers(dir, agent.socket, pass);
    await benchLoad(agent.socket);
  } finally {
    await agent.stop();
    await pass?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAgent();
