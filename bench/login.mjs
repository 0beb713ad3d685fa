// Login benchmark: `regcred login` against the real `docker login` (Docker
// CLI 28.x, no daemon: it logs in client-side) on Debian's real registry,
// in the same run. For each flow it counts what one login costs the
// servers, then times both (median of BENCH_LOGIN_ROUNDS, default 10).
//
// Flows with a password: Basic over http, Basic over TLS (127.0.0.1, so
// no CA is needed), Bearer token (password grant). Goal: regcred sends no
// more requests than docker to the registry and to the token issuer.
// regcred's extensions are counted apart: the re-login with a stored
// identity token (OAuth2 refresh grant) and the POST password grant to an
// issuer that refuses GET.
//
// Requests are counted from the registry's access log and the issuer's
// record. Both clients try https before http on a loopback registry; that
// try fails in the TLS handshake and never reaches the access log, so a
// counting TCP relay in front of the registry also counts connections,
// and which of them opened with a TLS handshake.
//
// The token issuer is reached directly (the registry's realm names it), so
// its requests are counted but not its connections.
//
// Needs the built CLI (`npm run build`; `npm run bench` does that) and the
// compiled test support modules in build/test/support, which this script
// compiles (`tsc -p tsconfig.test.json`, as `npm run build:test`) when they
// are missing or older than their sources. Its results are rows of the
// bench table (bench/table.mjs); without the registry, openssl or docker
// it gives one row saying what is missing. Run it from the repository
// root, as `npm run bench` does. Everything is on 127.0.0.1; docker is only
// ever given 127.0.0.1 addresses.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { formatTable, median, ms, ratioOf, row, verdict } from './table.mjs';

const ROUNDS = Number(process.env.BENCH_LOGIN_ROUNDS ?? 10);
const DOCKER = '/usr/local/bin/docker';
const REGCRED = resolve('bin/regcred');
const SUPPORT = resolve('build/test/support');

/** What one login cost: counts at the servers, and how it ended. */
function emptyCount() {
  return { registry: 0, issuer: 0, connections: 0, tlsConnections: 0 };
}

/** Runs a program with exactly `env`; resolves with status and time. */
function runTimed(program, args, env, input) {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(program, args, { env });
    let stderr = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    child.on('error', fail);
    child.on('close', (status) =>
      done({ status, stderr, ms: performance.now() - started }),
    );
    child.stdin.end(input);
  });
}

/**
 * A TCP relay on 127.0.0.1 in front of `port` that counts connections and
 * those that start with a TLS handshake record (first byte 0x16).
 */
async function startCountingRelay(port) {
  const counts = { connections: 0, tls: 0 };
  const sockets = new Set();
  const server = createServer((client) => {
    counts.connections++;
    client.once('data', (first) => {
      if (first[0] === 0x16) counts.tls++;
    });
    const upstream = createConnection({ host: '127.0.0.1', port });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
    };
    sockets.add(client);
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    host: `127.0.0.1:${server.address().port}`,
    counts,
    reset() {
      counts.connections = 0;
      counts.tls = 0;
    },
    // a connection a client left half-open must not keep us waiting
    stop: () =>
      new Promise((done) => {
        server.close(done);
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Each client's program, arguments and a fresh, scrubbed environment. */
function makeClients(work) {
  const noHelpers = join(work, 'empty-bin');
  const dockerBin = join(work, 'docker-bin');
  let configs = 0;
  const configDir = () => join(work, `config-${++configs}`);
  return {
    async setUp() {
      await mkdir(noHelpers);
      await mkdir(dockerBin);
      // PATH holds docker alone: no credential helper is detected
      await symlink(DOCKER, join(dockerBin, 'docker'));
    },
    regcred: {
      name: 'regcred',
      program: process.execPath,
      args: (argv) => [REGCRED, ...argv],
      env: (dir = configDir()) => ({
        PATH: noHelpers,
        HOME: dir,
        DOCKER_CONFIG: dir,
      }),
    },
    docker: {
      name: 'docker',
      program: join(dockerBin, 'docker'),
      args: (argv) => argv,
      env: (dir = configDir()) => ({
        PATH: dockerBin,
        HOME: dir,
        DOCKER_CONFIG: dir,
        DOCKER_HOST: 'unix:///nonexistent',
      }),
    },
  };
}

function loginArgs(host, user) {
  return ['login', '-u', user.name, '--password-stdin', host];
}

/** One login, counted at the relay, the registry and the issuer. */
async function countLogin(client, flow, argv, env, input) {
  await flow.registry.clearRequests();
  flow.issuer?.clearRequests();
  flow.relay.reset();
  const run = await runTimed(client.program, client.args(argv), env, input);
  const count = emptyCount();
  count.status = run.status;
  count.registry = (await flow.registry.requests()).length;
  count.issuer = flow.issuer?.requests().length ?? 0;
  count.connections = flow.relay.counts.connections;
  count.tlsConnections = flow.relay.counts.tls;
  count.stderr = run.stderr;
  return count;
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeCount(count) {
  const issuer = count.issuer > 0 ? `, issuer ${count.issuer}` : '';
  return (
    `registry ${plural(count.registry, 'request')}${issuer}; ` +
    `${plural(count.connections, 'connection')} ` +
    `(${count.tlsConnections} TLS)` +
    (count.status === 0 ? '' : `; FAILED, exit ${count.status}`)
  );
}

/** Counts one password login per client through the relay. */
async function benchRequests(clients, flow) {
  const user = flow.registry.users[0];
  const argv = loginArgs(flow.relay.host, user);
  const input = `${user.password}\n`;
  const ours = await countLogin(
    clients.regcred,
    flow,
    argv,
    clients.regcred.env(),
    input,
  );
  const peer = await countLogin(
    clients.docker,
    flow,
    argv,
    clients.docker.env(),
    input,
  );
  for (const [name, count] of [
    ['regcred', ours],
    ['docker', peer],
  ]) {
    if (count.status !== 0) {
      console.error(`  ${name} failed:\n${indent(count.stderr)}`);
    }
  }
  const met =
    ours.status === 0 &&
    ours.registry <= peer.registry &&
    ours.issuer <= peer.issuer;
  return row(
    `login round trips, ${flow.name}`,
    describeCount(ours),
    `docker login: ${describeCount(peer)}`,
    ratioOf(requestsOf(ours), requestsOf(peer)),
    "requests ≤ docker's",
    verdict(met),
  );
}

function requestsOf(count) {
  return count.registry + count.issuer;
}

/** Median wall time of a password login, the clients interleaved. */
async function benchTime(clients, flow) {
  const user = flow.registry.users[0];
  const argv = loginArgs(flow.registry.host, user);
  const input = `${user.password}\n`;
  const times = { regcred: [], docker: [] };
  // one warm-up each, then interleave so drift hits both alike
  for (let round = 0; round <= ROUNDS; round++) {
    for (const client of [clients.regcred, clients.docker]) {
      const run = await runTimed(
        client.program,
        client.args(argv),
        client.env(),
        input,
      );
      if (run.status !== 0) {
        throw new Error(
          `${client.name} login (${flow.name}) exited ${run.status}:\n` +
            run.stderr,
        );
      }
      if (round > 0) times[client.name].push(run.ms);
    }
  }
  const ours = median(times.regcred);
  const peer = median(times.docker);
  return row(
    `login wall time, ${flow.name} (median of ${ROUNDS})`,
    ms(ours),
    `docker login: ${ms(peer)}`,
    ratioOf(ours, peer),
    '—',
    'reported',
  );
}

/** regcred's extensions, counted apart; docker's outcome shown beside. */
async function benchExtensions(clients, flow) {
  const user = flow.registry.users[0];
  const host = flow.relay.host;
  const input = `${user.password}\n`;

  // identity token re-use: log in once, then `login HOST` alone
  const dir = join(flow.work, 'extension-config');
  const env = clients.regcred.env(dir);
  await countLogin(clients.regcred, flow, loginArgs(host, user), env, input);
  const again = await countLogin(clients.regcred, flow, ['login', host], env);
  const dockerDir = join(flow.work, 'extension-docker-config');
  const dockerEnv = clients.docker.env(dockerDir);
  await countLogin(
    clients.docker,
    flow,
    loginArgs(host, user),
    dockerEnv,
    input,
  );
  const dockerAgain = await countLogin(
    clients.docker,
    flow,
    ['login', host],
    dockerEnv,
  );
  const rows = [
    row(
      'login round trips, re-login with the stored identity token ' +
        '(regcred extension: refresh grant)',
      describeCount(again),
      `docker login: ${describeCount(dockerAgain)} (it prompts, and ` +
        'fails without a terminal)',
      '—',
      '—',
      'reported',
    ),
  ];

  // POST password grant when the issuer refuses GET
  flow.issuer.update({ methods: 'post-only', refusedStatus: 405 });
  try {
    const argv = loginArgs(host, user);
    const post = await countLogin(
      clients.regcred,
      flow,
      argv,
      clients.regcred.env(),
      input,
    );
    const peer = await countLogin(
      clients.docker,
      flow,
      argv,
      clients.docker.env(),
      input,
    );
    rows.push(
      row(
        'login round trips, issuer answers GET with 405 (regcred ' +
          'extension: POST password grant)',
        describeCount(post),
        `docker login: ${describeCount(peer)}`,
        '—',
        '—',
        'reported',
      ),
    );
  } finally {
    flow.issuer.update({ methods: 'both' });
  }
  return rows;
}

function indent(text) {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** The sources the bench imports (compiled), with what they import. */
const SUPPORT_SOURCES = [
  'test/support/registry',
  'test/support/certs',
  'test/support/token-issuer',
  'src/internal/find-executable',
];

function supportIsStale() {
  return SUPPORT_SOURCES.some((source) => {
    const built = resolve('build', `${source}.js`);
    if (!existsSync(built)) return true;
    return statSync(`${source}.ts`).mtimeMs > statSync(built).mtimeMs;
  });
}

/**
 * Compiles the tests as `npm run build:test` does. tsc writes every file
 * even when another one has type errors, so those only get a note.
 */
function buildSupportIfStale() {
  if (!supportIsStale()) return;
  console.error('login: compiling the test support modules (build:test)');
  const tsc = resolve('node_modules/typescript/bin/tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.test.json'],
    { stdio: 'ignore' },
  );
  if (result.status !== 0) {
    console.error(
      `login: tsc -p tsconfig.test.json exited ${result.status}; ` +
        'run `npm run build:test` to see why',
    );
  }
}

/** Why the login bench cannot run here, or undefined when it can. */
async function findUnavailable() {
  buildSupportIfStale();
  if (!existsSync(join(SUPPORT, 'registry.js'))) {
    return 'build/test/support is missing: run `npm run build:test` first';
  }
  if (!existsSync(REGCRED)) return 'bin/regcred is missing';
  if (!existsSync(DOCKER)) return `${DOCKER} is missing`;
  const { REGISTRY_UNAVAILABLE } = await import(`${SUPPORT}/registry.js`);
  return REGISTRY_UNAVAILABLE || undefined;
}

/** Starts a registry and its relay; `stop()` ends both. */
async function startFlow(startRegistry, name, options, work) {
  const registry = await startRegistry(options);
  const relay = await startCountingRelay(registry.port);
  return {
    name,
    registry,
    issuer: registry.tokenIssuer,
    relay,
    work,
    stop: async () => {
      await relay.stop();
      await registry.stop();
    },
  };
}

/** Runs every flow; resolves with the table's rows. */
export async function benchLogin(log = console.error) {
  const unavailable = await findUnavailable();
  if (unavailable) {
    return [
      row(
        'login round trips and wall time',
        `skipped (${unavailable})`,
        '—',
        '—',
        "requests ≤ docker's",
        'missed',
      ),
    ];
  }
  const { startRegistry } = await import(`${SUPPORT}/registry.js`);
  const work = await mkdtemp(join(tmpdir(), 'regcred-bench-login-'));
  const clients = makeClients(work);
  await clients.setUp();
  const flows = [
    ['Basic over http', { auth: 'htpasswd' }],
    ['Basic over TLS (127.0.0.1)', { auth: 'htpasswd', tls: true }],
    ['Bearer token (password grant)', { auth: 'token' }],
  ];
  const requestRows = [];
  const timeRows = [];
  const extensionRows = [];
  try {
    for (const [name, options] of flows) {
      log(`login: ${name}`);
      const flow = await startFlow(startRegistry, name, options, work);
      try {
        requestRows.push(await benchRequests(clients, flow));
        timeRows.push(await benchTime(clients, flow));
        if (flow.issuer) {
          extensionRows.push(...(await benchExtensions(clients, flow)));
        }
      } finally {
        await flow.stop();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return [...requestRows, ...timeRows, ...extensionRows];
}

// run directly: `node bench/login.mjs`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchLogin();
  console.log(formatTable(rows));
  process.exitCode = rows.every((entry) => entry.result !== 'missed') ? 0 : 1;
}
