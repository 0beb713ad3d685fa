/**
 * Changes config.json safely, for login and logout: {@link updateConfigFile}
 * takes a lock beside the file, reads it again under the lock, asks the
 * caller what to change, renders the result in Docker's format
 * (config-writer.ts) and replaces the file atomically (atomic-write.ts).
 *
 * NOTE: Docker neither locks nor reads the file again before saving, so
 * concurrent `docker login`s lose each other's entries (the last writer
 * wins), and a file it could not parse is overwritten. regcred writers
 * serialise on the lock and refuse a file they cannot parse. Docker
 * processes do not take the lock, so a Docker save racing a regcred save
 * can still lose the regcred change (never corrupt the file).
 *
 * @module
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigWriteError } from '../errors.js';
import {
  describeErrno,
  FileChangedError,
  fileVersion,
  removeStaleTempFiles,
  resolveWriteTarget,
  writeFileAtomic,
  type FileVersion,
} from './atomic-write.js';
import {
  MAX_CONFIG_BYTES,
  readConfigFileSync,
  type ConfigFile,
} from './config-file.js';
import { renderConfig, type ConfigChange } from './config-writer.js';

export type { ConfigChange } from './config-writer.js';

/** What {@link updateConfigFile} did. */
export interface ConfigUpdateResult {
  /** False when the change left the bytes as they were: nothing written. */
  written: boolean;
  /** The config as read under the lock, before the change. */
  before: ConfigFile;
}

/** Options of {@link updateConfigFile}. */
export interface ConfigUpdateOptions {
  /**
   * How long to wait for another writer to release the lock before
   * failing with a ConfigWriteError.
   * @default 30000
   */
  lockTimeoutMs?: number;
  /**
   * A lock its holder has not refreshed for this long is taken over: its
   * writer died (a live holder refreshes it every `staleLockMs / 2`).
   * proper-lockfile raises values under 2000 to 2000.
   * @default 4000
   */
  staleLockMs?: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
const DEFAULT_STALE_LOCK_MS = 4_000;

/** Waits between attempts to take the lock grow to about this long. */
const MAX_LOCK_BACKOFF_MS = 50;

/**
 * How often the read-decide-write cycle is started again when the file
 * changed under it (see {@link updateConfigFile}).
 */
const MAX_UPDATE_ROUNDS = 5;

/** A lock directory that keeps vanishing (ENOENT) this often is given up. */
const MAX_MISSING_LOCK_DIRECTORY = 20;

/**
 * Errors that mean the lock cannot be made here, however long we wait; a
 * write would fail the same way, and its error says what to do.
 */
const UNLOCKABLE_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
]);

type ReleaseLock = () => Promise<void>;

/**
 * Applies a change to config.json under a lock: re-reads the file, asks
 * `decide` for the change, renders the result in Docker's format, and
 * replaces the file atomically (temp file and rename), keeping the mode,
 * symlinks and unknown fields. Nothing is written (`written: false`) when
 * `decide` returns undefined or a change that alters nothing; the file
 * then keeps its inode and mtime, as with Docker's no-op logins.
 *
 * The lock is the directory `<file>.lock` beside the file the path
 * finally names (so two links to one file share it; proper-lockfile).
 * Where it cannot be made (a read-only directory), the update goes on
 * unlocked, so that a change that alters nothing still succeeds, as it
 * does in Docker; a real write then fails with a ConfigWriteError. While
 * holding the lock after a write, temp files a killed writer left behind
 * over a minute ago are removed.
 *
 * The lock is not the only guard: just before the rename, the file must
 * still be the one that was read. If another process replaced it (a
 * Docker login, which takes no lock, or a writer that took over a lock it
 * thought abandoned), the cycle starts again from a fresh read, so
 * neither change is lost.
 *
 * @param path The config.json to change (it may be a symlink).
 * @param decide Given the config as read under the lock, returns the
 *   change to make, or undefined for none. Called again, with the new
 *   file, when another process changed the file meanwhile.
 * @throws {ConfigParseError} the file cannot be parsed; it is left as is.
 * @throws {ConfigReadError} the file cannot be read.
 * @throws {ConfigWriteError} the lock or the write failed; the old file
 *   is intact.
 * @throws {RangeError} `decide` set an entry Docker could not read back
 *   (see `renderConfig`).
 * @example
 * ```ts
 * const { written } = await updateConfigFile(path, () => ({
 *   auths: new Map([['b.example', { username: 'bob', password }]]),
 * }));
 * ```
 */
export async function updateConfigFile(
  path: string,
  decide: (current: ConfigFile) => ConfigChange | undefined,
  options: ConfigUpdateOptions = {},
): Promise<ConfigUpdateResult> {
  const {
    lockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS,
    staleLockMs = DEFAULT_STALE_LOCK_MS,
  } = options;
  if (path === '') throw new TypeError('The config file path is empty');

  // the lock lives in the config directory, which may not exist yet
  const directory = dirname(path);
  const { created } = createDirectory(directory);
  let written = false;
  try {
    const lockTarget = lockTargetFor(path);
    const release = await acquireLock(lockTarget, lockTimeoutMs, staleLockMs);
    try {
      for (let round = 1; ; round++) {
        const version = fileVersion(lockTarget);
        const before = readConfigFileSync(path);
        const change = decide(before);
        try {
          written =
            change !== undefined && writeChange(before, change, version);
          return { written, before };
        } catch (error) {
          if (!(error instanceof FileChangedError)) throw error;
          if (round === MAX_UPDATE_ROUNDS) throw keptChanging(path, error);
        }
      }
    } finally {
      await release();
    }
  } finally {
    // a directory made only for the lock goes again, as Docker makes none
    if (!written && created !== undefined) {
      removeEmptyDirectories(directory, created);
    }
  }
}

/**
 * The file whose lock guards `path`: the end of its symlinks, or `path`
 * itself when they cannot be followed (the write then says why).
 */
function lockTargetFor(path: string): string {
  try {
    return resolveWriteTarget(path);
  } catch {
    return path;
  }
}

/** Renders and writes the change; false when it alters nothing. */
function writeChange(
  before: ConfigFile,
  change: ConfigChange,
  version: FileVersion | null,
): boolean {
  const text = renderConfig(before, change);
  // Rendering is idempotent: when the change adds nothing to the file as
  // it would be rendered anyway, it adds nothing to the file's bytes
  // either, and a file in another layout is not rewritten for nothing.
  if (text === renderConfig(before)) return false;
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_BYTES) {
    // tab indentation can blow up a deeply nested unknown value
    throw new ConfigWriteError(
      before.path,
      `the new file would hold ${bytes} bytes, more than the ` +
        `${MAX_CONFIG_BYTES} regcred reads back; the old file is kept. ` +
        'Remove the large or deeply nested values regcred does not use',
    );
  }
  const target = writeFileAtomic(before.path, text, version);
  removeStaleTempFiles(target);
  return true;
}

function keptChanging(path: string, cause: Error): ConfigWriteError {
  return new ConfigWriteError(
    path,
    `other processes changed it ${MAX_UPDATE_ROUNDS} times while ` +
      'regcred was writing; nothing was written. Retry when they are done',
    { cause },
  );
}

/**
 * Takes the lock, waiting with short random pauses while another writer
 * holds it. Returns a release function that never throws.
 */
async function acquireLock(
  path: string,
  timeoutMs: number,
  staleMs: number,
): Promise<ReleaseLock> {
  const { lock } = await import('proper-lockfile');
  const lockfilePath = `${path}.lock`;
  const deadline = Date.now() + timeoutMs;
  let missing = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const release = await lock(path, {
        lockfilePath,
        realpath: false,
        stale: staleMs,
        retries: 0,
        // NOTE: a holder stalled longer than staleMs loses its lock to
        // another writer; its write still replaces the file atomically,
        // but may undo the other's change. Throwing here (the default)
        // would only crash the process from a timer.
        onCompromised: () => undefined,
      });
      return () => release().catch(() => undefined);
    } catch (error) {
      const outcome = lockFailure(path, lockfilePath, error);
      if (outcome === 'missing') missing++;
      // a directory that cannot hold the lock (under /proc, say) is given
      // up on, as an unlockable one is
      if (outcome === 'unlocked' || missing > MAX_MISSING_LOCK_DIRECTORY) {
        return async () => undefined;
      }
      if (Date.now() >= deadline) {
        throw lockTimeout(path, lockfilePath, timeoutMs);
      }
      await sleep(backoff(attempt));
    }
  }
}

/**
 * What a failed attempt to lock means: wait and retry (`'retry'`: the
 * lock is held; `'missing'`: the directory vanished and is made again),
 * or go on without the lock (`'unlocked'`: it cannot be made here, and a
 * write would fail the same way, with its own message).
 *
 * @throws {ConfigWriteError} For any other failure.
 */
function lockFailure(
  path: string,
  lockfilePath: string,
  error: unknown,
): 'retry' | 'missing' | 'unlocked' {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === 'ELOCKED') return 'retry';
  if (UNLOCKABLE_CODES.has(code)) return 'unlocked';
  if (code === 'ENOENT') {
    return createDirectory(dirname(path)).ok ? 'missing' : 'unlocked';
  }
  const problem = describeErrno(error, dirname(lockfilePath));
  throw new ConfigWriteError(
    path,
    `cannot create the lock '${lockfilePath}': ${problem}`,
    { cause: error },
  );
}

/** Random pauses growing from about 2 ms to {@link MAX_LOCK_BACKOFF_MS}. */
function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_LOCK_BACKOFF_MS, 2 * 1.5 ** attempt);
  return ceiling * (0.5 + Math.random() / 2);
}

function lockTimeout(
  path: string,
  lockfilePath: string,
  timeoutMs: number,
): ConfigWriteError {
  return new ConfigWriteError(
    path,
    `another process held the lock '${lockfilePath}' for more than ` +
      `${timeoutMs} ms. Retry when the other login or logout is done; ` +
      'if none is running, remove that directory',
  );
}

/**
 * Creates the config directory (0700, parents too), telling the first
 * directory it had to create. A failure is not thrown: a write reports
 * it, if one is needed.
 */
function createDirectory(directory: string): {
  ok: boolean;
  created: string | undefined;
} {
  try {
    const created = mkdirSync(directory, { recursive: true, mode: 0o700 });
    return { ok: true, created };
  } catch {
    return { ok: false, created: undefined };
  }
}

/** Removes `directory` and its parents up to `top`, while they are empty. */
function removeEmptyDirectories(directory: string, top: string): void {
  let current = resolve(directory);
  const last = resolve(top);
  for (;;) {
    try {
      rmdirSync(current);
    } catch {
      return; // not empty (another writer is here), or already gone
    }
    if (current === last || relative(last, current).startsWith('..')) return;
    current = dirname(current);
  }
}
