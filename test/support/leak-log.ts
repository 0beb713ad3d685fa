/**
 * The log of what the product printed during a test run, for the leak
 * scan of test/run.mjs (see docs/testing-leaks.md).
 *
 * test/run.mjs names a folder in {@link LEAK_LOG_VARIABLE}; each test
 * process appends JSON lines to a file of its own there: a `run` line per
 * product run (its outputs and the secrets in play) and a `secret` line
 * per {@link registerTestSecret} call. Without the variable (a test file
 * run on its own) nothing is recorded.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  optionValue,
  readIfThere,
  secretsOfRun,
  type TestSecret,
} from './leak-secrets.js';

/** The environment variable that names the log folder. */
export const LEAK_LOG_VARIABLE = 'REGCRED_TEST_OUTPUT_LOG';

/** Which product program ran: the CLI, the helper, or the library
 * called in the test's own process. */
export type ProductProgram =
  'regcred' | 'docker-credential-regcred' | 'library';

/** One piece of what a run printed or wrote. */
export interface ProductOutput {
  /** stdout, stderr, audit, error (a thrown message), terminal, ... */
  stream: string;
  text: string;
}

/** A line of the log. */
export type LeakLogEntry =
  | { kind: 'secret'; file?: string; secret: TestSecret }
  | {
      kind: 'run';
      file?: string;
      program: ProductProgram;
      args: string[];
      /** Whether stdout is where this command prints credentials. */
      stdoutExempt: boolean;
      outputs: ProductOutput[];
      secrets: TestSecret[];
    };

/** The log folder, read once: a test may replace process.env. */
const logDir = process.env[LEAK_LOG_VARIABLE];

/** Whether this process records (the runner asked for it). */
export function isLeakLogOn(): boolean {
  return logDir !== undefined;
}

/** Appends one entry to this process's log file. */
export function appendLogEntry(entry: LeakLogEntry): void {
  const dir = logDir;
  if (dir === undefined) return;
  const line = { ...entry, file: testFileName() };
  appendFileSync(
    join(dir, `${process.pid}.jsonl`),
    JSON.stringify(line) + '\n',
  );
}

/** The test file this process runs, for the report. */
function testFileName(): string {
  return basename(process.argv[1] ?? 'unknown').replace(/\.js$/, '.ts');
}

/** A product run being watched: call finish() with what it printed. */
export interface WatchedRun {
  finish(outputs: ProductOutput[]): void;
}

const IGNORED: WatchedRun = { finish: () => undefined };

/**
 * Starts watching a run of `program args` with `env` and `stdin`: notes
 * the secrets in play now (before the run may change the config), and
 * again when the run finishes.
 */
export function watchProductRun(
  program: ProductProgram,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
  given: readonly TestSecret[] = [],
): WatchedRun {
  if (!isLeakLogOn()) return IGNORED;
  const before = [...given, ...secretsOfRun(args, env, stdin)];
  return {
    finish(outputs) {
      const secrets = [...before, ...secretsOfRun(args, env, stdin)];
      appendLogEntry({
        kind: 'run',
        program,
        args: [...args],
        stdoutExempt: printsCredentials(program, args),
        outputs: outputs.filter((output) => output.text !== ''),
        secrets,
      });
    },
  };
}

/**
 * Watches a product process the test started itself (e.g. an agent):
 * collects its stdout and stderr, and when it has closed records them,
 * with the file named by `--audit-file` when there is one.
 */
export function watchProductProcess(
  program: ProductProgram,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  child: ChildProcess,
  stdin = '',
): void {
  if (!isLeakLogOn()) return;
  const watched = watchProductRun(program, args, env, stdin);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  child.once('close', () => {
    const outputs = [
      { stream: 'stdout', text: stdout() },
      { stream: 'stderr', text: stderr() },
    ];
    const auditFile = optionValue(args, '--audit-file');
    if (auditFile !== undefined) {
      outputs.push({ stream: 'audit', text: readIfThere(auditFile) ?? '' });
    }
    watched.finish(outputs);
  });
}

/** Collects what a stream gives, whatever encoding its reader set. */
function collect(stream: NodeJS.ReadableStream | null): () => string {
  const chunks: Buffer[] = [];
  stream?.on('data', (chunk: Buffer | string) =>
    chunks.push(Buffer.from(chunk)),
  );
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Records outputs of a run whose secrets are only those registered
 * (e.g. an error the library threw in the test's own process). */
export function recordOutputs(
  program: ProductProgram,
  args: readonly string[],
  outputs: ProductOutput[],
): void {
  if (!isLeakLogOn()) return;
  appendLogEntry({
    kind: 'run',
    program,
    args: [...args],
    stdoutExempt: false,
    outputs: outputs.filter((output) => output.text !== ''),
    secrets: [],
  });
}

/** Options that take a value, before a command or a subcommand. */
const VALUE_OPTIONS = new Set(['--config', '--helper-timeout', '--namespace']);

/**
 * Whether this command's job is to print credentials on stdout: `get`
 * (both programs), `k8s secret` and the kubelet credential provider.
 */
export function printsCredentials(
  program: ProductProgram,
  args: readonly string[],
): boolean {
  const words = positionals(args);
  if (program === 'docker-credential-regcred') return words[0] === 'get';
  if (program !== 'regcred') return false;
  const [command, subcommand] = words;
  return (
    command === 'get' ||
    command === 'kubelet-credential-provider' ||
    (command === 'k8s' && subcommand === 'secret')
  );
}

function positionals(args: readonly string[]): string[] {
  const words: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (VALUE_OPTIONS.has(arg)) index++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words;
}
