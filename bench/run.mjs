// Benchmarks, each measured against its peer in the same run and printed
// as a ratio or a count against its goal. Run with `npm run bench`.
//
// 1. Start-up: `regcred get` of a file-store entry against `node -e 0`.
//    Goal: a median ratio of 1.3 or less (Docker runs a helper on every
//    pull, so the CLI's start-up is on that path).
// 2. Helper processes for 1,000 library lookups over 10 registries.
//    Goal: 10 or fewer (one per registry while answers are cached).
// 3. Login (bench/login.mjs): HTTP requests per `regcred login` against
//    the real `docker login` on Debian's registry, and wall time, for
//    Basic over http and TLS and for a token service.
//    Goal: no more requests than docker for each password flow.
// 4. The agent (bench/agent.mjs): a forwarded get through the sh helper
//    against docker-credential-pass get (goal: ratio 0.5 or less), and
//    the agent under 50 concurrent clients (goal: p99 of 2 ms or less).
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CredentialResolver } from '../dist/index.js';
import { benchAgent } from './agent.mjs';
import { benchLogin } from './login.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

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
  console.log(
    `start-up: regcred get ${median(ours).toFixed(1)} ms, ` +
      `node -e 0 ${median(peer).toFixed(1)} ms (median of ${ROUNDS}), ` +
      `ratio ${ratio.toFixed(2)} (goal <= 1.3) ${ratio <= 1.3 ? 'MET' : 'MISSED'}`,
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
  console.log(
    `helper processes for 1,000 lookups over 10 registries: ${calls} ` +
      `(goal <= 10) ${calls <= 10 ? 'MET' : 'MISSED'}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'regcred-bench-'));
try {
  benchStartup(dir);
  await benchHelperProcesses(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
await benchLogin();
await benchAgent();
