/**
 * The client side of the `docker-credential-*` protocol: runs a helper the
 * way Docker does (same argv, stdin bytes, environment and working
 * directory) and reads its answer the way Docker's Go client does, with
 * the hardening Docker lacks: a timeout that stops the helper's whole
 * process group, a cap on its output, cancellation, and error messages
 * that never hold a secret.
 *
 * References:
 * - https://github.com/docker/docker-credential-helpers/tree/v0.9.3/client
 * - docs/reference: docker-cli-auth.md §4.1 and §10.7
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  HelperError,
  type HelperAction,
  type HelperFailureReason,
} from '../errors.js';
import { findExecutable } from '../internal/find-executable.js';
import { childProcess } from '../internal/lazy-builtins.js';
import {
  decodeGoValue,
  decodeUtf8LikeGo,
  readJsonValue,
  type GoType,
  type GoValue,
} from '../config/json-reader.js';
import { goCompactObject, goQuote } from '../internal/go-json.js';
import { DEFAULT_HELPER_TIMEOUT_MS } from '../timeout.js';

/** What a helper prints, on a non-zero exit, when it has no credentials. */
export const HELPER_NOT_FOUND_MESSAGE =
  'credentials not found in native keychain';

/**
 * The largest stdout accepted by default. A real answer is a few hundred
 * bytes (a long identity token a few KiB, a `list` of many registries some
 * tens of KiB); 1 MiB leaves ample room while keeping a runaway helper
 * from filling memory.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** How long a stopped helper gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 1_000;

/** How much of a helper's stderr is kept, in 'capture' mode. */
const STDERR_CAPTURE_BYTES = 4 * 1024;

/** How much of a helper's output an error message quotes. */
const EXCERPT_CHARS = 200;

/** Longest delay setTimeout honours; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Unicode White_Space, as Go's unicode.IsSpace has it. */
const GO_SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a' +
  '\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Go's strings.TrimSpace: that white space, at either end. */
const GO_TRIM_SPACE_REGEXP = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

/** Control characters, kept out of messages a terminal will show. */
// eslint-disable-next-line no-control-regex
const CONTROL_REGEXP = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Options for one helper call. */
export interface HelperCallOptions {
  /** Kill the helper after this long, in milliseconds; `Infinity` for
   * never (as Docker). @default 30_000 */
  timeoutMs?: number;
  /** Environment for the helper, and whose PATH is searched.
   * @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Largest stdout accepted before the helper is killed.
   * @default {@link DEFAULT_MAX_OUTPUT_BYTES} (1 MiB, see there why) */
  maxOutputBytes?: number;
  /** 'inherit' passes the helper's stderr through (as Docker does, for the
   * CLI); 'capture' keeps it (capped) for the error detail.
   * @default 'capture' */
  stderr?: 'inherit' | 'capture';
  /** Stops the helper (its whole process group) and rejects with the
   * signal's reason. */
  signal?: AbortSignal;
}

/** Credentials as a helper keeps them. */
export interface HelperCredentials {
  /** The user name, or `<token>` when the secret is an identity token. */
  username: string;
  /** The password or identity token. */
  secret: string;
}

/** One helper invocation: what to run and what to send. */
interface HelperCall {
  helper: string;
  action: HelperAction;
  serverAddress: string;
  /** The exact stdin bytes, as UTF-8 text. */
  input: string;
  /** A value to mask if the helper echoes it (the secret, for store). */
  secret?: string;
}

/** How a helper that ran to the end finished. */
interface HelperExit {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Finds `docker-credential-NAME` on PATH the way Docker (Go's
 * exec.LookPath) does.
 *
 * @param name The helper's name: a `credsStore` or `credHelpers` value.
 * @param env The environment whose PATH is searched.
 * @returns The helper's absolute path, or undefined when it is not there.
 */
export function findHelper(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return findExecutable(helperProgram(name), env);
}

/**
 * Asks a helper for the credentials of one server (action `get`); stdin is
 * the server address, raw, with no newline.
 *
 * The answer is passed through as the helper gives it: a username of
 * `<token>` (an identity token) is the caller's to interpret.
 *
 * @example
 * ```ts
 * const found = await helperGet('pass', 'registry.example:5000');
 * if (found === undefined) console.log('not logged in');
 * ```
 *
 * @param name The helper's name, without `docker-credential-`.
 * @param serverAddress The key to look up, sent as it is.
 * @returns The credentials, or undefined for Docker's not-found answer
 *   (a non-zero exit whose trimmed stdout is
 *   {@link HELPER_NOT_FOUND_MESSAGE}).
 * @throws {HelperError} when the helper is missing, fails, times out, or
 *   answers with something other than a JSON object of strings.
 */
export async function helperGet(
  name: string,
  serverAddress: string,
  options: HelperCallOptions = {},
): Promise<HelperCredentials | undefined> {
  const call: HelperCall = {
    helper: name,
    action: 'get',
    serverAddress,
    input: serverAddress,
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) {
    if (isNotFoundAnswer(exit)) return undefined;
    throw exitError(call, exit);
  }
  return readCredentials(call, exit.stdout);
}

/**
 * Stores credentials through a helper (action `store`). Stdin is
 * `{"ServerURL":…,"Username":…,"Secret":…}` and a newline, escaped as Go
 * escapes it, exactly as Docker sends it.
 *
 * @throws {HelperError} when the helper is missing, fails or times out.
 *   The message never holds the secret, even if the helper echoes it.
 */
export async function helperStore(
  name: string,
  credentials: { serverURL: string; username: string; secret: string },
  options: HelperCallOptions = {},
): Promise<void> {
  const body = goCompactObject(
    [
      ['ServerURL', credentials.serverURL],
      ['Username', credentials.username],
      ['Secret', credentials.secret],
    ],
    false,
  );
  const call: HelperCall = {
    helper: name,
    action: 'store',
    serverAddress: credentials.serverURL,
    input: `${body}\n`,
    secret: credentials.secret,
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) throw exitError(call, exit);
}

/**
 * Removes one server's credentials from a helper (action `erase`); stdin is
 * the server address, raw, with no newline.
 *
 * @throws {HelperError} when the helper fails, including its not-found
 *   answer (reason 'exit'): Docker treats that as an error too.
 */
export async function helperErase(
  name: string,
  serverAddress: string,
  options: HelperCallOptions = {},
): Promise<void> {
  const call: HelperCall = {
    helper: name,
    action: 'erase',
    serverAddress,
    input: serverAddress,
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) throw exitError(call, exit);
}

/**
 * Lists the servers a helper holds credentials for (action `list`, stdin
 * `unused`).
 *
 * @returns A map from server address, as the helper keys it, to username.
 * @throws {HelperError} when the helper fails or its answer is not a JSON
 *   object of strings.
 */
export async function helperList(
  name: string,
  options: HelperCallOptions = {},
): Promise<Map<string, string>> {
  const call: HelperCall = {
    helper: name,
    action: 'list',
    serverAddress: '',
    input: 'unused',
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) throw exitError(call, exit);
  return readListing(call, exit.stdout);
}

function helperProgram(name: string): string {
  return `docker-credential-${name}`;
}

/** Runs the helper to its end, or rejects once it has been stopped. */
async function runHelper(
  call: HelperCall,
  options: HelperCallOptions,
): Promise<HelperExit> {
  const { timeoutMs = DEFAULT_HELPER_TIMEOUT_MS } = options;
  const { maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES } = options;
  if (!(timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be positive, found ${timeoutMs}`);
  }
  if (!(maxOutputBytes >= 0)) {
    throw new RangeError(
      `maxOutputBytes must not be negative, found ${maxOutputBytes}`,
    );
  }
  options.signal?.throwIfAborted();

  const env = options.env ?? process.env;
  const program = findHelper(call.helper, env);
  if (program === undefined) {
    throw helperError(call, 'not-found', describeMissing(call.helper, env));
  }
  return new HelperProcess(call, program, {
    ...options,
    env,
    timeoutMs,
    maxOutputBytes,
  }).result;
}

/**
 * One running helper. Its lifecycle: spawned in a process group of its
 * own; then either it ends by itself (`close`: every pipe is closed), or
 * it is stopped (timeout, too much output, abort): SIGTERM to the group,
 * SIGKILL to the group after {@link KILL_GRACE_MS}, and the promise
 * settles once the helper itself has exited and been reaped.
 */
class HelperProcess {
  /** Settles when the helper has finished or has been stopped. */
  readonly result: Promise<HelperExit>;

  readonly #call: HelperCall;
  readonly #maxOutputBytes: number;
  readonly #signal: AbortSignal | undefined;
  readonly #child: ChildProcess;
  readonly #stdout: Buffer[] = [];
  #stdoutBytes = 0;
  readonly #stderr: Buffer[] = [];
  #stderrBytes = 0;
  #deadline: NodeJS.Timeout | undefined;
  #exited = false;
  #stopping = false;
  #stopReason: unknown;
  #settled = false;
  #resolve: (exit: HelperExit) => void = () => undefined;
  #reject: (reason: unknown) => void = () => undefined;
  readonly #onAbort = (): void => this.#stop(this.#signal?.reason);

  constructor(
    call: HelperCall,
    program: string,
    options: Required<Omit<HelperCallOptions, 'signal' | 'stderr'>> &
      Pick<HelperCallOptions, 'signal' | 'stderr'>,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#call = call;
    this.#maxOutputBytes = options.maxOutputBytes;
    this.#signal = options.signal;

    // NOTE: detached puts the helper in a new session (setsid), so a
    // timeout can stop its children too. Docker runs it in the CLI's own
    // process group: there a helper may open /dev/tty, and Ctrl-C reaches
    // it; here neither holds.
    this.#child = childProcess().spawn(program, [call.action], {
      argv0: helperProgram(call.helper),
      env: options.env,
      detached: true,
      stdio: [
        'pipe',
        'pipe',
        options.stderr === 'inherit' ? 'inherit' : 'pipe',
      ],
    });
    this.#watch(options.timeoutMs);

    // a helper may exit without reading stdin: EPIPE is not an error here
    this.#child.stdin?.on('error', () => undefined);
    this.#child.stdin?.end(call.input);
  }

  #watch(timeoutMs: number): void {
    const child = this.#child;
    child.on('error', (error) => this.#onError(error));
    child.on('exit', () => this.#onExit());
    child.on('close', (status, signal) => this.#onClose(status, signal));
    child.stdout?.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#onStderr(chunk));
    if (timeoutMs <= MAX_TIMER_MS) {
      this.#deadline = setTimeout(() => this.#onTimeout(timeoutMs), timeoutMs);
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  #onError(error: Error): void {
    // after a successful spawn, errors come from signalling; ignore them
    if (this.#child.pid !== undefined) return;
    const code = (error as NodeJS.ErrnoException).code ?? error.name;
    const detail =
      `'${helperProgram(this.#call.helper)}' could not be started ` +
      `(${code}); check that it is an executable program`;
    this.#settle(() => {
      this.#reject(helperError(this.#call, 'not-found', detail, error));
    });
  }

  #onTimeout(timeoutMs: number): void {
    const detail =
      `no answer within ${timeoutMs} ms, so it was stopped; check ` +
      'whether it waits for a password prompt or a locked keyring, or ' +
      'allow it more time';
    this.#stop(helperError(this.#call, 'timeout', detail));
  }

  #onStdout(chunk: Buffer): void {
    if (this.#stopping) return;
    this.#stdoutBytes += chunk.length;
    if (this.#stdoutBytes > this.#maxOutputBytes) {
      const detail =
        `printed more than ${this.#maxOutputBytes} bytes, so it was ` +
        'stopped; a helper answers with a small JSON document';
      this.#stop(helperError(this.#call, 'too-large', detail));
      return;
    }
    this.#stdout.push(chunk);
  }

  #onStderr(chunk: Buffer): void {
    const room = STDERR_CAPTURE_BYTES - this.#stderrBytes;
    if (room <= 0) return;
    this.#stderr.push(chunk.subarray(0, room));
    this.#stderrBytes += Math.min(room, chunk.length);
  }

  #onExit(): void {
    this.#exited = true;
    if (this.#stopping) this.#fail();
  }

  #onClose(status: number | null, signal: NodeJS.Signals | null): void {
    if (this.#stopping) {
      this.#fail();
      return;
    }
    this.#settle(() => {
      this.#resolve({
        status,
        signal,
        stdout: decodeUtf8LikeGo(Buffer.concat(this.#stdout)),
        stderr: Buffer.concat(this.#stderr).toString('utf8'),
      });
    });
  }

  /** Stops the whole process group: SIGTERM, then SIGKILL after a grace. */
  #stop(reason: unknown): void {
    if (this.#stopping || this.#settled) return;
    this.#stopping = true;
    this.#stopReason = reason;
    clearTimeout(this.#deadline);
    this.#signalGroup('SIGTERM');
    // kept after settling too, so that members ignoring SIGTERM are swept
    setTimeout(() => {
      this.#signalGroup('SIGKILL');
      if (this.#exited) this.#fail();
    }, KILL_GRACE_MS);
  }

  // TODO: Windows has no process groups (a negative pid fails there), so
  // a stopped helper's children would survive; regcred runs on Unix only.
  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  }

  #fail(): void {
    this.#settle(() => {
      // a member that escaped the group may still hold a pipe open
      this.#child.stdout?.destroy();
      this.#child.stderr?.destroy();
      this.#reject(this.#stopReason);
    });
  }

  #settle(report: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#deadline);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    report();
  }
}

function helperError(
  call: HelperCall,
  reason: HelperFailureReason,
  detail: string,
  cause?: unknown,
): HelperError {
  const { helper, action, serverAddress } = call;
  return new HelperError(
    { helper, action, serverAddress, reason, detail },
    cause === undefined ? undefined : { cause },
  );
}

/** Says why a helper was not found, naming no PATH entry's content. */
function describeMissing(name: string, env: NodeJS.ProcessEnv): string {
  const program = helperProgram(name);
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  const where =
    dirs.length === 0
      ? `'${program}' cannot be found: PATH is empty`
      : `'${program}' is not an executable file in any of the ` +
        `${dirs.length} directories on PATH`;
  const blocked = dirs.map((dir) => join(dir, program)).find(isUnexecutable);
  const hint =
    blocked === undefined
      ? 'install the helper, or name another one in config.json'
      : `'${blocked}' exists but is not executable; make it executable`;
  return `${where}; ${hint}`;
}

function isUnexecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/** Docker's not-found answer: a non-zero exit printing exactly the text. */
function isNotFoundAnswer(exit: HelperExit): boolean {
  return goTrimSpace(exit.stdout) === HELPER_NOT_FOUND_MESSAGE;
}

/**
 * Describes a non-zero exit. Docker quotes the trimmed stdout, which holds
 * the helper's error text; it is quoted here too, capped, and cleaned of
 * the secret the call sent, if any.
 */
function exitError(call: HelperCall, exit: HelperExit): HelperError {
  const how =
    exit.status === null
      ? `was killed by ${exit.signal ?? 'a signal'}`
      : `exited with status ${exit.status}`;
  const stdout = excerpt(mask(exit.stdout, call.secret));
  const stderr = excerpt(mask(exit.stderr, call.secret));
  const parts = [how];
  if (stdout !== '') parts.push(`printing \`${stdout}\``);
  if (stderr !== '') parts.push(`with stderr \`${stderr}\``);
  if (parts.length === 1) parts[0] = `${how} and printed nothing`;
  return helperError(call, 'exit', parts.join(', '));
}

function mask(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  const escaped = goQuote(secret).slice(1, -1);
  return text.split(secret).join('***').split(escaped).join('***');
}

/** Trimmed, one line, no control characters, at most EXCERPT_CHARS. */
function excerpt(text: string): string {
  const line = goTrimSpace(text.replace(CONTROL_REGEXP, ' '));
  const chars = Array.from(line);
  if (chars.length <= EXCERPT_CHARS) return line;
  return `${chars.slice(0, EXCERPT_CHARS).join('')}…`;
}

function goTrimSpace(text: string): string {
  return text.replace(GO_TRIM_SPACE_REGEXP, '');
}

/** Docker's type for a `get` answer. */
const CREDENTIALS_TYPE: GoType = {
  kind: 'struct',
  fields: {
    ServerURL: { kind: 'string' },
    Username: { kind: 'string' },
    Secret: { kind: 'string' },
  },
};

/** Docker's type for a `list` answer. */
const LISTING_TYPE: GoType = { kind: 'map', elem: { kind: 'string' } };

/**
 * Reads a `get` answer as Go's json.Decoder fills Docker's struct: keys
 * matched without regard to case and applied in document order, other
 * keys ignored, `null` leaving a field empty, text after the first JSON
 * value ignored.
 */
function readCredentials(call: HelperCall, stdout: string): HelperCredentials {
  const expected = 'expected a JSON object with Username and Secret';
  const value = decodeReply(call, stdout, CREDENTIALS_TYPE, expected);
  const fields = value instanceof Map ? value : new Map<string, GoValue>();
  const text = (field: string) => {
    const found = fields.get(field);
    return typeof found === 'string' ? found : '';
  };
  return { username: text('Username'), secret: text('Secret') };
}

/** Reads a `list` answer: a JSON object of strings (`null` is empty). */
function readListing(call: HelperCall, stdout: string): Map<string, string> {
  const expected = 'expected a JSON object mapping servers to usernames';
  const value = decodeReply(call, stdout, LISTING_TYPE, expected);
  const listing = new Map<string, string>();
  if (!(value instanceof Map)) return listing;
  for (const [server, username] of value) {
    listing.set(server, typeof username === 'string' ? username : '');
  }
  return listing;
}

/**
 * Decodes the first JSON value of a helper's output into a Go type, as
 * Docker's helper client does. Problems are described by shape and
 * position, never by quoting the output, which may hold a secret.
 */
function decodeReply(
  call: HelperCall,
  stdout: string,
  type: GoType,
  expected: string,
): GoValue {
  const read = readJsonValue(stdout);
  if (!read.ok) {
    const problem = 'exited 0 but printed text that is not JSON';
    throw helperError(call, 'bad-output', `${problem}; ${expected}`);
  }
  if (read.value === undefined) {
    const problem = 'exited 0 but printed nothing';
    throw helperError(call, 'bad-output', `${problem}; ${expected}`);
  }
  const decoded = decodeGoValue(read.value, type);
  if (!decoded.ok) {
    const problem = `printed JSON that does not fit: ${decoded.problem.reason}`;
    throw helperError(call, 'bad-output', `${problem}; ${expected}`);
  }
  return decoded.value;
}
