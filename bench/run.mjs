// Benchmarks, each measured against its peer in the same run, printed as
// one Markdown table (bench/table.mjs): measure, regcred's figure, the
// peer's figure, ratio, goal, and met / missed / reported. Run with
// `npm run bench` (about 2 to 3 minutes); progress goes to stderr, the
// table to stdout.
//
// 1. Start-up: `regcred get` of a file-store entry against `node -e 0`.
//    Goal: a median ratio of 1.3 or less (Docker runs a helper on every
//    pull, so the CLI's start-up is on that path).
// 2. Helper processes for 1,000 library lookups over 10 registries.
//    Goal: 10 or fewer (one per registry while answers are cached). The
//    peer is Docker's design, not measured: the Docker CLI runs the helper
//    once per lookup, and needs a daemon to pull.
// 3. Login (bench/login.mjs): HTTP requests per `regcred login` against
//    the real `docker login` on Debian's registry, and wall time, for
//    Basic over http and TLS and for a token service.
//    Goal: no more requests than docker for each password flow.
// 4. The agent (bench/agent.mjs): forwarded gets through the helpers
//    against docker-credential-pass, latency under an offered load of 50
//    clients, saturated throughput, and memory.
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CredentialResolver } from '../dist/index.js';
import { benchAgent } from './agent.mjs';
import { benchLogin } from './login.mjs';
import {
  formatTable,
  median,
  ms,
  ratioOf,
  row,
  summarize,
  verdict,
} from './table.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

function timeOnce(args, env) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${args.join(' ')} exited ${result.status}: ${result.stderr}`,
    );
  }
  return performance.now() - started;
}

function benchStartup(dir) {
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { 'bench.example': { auth: 'dTpwdw==' } } }),
  );
  const env = { PATH: '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: dir };
  const regcred = ['bin/regcred', 'get', 'bench.example/app'];
  const baseline = ['-e', '0'];
  // warm the file-system cache, then interleave so drift hits both alike
  timeOnce(regcred, env);
  timeOnce(baseline, env);
  const ours = [];
  const peer = [];
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(timeOnce(regcred, env));
    peer.push(timeOnce(baseline, env));
  }
  const ratio = median(ours) / median(peer);
  return row(
    `\`regcred get\` start-up (median of ${ROUNDS})`,
    ms(median(ours)),
    `node -e 0: ${ms(median(peer))}`,
    ratioOf(median(ours), median(peer)),
    'ratio ≤ 1.3',
    verdict(ratio <= 1.3),
  );
}

async function benchHelperProcesses(dir) {
  const log = join(dir, 'calls.log');
  const helper = join(dir, 'docker-credential-bench');
  writeFileSync(
    helper,
    `#!/bin/sh\necho "$1" >> '${log}'\ncat >/dev/null\n` +
      `printf '{"Username":"u","Secret":"s"}'\n`,
  );
  chmodSync(helper, 0o755);
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ credsStore: 'bench' }),
  );
  writeFileSync(log, '');
  const env = { PATH: `${dir}:/usr/bin:/bin`, HOME: dir, DOCKER_CONFIG: dir };
  const resolver = new CredentialResolver({ env });
  const lookups = [];
  for (let i = 0; i < 1000; i++) {
    lookups.push(resolver.resolveImage(`reg${i % 10}.example/app:${i}`));
    if (lookups.length === 50) await Promise.all(lookups.splice(0));
  }
  await Promise.all(lookups);
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
  return row(
    'helper spawns per 1,000 lookups over 10 registries',
    String(calls),
    "Docker's design: 1,000 (one per lookup; not measured, needs a daemon)",
    ratioOf(calls, 1000),
    '≤ 10',
    verdict(calls <= 10),
  );
}

function machine() {
  const [load] = readFileSync('/proc/loadavg', 'utf8').split(' ');
  return `${cpus().length} cores, load average ${load}`;
}

const log = (text) => console.error(text);
const startedOn = machine();
const rows = [];
const dir = mkdtempSync(join(tmpdir(), 'regcred-bench-'));
try {
  log('start-up');
  rows.push(benchStartup(dir));
  log('helper spawns');
  rows.push(await benchHelperProcesses(dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
rows.push(...(await benchLogin(log)));
rows.push(...(await benchAgent(log)));

console.log(formatTable(rows));
console.log(
  `\n${summarize(rows)}. Machine: ${startedOn} at the start, ` +
    `${machine().split(', ')[1]} at the end; Node.js ${process.version}.`,
);
