// The container side of `regcred agent`, against its peer in one run.
// The agent is a process of its own. The load's clients are one small C
// program, bench/load-client.c, compiled with `cc` (or $CC) at the start:
// a Node.js client stalls now and then for its own garbage collection,
// and on two shared cores those stalls were half of the latency measured.
//
// 1. A forwarded `get` through the sh helper `regcred dind` writes,
//    against `docker-credential-pass get` of a real pass store.
//    Goal: a median ratio of 0.5 or less. The Node helper is reported.
// 2. Open loop: 50 clients, each sending on its own jittered schedule
//    (not waiting for answers), 1,000 gets/s offered in all, 10,000 gets.
//    Latency counts from the scheduled send time, so a slow answer cannot
//    hide the sends it delayed (no coordinated omission).
//    Goal: p99 of 2 ms or less, and no errors.
// 3. Closed loop (run before the open loop, which it warms up): 50
//    clients sending back to back, 100,000 gets: the agent's saturated
//    throughput, reported. Its latency is set by Little's law (clients in
//    flight / throughput), not by the agent.
// 4. The agent's memory (RSS) after those gets, against just after start.
//    Goal: bounded growth (see MEMORY_GOAL).
// 5. Gets through the real sh helper, 10 at a time, reported.
// The peer of the open and closed loops is their floor: a bare node:http
// server (bench/bare-server.mjs) answering a fixed body over the same
// protocol, measured the same way in the same run.
// Needs a build (`npm run build && npm run build:test`, which
// `npm run bench` does), a C compiler for the load, and, for the pass
// comparison, Debian's pass, gnupg and golang-docker-credential-helpers.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  formatTable,
  ms,
  percentile,
  ratioOf,
  row,
  verdict,
} from './table.mjs';

const ROUNDS = Number(process.env.BENCH_AGENT_ROUNDS ?? 30);
const REGISTRY = '127.0.0.1:5000';
const REGCRED = resolve('bin/regcred');
const NODE_HELPER = resolve('bin/docker-credential-regcred');

const CLIENTS = 50;
const OFFERED_PER_SECOND = 1_000;
const OPEN_LOOP_GETS = 10_000;
const CLOSED_LOOP_GETS = 100_000;
/** The bare server's closed loop: its throughput, and its warm-up. */
const FLOOR_CLOSED_LOOP_GETS = 20_000;
const SH_HELPER_GETS = 300;
const SH_HELPER_CONCURRENCY = 10;
/** Goal for the agent's latency under the offered load, in ms. */
const P99_GOAL_MS = 2;
/**
 * Bounded growth: after the first half of the closed loop the heap has
 * warmed up; the gets after it (50,000, then the open loop's 10,000) may
 * add at most this much.
 */
const MEMORY_GOAL_MIB = 5;

/** Monotonic milliseconds. */
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** The resident set size of a process, in MiB. */
function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  return kib / 1024;
}

function timeGet(program, env) {
  const started = now();
  const result = spawnSync(program, ['get'], { env, input: REGISTRY });
  const took = now() - started;
  if (result.status !== 0) {
    throw new Error(`${program} get exited ${result.status}: ${result.stdout}`);
  }
  return took;
}

/** Starts `regcred agent` on a socket in `dir`, serving `configDir`. */
function startAgent(dir, configDir) {
  const socket = join(dir, 'agent.sock');
  const args = [
    REGCRED,
    'agent',
    '--socket',
    socket,
    '--allow',
    REGISTRY,
    '--audit-file',
    join(dir, 'audit.log'),
  ];
  const env = { PATH: '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: configDir };
  return startServer(args, env, socket, 'export REGCRED_AGENT_SOCK');
}

/** Starts the floor: a bare node:http server (bench/bare-server.mjs). */
function startBareServer(dir) {
  const socket = join(dir, 'bare.sock');
  const script = new URL('./bare-server.mjs', import.meta.url).pathname;
  return startServer(
    [script, socket],
    { PATH: '/usr/bin:/bin' },
    socket,
    'ready',
  );
}

/** Runs a Node.js server process until it prints `readyText`. */
async function startServer(args, env, socket, readyText) {
  const server = spawn(process.execPath, args, {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  server.stdout.setEncoding('utf8');
  await new Promise((ready, fail) => {
    server.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes(readyText)) ready();
    });
    server.once('exit', (code) => fail(new Error(`${args[0]} exited ${code}`)));
  });
  return {
    socket,
    pid: server.pid,
    stop: async () => {
      server.kill('SIGTERM');
      await once(server, 'exit');
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

/** Writes the sh helper `regcred dind` gives containers; returns it. */
function writeShHelper(dir) {
  const shDir = join(dir, 'sh-helper');
  const written = spawnSync(
    process.execPath,
    [REGCRED, 'dind', '--helper-dir', shDir],
    { env: { PATH: '/usr/bin:/bin', HOME: dir }, encoding: 'utf8' },
  );
  if (written.status !== 0) throw new Error(written.stderr);
  return join(shDir, 'docker-credential-regcred');
}

/** Median forwarded-get time of the sh and Node helpers and of pass. */
function benchHelpers(shHelper, socket, pass) {
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
  const peer = pass ? percentile(times.pass, 0.5) : NaN;
  const peerText = pass
    ? `docker-credential-pass get: ${ms(peer)}`
    : 'skipped (pass is not installed)';
  const ratio = sh / peer;
  return [
    row(
      `forwarded \`get\` through the sh helper (median of ${ROUNDS})`,
      ms(sh),
      peerText,
      ratioOf(sh, peer),
      'ratio ≤ 0.5',
      verdict(pass !== undefined && ratio <= 0.5),
    ),
    row(
      `forwarded \`get\` through the Node helper (median of ${ROUNDS})`,
      ms(node),
      peerText,
      ratioOf(node, peer),
      '—',
      'reported',
    ),
  ];
}

/**
 * Compiles the load generator (bench/load-client.c) into `dir`; returns
 * its path, or undefined with the reason logged when no C compiler works.
 */
function compileLoadClient(dir, log) {
  const source = new URL('./load-client.c', import.meta.url).pathname;
  const program = join(dir, 'load-client');
  // $CC as make takes it: a program and its own options, e.g. `ccache gcc`
  const [compiler, ...options] = (process.env.CC ?? 'cc').trim().split(/\s+/);
  const args = [...options, '-O2', '-Wall', '-o', program, source];
  const built = spawnSync(compiler, args, { encoding: 'utf8' });
  if (built.status === 0) return program;
  log(
    `agent: cannot compile bench/load-client.c with ${compiler}: ` +
      (built.error?.code ?? built.stderr.trim()),
  );
  return undefined;
}

/** Failures counted by kind. */
class Errors {
  #counts = new Map();
  total = 0;

  add(failure) {
    if (failure === undefined) return;
    this.total++;
    this.#counts.set(failure, (this.#counts.get(failure) ?? 0) + 1);
  }

  /** e.g. `0 errors`, or `3 errors (HTTP-503: 2, EAGAIN: 1)`. */
  toString() {
    const kinds = [...this.#counts]
      .sort(([, a], [, b]) => b - a)
      .map(([kind, count]) => `${kind}: ${count}`);
    const noun = this.total === 1 ? 'error' : 'errors';
    return kinds.length === 0
      ? `${this.total} ${noun}`
      : `${this.total} ${noun} (${kinds.join(', ')})`;
  }
}

/**
 * Runs the load generator; resolves with each get's send lag and latency
 * (ms) and the run's length in seconds, and counts failures in `errors`.
 * A failed get's latency is infinite: a refused connection is quick, and
 * must not pull the percentiles down.
 */
async function runLoadClient(loadClient, args, errors, input = '') {
  const child = spawn(loadClient, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(input);
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  const [status] = await once(child, 'close');
  if (status !== 0) throw new Error(`load-client exited ${status}`);
  const lines = out.trimEnd().split('\n');
  const seconds = Number(/^# seconds (\S+)$/.exec(lines.pop())?.[1]);
  const lags = new Float64Array(lines.length);
  const latencies = new Float64Array(lines.length);
  lines.forEach((line, index) => {
    const [lag, latency, outcome] = line.split(' ');
    lags[index] = Number(lag);
    latencies[index] = outcome === '200' ? Number(latency) : Infinity;
    // what failed: ECONNREFUSED, HTTP-503, short-answer, timed-out, …
    if (outcome !== '200') errors.add(outcome);
  });
  return { lags, latencies, seconds };
}

/**
 * Send times, in ms from the start, for `clients` clients, each on its
 * own schedule: a random start within one period, then periods jittered
 * by ±50 %, so together they offer `perSecond` gets a second.
 */
function openLoopSchedule(clients, perSecond, total) {
  const period = (clients / perSecond) * 1000;
  const perClient = Math.ceil(total / clients);
  const times = [];
  for (let client = 0; client < clients; client++) {
    let time = Math.random() * period;
    for (let i = 0; i < perClient && times.length < total; i++) {
      times.push(time);
      time += period * (0.5 + Math.random());
    }
  }
  return Float64Array.from(times).sort();
}

/** The open loop; latency from each get's scheduled send time. */
async function openLoop(loadClient, socket) {
  const schedule = openLoopSchedule(
    CLIENTS,
    OFFERED_PER_SECOND,
    OPEN_LOOP_GETS,
  );
  const offsets = Array.from(schedule, (time) => time.toFixed(4));
  const errors = new Errors();
  const run = await runLoadClient(
    loadClient,
    [socket, REGISTRY, 'open'],
    errors,
    `${offsets.join('\n')}\n`,
  );
  return {
    p50: percentile(run.latencies, 0.5),
    p99: percentile(run.latencies, 0.99),
    lagP99: percentile(run.lags, 0.99),
    errors,
    achieved: schedule.length / run.seconds,
  };
}

/**
 * The closed loop: each client sends its next get when the last one is
 * answered. Runs in two halves, and calls `halfway` between them.
 */
async function closedLoop(loadClient, socket, total, halfway) {
  const errors = new Errors();
  const halves = [];
  for (const gets of [Math.floor(total / 2), Math.ceil(total / 2)]) {
    if (halves.length === 1) halfway?.();
    const args = [socket, REGISTRY, 'closed', String(gets), String(CLIENTS)];
    halves.push(await runLoadClient(loadClient, args, errors));
  }
  const latencies = Float64Array.from(
    halves.flatMap((half) => Array.from(half.latencies)),
  );
  const seconds = halves[0].seconds + halves[1].seconds;
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    perSecond: total / seconds,
  };
}

/** Gets through the real sh helper, a few at a time. */
async function shHelperLoad(shHelper, socket) {
  const env = { PATH: '/usr/bin:/bin', REGCRED_AGENT_SOCK: socket };
  const latencies = [];
  let next = 0;
  const errors = new Errors();
  const client = async () => {
    while (next < SH_HELPER_GETS) {
      next++;
      const started = now();
      const child = spawn(shHelper, ['get'], { env });
      child.stdout.resume();
      child.stdin.end(REGISTRY);
      const [status] = await once(child, 'close');
      latencies.push(now() - started);
      errors.add(status === 0 ? undefined : `exit ${status}`);
    }
  };
  const started = now();
  await Promise.all(Array.from({ length: SH_HELPER_CONCURRENCY }, client));
  const seconds = (now() - started) / 1000;
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    perSecond: SH_HELPER_GETS / seconds,
  };
}

/** The floor's figures: the bare server, warmed up, then the open loop. */
async function benchFloor(loadClient, dir) {
  const bare = await startBareServer(dir);
  try {
    const closed = await closedLoop(
      loadClient,
      bare.socket,
      FLOOR_CLOSED_LOOP_GETS,
    );
    const open = await openLoop(loadClient, bare.socket);
    return { closed, open };
  } finally {
    await bare.stop();
  }
}

/** The load rows, or one 'skipped' row without a load generator. */
function loadRows(open, closed, floor) {
  if (open === undefined) {
    return [
      row(
        `agent \`get\` under ${CLIENTS} clients`,
        'skipped (bench/load-client.c did not compile: install a C ' +
          'compiler, or set CC)',
        '—',
        '—',
        `p99 ≤ ${P99_GOAL_MS} ms, no errors`,
        'missed',
      ),
    ];
  }
  const openMet = open.p99 <= P99_GOAL_MS && open.errors.total === 0;
  const littleMs = (CLIENTS / closed.perSecond) * 1000;
  return [
    row(
      `agent \`get\`, open loop: ${CLIENTS} clients, ` +
        `${OFFERED_PER_SECOND.toLocaleString('en')} gets/s offered ` +
        `(achieved ${Math.round(open.achieved).toLocaleString('en')}/s), ` +
        `${OPEN_LOOP_GETS.toLocaleString('en')} gets, latency from the ` +
        'scheduled send',
      describeOpen(open),
      `bare node:http server: ${describeOpen(floor.open)}`,
      `p99 ${ratioOf(open.p99, floor.open.p99)}`,
      `p99 ≤ ${P99_GOAL_MS} ms, no errors`,
      verdict(openMet),
    ),
    row(
      `agent \`get\`, closed loop (saturated): ${CLIENTS} clients back ` +
        `to back, ${CLOSED_LOOP_GETS.toLocaleString('en')} gets`,
      describeClosed(closed),
      `bare node:http server, ` +
        `${FLOOR_CLOSED_LOOP_GETS.toLocaleString('en')} gets: ` +
        describeClosed(floor.closed),
      `throughput ${ratioOf(closed.perSecond, floor.closed.perSecond)}`,
      `none; Little's law: ${CLIENTS} in flight ÷ throughput = ` +
        `${ms(littleMs)} mean`,
      'reported',
    ),
  ];
}

function shHelperRow(sh) {
  return row(
    `agent \`get\` through the sh helper: ${SH_HELPER_CONCURRENCY} at ` +
      `a time, ${SH_HELPER_GETS} gets`,
    `${Math.round(sh.perSecond)} gets/s, p50 ${ms(sh.p50)}, ` +
      `p99 ${ms(sh.p99)}, ${sh.errors}`,
    '—',
    '—',
    '—',
    'reported',
  );
}

function describeOpen(open) {
  return (
    `p50 ${ms(open.p50, 2)}, p99 ${ms(open.p99, 2)}, ${open.errors}; ` +
    `send lag p99 ${ms(open.lagP99, 2)}`
  );
}

function describeClosed(closed) {
  return (
    `${Math.round(closed.perSecond).toLocaleString('en')} gets/s, ` +
    `p50 ${ms(closed.p50, 2)}, p99 ${ms(closed.p99, 2)}, ${closed.errors}`
  );
}

function memoryRow(atStart, halfway, atEnd) {
  if (Number.isNaN(halfway)) {
    const measure = 'agent RSS under load';
    return row(measure, 'skipped (no load)', '—', '—', '—', 'reported');
  }
  const growth = atEnd - halfway;
  const lastGets = CLOSED_LOOP_GETS / 2 + OPEN_LOOP_GETS;
  return row(
    `agent RSS after ${(OPEN_LOOP_GETS + CLOSED_LOOP_GETS).toLocaleString('en')} ` +
      `gets (${halfway.toFixed(1)} MiB after ` +
      `${(CLOSED_LOOP_GETS / 2).toLocaleString('en')})`,
    `${atEnd.toFixed(1)} MiB`,
    `its RSS just after start: ${atStart.toFixed(1)} MiB`,
    ratioOf(atEnd, atStart),
    `bounded: the last ${lastGets.toLocaleString('en')} ` +
      `gets add ≤ ${MEMORY_GOAL_MIB} MiB (added ${growth.toFixed(1)})`,
    verdict(growth <= MEMORY_GOAL_MIB),
  );
}

function writeHostConfig(configDir) {
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
}

/** Runs every agent measure; resolves with the table's rows. */
export async function benchAgent(log = console.error) {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-bench-agent-'));
  const configDir = join(dir, 'host');
  writeHostConfig(configDir);
  const agent = await startAgent(dir, configDir);
  const atStart = rssMiB(agent.pid);
  const pass = await makePassStore();
  try {
    const shHelper = writeShHelper(dir);
    log('agent: forwarded gets through the helpers and pass');
    const helperRows = benchHelpers(shHelper, agent.socket, pass);
    const loadClient = compileLoadClient(dir, log);
    let closed, open, floor;
    let halfway = NaN;
    if (loadClient !== undefined) {
      // the closed loop first: it also warms up the agent (JIT, heap size)
      log('agent: closed loop');
      closed = await closedLoop(
        loadClient,
        agent.socket,
        CLOSED_LOOP_GETS,
        () => (halfway = rssMiB(agent.pid)),
      );
      log('agent: open loop');
      open = await openLoop(loadClient, agent.socket);
    }
    const atEnd = rssMiB(agent.pid);
    log('agent: through the sh helper');
    const sh = await shHelperLoad(shHelper, agent.socket);
    if (loadClient !== undefined) {
      log('agent: the floor, a bare node:http server');
      floor = await benchFloor(loadClient, dir);
    }
    return [
      ...helperRows,
      ...loadRows(open, closed, floor),
      shHelperRow(sh),
      memoryRow(atStart, halfway, atEnd),
    ];
  } finally {
    await agent.stop();
    await pass?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

// run directly: `node bench/agent.mjs`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchAgent();
  console.log(formatTable(rows));
  process.exitCode = rows.every((entry) => entry.result !== 'missed') ? 0 : 1;
}
