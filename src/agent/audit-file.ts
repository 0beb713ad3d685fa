/**
 * The agent's audit file: lines appended in batches rather than one write
 * per request, and log rotation followed as `tail -F` follows it: once
 * the file has been renamed or removed, the next batch goes to a new file
 * at the same path.
 *
 * @module
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  statSync,
  writeSync,
} from 'node:fs';
import { AgentError } from './agent-error.js';
import type { AuditSink } from './audit.js';

/** An audit file opened for appending. */
export interface AuditFile {
  /** Queues one line; lines reach the file within {@link AUDIT_FLUSH_MS}. */
  write: AuditSink;
  /** Writes what is queued, then closes the file. */
  close(): void;
}

/** How long an audit line may wait to be written with others. */
const AUDIT_FLUSH_MS = 50;

/** Queued bytes that make the audit file be written at once. */
const AUDIT_FLUSH_BYTES = 64 * 1024;

/** O_NONBLOCK: a FIFO would block the open until a reader came, and with
 * it the signal handlers that stop the agent; it fails instead (ENXIO),
 * or opens and is refused as not a regular file. */
const APPEND_FLAGS =
  constants.O_WRONLY |
  constants.O_APPEND |
  constants.O_CREAT |
  constants.O_NONBLOCK;

/**
 * Opens (or creates, mode 0600) a file to append audit lines to. Lines
 * are written in batches, one write per {@link AUDIT_FLUSH_MS} at most;
 * what is queued is written on close() and when the process exits.
 *
 * NOTE: an existing file keeps its mode; the agent does not tighten a file
 * the user made. Audit lines hold no secret either way.
 *
 * NOTE: lines queued when the process is killed (SIGKILL) are lost.
 *
 * @throws {AgentError} when the file cannot be opened, or is not a file.
 */
export function openAuditFile(path: string): AuditFile {
  const file = new BatchedAuditFile(path, openForAppending(path));
  return { write: (line) => file.write(line), close: () => file.close() };
}

/** Opens `path` to append to; refuses anything but a regular file. */
function openForAppending(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, 0o600);
  } catch (error) {
    throw new AgentError(
      `Cannot open the audit file '${path}' for appending: ` +
        `${errorCode(error)}. Give a file in a folder you can write to`,
      { cause: error },
    );
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new AgentError(
      `The audit file '${path}' is not a regular file; give a file path`,
    );
  }
  return fd;
}

class BatchedAuditFile {
  readonly #path: string;
  #fd: number;
  #queued = '';
  #timer: NodeJS.Timeout | undefined;
  /** Problems already reported on stderr, each said once. */
  readonly #warned = new Set<string>();
  #closed = false;
  readonly #flushAtExit = (): void => this.#flush();

  constructor(path: string, fd: number) {
    this.#path = path;
    this.#fd = fd;
    process.on('exit', this.#flushAtExit);
  }

  write(line: string): void {
    // after close() the descriptor may already belong to another file
    if (this.#closed) return;
    this.#queued += `${line}\n`;
    if (this.#queued.length >= AUDIT_FLUSH_BYTES) return this.#flush();
    // unref: a queued line never keeps the process alive; exit writes it
    this.#timer ??= setTimeout(() => this.#flush(), AUDIT_FLUSH_MS).unref();
  }

  close(): void {
    if (this.#closed) return;
    process.off('exit', this.#flushAtExit);
    this.#flush();
    this.#closed = true;
    closeSync(this.#fd);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queued === '') return;
    const text = this.#queued;
    this.#queued = '';
    this.#followRotation();
    try {
      writeSync(this.#fd, text);
    } catch (error) {
      // NOTE: lines that cannot be written (a full disk) are lost, as in
      // the server's sink: stopping the agent would break every pull
      this.#warn(
        'write',
        `cannot write the audit file '${this.#path}' ` +
          `(${errorCode(error)}); audit lines are being lost`,
      );
    }
  }

  /** Moves to a new file at the path once the open one was renamed or
   * removed there (log rotation). */
  #followRotation(): void {
    let atPath;
    let open;
    try {
      atPath = statSync(this.#path, { throwIfNoEntry: false });
      open = fstatSync(this.#fd);
    } catch {
      return; // the folder cannot be searched now: keep the open file
    }
    if (atPath?.ino === open.ino && atPath.dev === open.dev) return;
    try {
      const fd = openForAppending(this.#path);
      closeSync(this.#fd);
      this.#fd = fd;
      this.#warned.delete('reopen'); // a later failure is said again
    } catch (error) {
      const cause = (error as AgentError).cause;
      const why = cause === undefined ? 'not a regular file' : errorCode(cause);
      this.#warn(
        'reopen',
        `the audit file '${this.#path}' was moved or removed, and a new ` +
          `one cannot be made there (${why}); audit lines go on to the ` +
          'old file',
      );
    }
  }

  #warn(problem: string, text: string): void {
    if (this.#warned.has(problem)) return;
    this.#warned.add(problem);
    process.stderr.write(`regcred agent: warning: ${text}\n`);
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
