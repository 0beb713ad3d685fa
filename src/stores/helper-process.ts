/**
 * One run of a `docker-credential-*` helper, started the way Docker starts
 * it (same argv, stdin bytes, environment and working directory), with the
 * hardening Docker lacks: a timeout that stops the helper's whole process
 * group, a cap on its output, and cancellation through an AbortSignal.
 * What the helper printed is handed back as text, decoded from UTF-8 as Go
 * decodes it; reading it as an answer is helper-reply.ts's work.
 *
 * References:
 * - https://github.com/docker/docker-credential-helpers/tree/v0.9.3/client
 * - docs/reference: docker-cli-auth.md §4.1 and §10.7
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import {
  HelperError,
  type HelperAction,
  type HelperFailureReason,
} from '../errors.js';
import { decodeUtf8LikeGo } from '../internal/go-utf8.js';
import { childProcess } from '../internal/lazy-builtins.js';
import { HELPER_KILL_GRACE_MS } from '../timeout.js';
import type { HelperCallOptions } from './helper-client.js';

/** How much of a helper's stderr is kept, in 'capture' mode. */
const STDERR_CAPTURE_BYTES = 4 * 1024;

/** One helper invocation: what to run and what to send. */
export interface HelperCall {
  helper: string;
  action: HelperAction;
  serverAddress: string;
  /** The exact stdin bytes, as UTF-8 text. */
  input: string;
  /** A value to mask if the helper echoes it (the secret, for store). */
  secret?: string;
}

/** How a helper that ran to the end finished. */
export interface HelperExit {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The program a helper name stands for: `docker-credential-NAME`. */
export function helperProgram(name: string): string {
  return `docker-credential-${name}`;
}

/**
 * One running helper. Its lifecycle: spawned in a process group of its
 * own; then either it ends by itself (`close`: every pipe is closed), or
 * it is stopped (timeout, too much output, abort): SIGTERM to the group,
 * SIGKILL to the group after {@link HELPER_KILL_GRACE_MS}, and the promise
 * settles once the helper itself has exited and been reaped.
 */
export class HelperProcess {
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
    options: Required<
      Omit<HelperCallOptions, 'signal' | 'stderr' | 'namedIn'>
    > &
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
    RUNNING.add(this);

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
    // runHelper checked it, so that a timer can hold it (checkTimeoutMs)
    this.#deadline = setTimeout(() => this.#onTimeout(timeoutMs), timeoutMs);
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
    // the helper itself may be gone while a process it started still
    // holds its output open: the answer never ends either way
    const detail = this.#exited
      ? `exited, but a process it started kept its output open for ` +
        `${timeoutMs} ms, so both were stopped; a helper must not leave ` +
        'processes behind holding its stdout'
      : `no answer within ${timeoutMs} ms, so it was stopped; check ` +
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
    }, HELPER_KILL_GRACE_MS);
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

  /** Sends `signal` to the helper's process group, if it still runs. */
  signal(signal: NodeJS.Signals): void {
    if (!this.#settled) this.#signalGroup(signal);
  }

  #settle(report: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    RUNNING.delete(this);
    clearTimeout(this.#deadline);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    report();
  }
}

/** Helpers started and not yet finished or stopped. */
const RUNNING = new Set<HelperProcess>();

/**
 * Sends `signal` to every running helper's process group. Helpers run in
 * sessions of their own, so a Ctrl-C or a kill aimed at regcred does not
 * reach them; a program that is stopped calls this on its way out.
 */
export function signalRunningHelpers(signal: NodeJS.Signals): void {
  for (const helper of RUNNING) helper.signal(signal);
}

/**
 * Builds the {@link HelperError} for a call that failed: the helper, action
 * and server address from the call, `detail` saying why and what to do.
 */
export function helperError(
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
