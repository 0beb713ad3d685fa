/**
 * Fake `docker-credential-*` programs for tests: `/bin/sh` scripts built
 * from small behaviours, and a recorder that logs each call's argv, stdin,
 * environment and working directory byte for byte.
 *
 * A behaviour is a fragment of shell script. The ready-made ones use only
 * `cat`, `sleep`, `head`, `tr` and `base64` from PATH, so they also run
 * with the scrubbed PATH of test/support/cli.ts.
 *
 * @example
 * ```ts
 * const log = join(dir, 'calls.log');
 * makeFakeHelper(dir, 'fake', recording(log, answering({
 *   ServerURL: 'r.example', Username: 'ann', Secret: 'pw',
 * })));
 * await helperGet('fake', 'r.example', { env: { PATH: dir } });
 * assert.equal(readRecordedCalls(log)[0]?.stdin.toString(), 'r.example');
 * ```
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_NOT_FOUND_MESSAGE } from '../../src/stores/helper-client.js';
import { registerHelperScriptSecrets } from './leak-secrets.js';

/**
 * Writes an executable `docker-credential-NAME` into `dir`: `#!/bin/sh`
 * followed by `script`.
 *
 * @returns The helper's path.
 */
export function makeFakeHelper(
  dir: string,
  name: string,
  script: string,
): string {
  const path = join(dir, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  registerHelperScriptSecrets(script);
  return path;
}

/** Quotes text for /bin/sh as one word, whatever it holds (but NUL). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Reads stdin, then prints `reply` (JSON-encoded unless a string), exit 0. */
export function answering(reply: unknown): string {
  const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
  return `cat >/dev/null\nprintf '%s' ${shellQuote(text)}\nexit 0`;
}

/** Reads stdin, then gives Docker's not-found answer, as real helpers do:
 * the sentence and a newline on stdout, exit 1. */
export function notFound(): string {
  return `cat >/dev/null\necho '${HELPER_NOT_FOUND_MESSAGE}'\nexit 1`;
}

/**
 * Prints `stdout` as it is and exits with `code`, **without reading
 * stdin**, so a large input meets a closed pipe (EPIPE).
 */
export function exiting(code: number, stdout = ''): string {
  return `printf '%s' ${shellQuote(stdout)}\nexit ${code}`;
}

/** Never answers; dies on SIGTERM. Keeps its pid (`exec`). */
export function hanging(): string {
  return 'exec sleep 3600';
}

/** Never answers and ignores SIGTERM; only SIGKILL stops it. Keeps its
 * pid (`exec`). */
export function hangingIgnoringTerm(): string {
  return "trap '' TERM\nexec sleep 3600";
}

/** Reads stdin, then prints text that is not JSON, exit 0. */
export function printingGarbage(): string {
  return "cat >/dev/null\nprintf '%s' 'this is not JSON {'\nexit 0";
}

/** Reads stdin, then prints `megabytes` MiB of `x`, exit 0. */
export function printingMegabytes(megabytes = 4): string {
  const bytes = megabytes * 1024 * 1024;
  return `cat >/dev/null\nhead -c ${bytes} /dev/zero | tr '\\000' x\nexit 0`;
}

/** Writes the helper's pid (`$$`) to `pidFile`, then behaves as given. */
export function writingPid(pidFile: string, behaviour: string): string {
  return `echo $$ > ${shellQuote(pidFile)}\n${behaviour}`;
}

/**
 * Appends one line per call to `logFile` (read it with
 * {@link readRecordedCalls}), then behaves as given, with the same stdin
 * bytes. The behaviour runs in a subshell; its exit status is the
 * helper's, and `$$` is still the helper's pid.
 */
export function recording(logFile: string, behaviour: string): string {
  const log = shellQuote(logFile);
  return [
    'regcred_stdin=$(base64 -w0)',
    'regcred_line="s$regcred_stdin"',
    'for regcred_arg in "$@"; do',
    '  regcred_line="$regcred_line a$(printf %s "$regcred_arg" | base64 -w0)"',
    'done',
    'regcred_env=$(base64 -w0 </proc/$$/environ 2>/dev/null)',
    'regcred_cwd=$(printf %s "$(pwd -P)" | base64 -w0)',
    `echo "$regcred_line e$regcred_env c$regcred_cwd" >> ${log}`,
    'printf %s "$regcred_stdin" | base64 -d | {',
    behaviour,
    '}',
    'exit $?',
  ].join('\n');
}

/** One call logged by {@link recording}. */
export interface RecordedCall {
  /** The arguments after the program name. */
  argv: string[];
  /** Stdin, byte for byte. */
  stdin: Buffer;
  /** The helper's initial environment (from /proc, so exactly as given). */
  env: Record<string, string>;
  /** The helper's working directory. */
  cwd: string;
}

/** Reads the calls logged by {@link recording}; none if the log is absent. */
export function readRecordedCalls(logFile: string): RecordedCall[] {
  if (!existsSync(logFile)) return [];
  const lines = readFileSync(logFile, 'utf8').split('\n');
  return lines.filter((line) => line !== '').map(parseRecordedCall);
}

function parseRecordedCall(line: string): RecordedCall {
  const call: RecordedCall = {
    argv: [],
    stdin: Buffer.alloc(0),
    env: {},
    cwd: '',
  };
  for (const field of line.split(' ')) {
    const bytes = Buffer.from(field.slice(1), 'base64');
    if (field.startsWith('s')) call.stdin = bytes;
    else if (field.startsWith('a')) call.argv.push(bytes.toString('utf8'));
    else if (field.startsWith('e')) call.env = parseEnviron(bytes);
    else if (field.startsWith('c')) call.cwd = bytes.toString('utf8');
  }
  return call;
}

function parseEnviron(bytes: Buffer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of bytes.toString('utf8').split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}
