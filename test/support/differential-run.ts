/**
 * Runs one differential case: `docker pull REF` against a fake daemon and
 * `regcred get REF`, side by side, with the same config, helpers and
 * environment; then compares what each says Docker sends.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import {
  layOutCase,
  type CaseLayout,
  type DifferentialCase,
} from './differential-case.js';
import {
  decodeRegistryAuth,
  startFakeDaemon,
  type FakeDaemon,
} from './fake-daemon.js';
import { watchProductRun } from './leak-log.js';

/** What Docker prints on stderr when config.json does not load cleanly. */
export const DOCKER_CONFIG_WARNING_REGEXP =
  /WARNING: Error (parsing|loading) config file/;

/** How long either program may take before it is killed. */
const RUN_TIMEOUT_MS = 20_000;

/** How often Docker is run again to tell a random answer from a fixed one. */
const RERUNS_ON_DISAGREEMENT = 4;

/** The outcome of one program run. */
export interface ProgramOutcome {
  /** The exit status, or null when killed by a signal. */
  exitCode: number | null;
  /** Everything printed on stdout. */
  stdout: string;
  /** Everything printed on stderr. */
  stderr: string;
}

/** What `docker pull` did. */
export interface DockerOutcome extends ProgramOutcome {
  /** The JSON text of the X-Registry-Auth header, when Docker pulled. */
  json?: string;
  /** True when Docker warned that config.json did not load cleanly. */
  warned: boolean;
}

/**
 * How a case came out:
 * - `agree`: regcred printed exactly the JSON Docker sent;
 * - `both-rejected`: neither accepted the reference;
 * - `disagree`: anything else, a failure;
 * - `docker-warned`: Docker warned about config.json, so the case is left
 *   out (regcred deliberately fails there);
 * - `docker-random`: Docker's answer changed between runs (several legacy
 *   keys stand for the reference's key), so the case is left out.
 */
export type Verdict =
  'agree' | 'both-rejected' | 'disagree' | 'docker-warned' | 'docker-random';

/** A case with both outcomes and the verdict. */
export interface CaseResult {
  /** The case. */
  testCase: DifferentialCase;
  /** What Docker did. */
  docker: DockerOutcome;
  /** What regcred did. */
  regcred: ProgramOutcome;
  /** How it came out. */
  verdict: Verdict;
}

/** Where the programs are and how to run them. */
export interface RunOptions {
  /** The path of `bin/regcred`. */
  regcredBin: string;
  /** The path of `docker`. */
  dockerPath: string;
  /** A directory for the cases' files. */
  workDir: string;
  /** A command that runs its arguments with no network but loopback,
   * from {@link findNetworkIsolation}; empty to run them as they are. */
  isolation: readonly string[];
}

/**
 * Runs a case with Docker and regcred at once, and compares them.
 *
 * @param testCase The case.
 * @param options Where the programs are and where to put files.
 */
export async function runCase(
  testCase: DifferentialCase,
  options: RunOptions,
): Promise<CaseResult> {
  const dir = await mkdtemp(join(options.workDir, 'case-'));
  const daemon = await startFakeDaemon(dir);
  try {
    const layout = await layOutCase(testCase, dir, daemon.dockerHost);
    const { reference } = testCase;
    const [docker, regcred] = await Promise.all([
      runDockerPull(reference, layout, daemon, options),
      runRegcredGet(reference, layout, options),
    ]);
    let verdict = judge(docker, regcred);
    if (verdict === 'disagree' && docker.json !== undefined) {
      const rerun = { reference, layout, daemon, options };
      if (await dockerIsRandom(rerun, docker)) {
        verdict = 'docker-random';
      }
    }
    return { testCase, docker, regcred, verdict };
  } finally {
    await daemon.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs cases, `concurrency` at a time, and returns their results in the
 * order of `cases`.
 */
export async function runCases(
  cases: readonly DifferentialCase[],
  options: RunOptions & { concurrency: number },
): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  async function worker(): Promise<void> {
    for (let index = next++; index < cases.length; index = next++) {
      const testCase = cases[index];
      if (testCase !== undefined) {
        results[index] = await runCase(testCase, options);
      }
    }
  }
  const workers = Array.from({ length: options.concurrency }, worker);
  await Promise.all(workers);
  return results;
}

/**
 * Runs `docker pull REF` against `daemon` (which `layout.env` names) and
 * decodes the X-Registry-Auth header it sent.
 */
export async function runDockerPull(
  reference: string,
  layout: CaseLayout,
  daemon: FakeDaemon,
  options: Pick<RunOptions, 'dockerPath' | 'isolation'>,
): Promise<DockerOutcome> {
  const seen = daemon.pullAuthHeaders().length;
  const args = [...layout.globalArgs, 'pull', reference];
  const command = [...options.isolation, options.dockerPath, ...args];
  const outcome = await runCommand(command, layout.env, layout.cwd);
  const warned = DOCKER_CONFIG_WARNING_REGEXP.test(outcome.stderr);
  const header = daemon.pullAuthHeaders()[seen];
  if (header === undefined) return { ...outcome, warned };
  return { ...outcome, warned, json: decodeRegistryAuth(header) };
}

/** Runs `regcred get REF` with the case's environment. */
export async function runRegcredGet(
  reference: string,
  layout: CaseLayout,
  options: Pick<RunOptions, 'regcredBin' | 'isolation'>,
): Promise<ProgramOutcome> {
  const args = [...layout.globalArgs, 'get', reference];
  const command = [
    ...options.isolation,
    process.execPath,
    options.regcredBin,
    ...args,
  ];
  const watched = watchProductRun('regcred', args, layout.env);
  const outcome = await runCommand(command, layout.env, layout.cwd);
  watched.finish([
    { stream: 'stdout', text: outcome.stdout },
    { stream: 'stderr', text: outcome.stderr },
  ]);
  return outcome;
}

/**
 * Finds a way to run programs without network access but loopback.
 *
 * `docker pull` looks the registry's host name up (to tell whether it is
 * on loopback), which would send DNS queries for made-up names to the
 * machine's resolver. In a new, empty network namespace those fail at
 * once and nothing leaves the machine; unix sockets still work.
 *
 * @param path The PATH to find `unshare` on.
 * @returns The command prefix, or undefined when no namespace can be made.
 */
export async function findNetworkIsolation(
  path: string,
): Promise<string[] | undefined> {
  const unshare = findOnPath('unshare', path);
  if (unshare === undefined) return undefined;
  for (const flags of [['--net'], ['--map-root-user', '--net']]) {
    const prefix = [unshare, ...flags];
    const probe = await runCommand([...prefix, 'true'], { PATH: path });
    if (probe.exitCode === 0) return prefix;
  }
  return undefined;
}

/** Finds an executable file on a PATH, as a shell would. */
export function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** Tells whether regcred's output is what Docker sent. */
export function judge(docker: DockerOutcome, regcred: ProgramOutcome): Verdict {
  if (docker.warned) return 'docker-warned';
  if (docker.json === undefined) {
    return regcred.exitCode !== 0 && regcred.exitCode !== null
      ? 'both-rejected'
      : 'disagree';
  }
  const same = regcred.exitCode === 0 && regcred.stdout === `${docker.json}\n`;
  return same ? 'agree' : 'disagree';
}

/** Describes a case and both outcomes, for a failure message. */
export function describeResult(result: CaseResult): string {
  const { testCase, docker, regcred } = result;
  const helpers = Object.entries(testCase.helpers)
    .map(([suffix, behaviour]) => `docker-credential-${suffix}: ${behaviour}`)
    .join(', ');
  const lines = [
    `case ${testCase.name}: ${result.verdict}`,
    `  reference:   ${testCase.reference}`,
    `  config.json: ${showRawBytes(testCase.config ?? '(no file)')}`,
    `  helpers:     ${helpers || '(none)'}`,
  ];
  if (testCase.executables?.length) {
    lines.push(`  on PATH:     ${testCase.executables.join(', ')}`);
  }
  if (testCase.location !== undefined && testCase.location !== 'flag') {
    lines.push(`  config dir:  given by ${testCase.location}`);
  }
  if (testCase.configFile !== undefined && testCase.configFile !== 'regular') {
    lines.push(`  config.json: is a ${testCase.configFile}`);
  }
  if (testCase.pathStyle !== undefined && testCase.pathStyle !== 'absolute') {
    lines.push(`  PATH:        ${testCase.pathStyle} directory for helpers`);
  }
  lines.push(
    `  docker:      ${docker.json ?? `(no pull) exit ${docker.exitCode}`}`,
    `  regcred:     ${regcred.stdout.replace(/\n$/, '') || '(nothing)'}` +
      (regcred.exitCode === 0 ? '' : ` exit ${regcred.exitCode}`),
  );
  if (docker.json === undefined && docker.stderr.trim() !== '') {
    lines.push(`  docker said:  ${firstLines(docker.stderr)}`);
  }
  if (regcred.stderr.trim() !== '') {
    lines.push(`  regcred said: ${firstLines(regcred.stderr)}`);
  }
  return lines.join('\n');
}

/**
 * Runs a command with exactly `env`, stdin closed, and collects its
 * output. Kills it after {@link RUN_TIMEOUT_MS}.
 */
export function runCommand(
  command: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd?: string,
): Promise<ProgramOutcome> {
  const [file, ...args] = command;
  if (file === undefined) throw new TypeError('runCommand() needs a command');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: RUN_TIMEOUT_MS,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (exitCode) =>
      resolve({
        exitCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

async function dockerIsRandom(
  run: {
    reference: string;
    layout: CaseLayout;
    daemon: FakeDaemon;
    options: RunOptions;
  },
  first: DockerOutcome,
): Promise<boolean> {
  const { reference, layout, daemon, options } = run;
  for (let count = 0; count < RERUNS_ON_DISAGREEMENT; count++) {
    const again = await runDockerPull(reference, layout, daemon, options);
    if (again.json !== first.json) return true;
  }
  return false;
}

/** Shows the lone surrogates that stand for raw bytes as `\xHH`. */
function showRawBytes(text: string): string {
  return text.replace(/[\udc80-\udcff]/g, (char) => {
    const byte = char.charCodeAt(0) - 0xdc00;
    return `\\x${byte.toString(16)}`;
  });
}

function firstLines(text: string): string {
  const lines = text.trim().split('\n');
  const shown = lines.slice(0, 3).join(' | ');
  return lines.length > 3 ? `${shown} | …` : shown;
}
