/**
 * Replaces config.json the way Docker 28 saves it, so that a reader sees
 * the old file or the new one, never a part of either:
 * 1. the configured file's directory is created (0700) when missing;
 * 2. a symlinked config.json is followed, chains too, to the file it
 *    finally names, which is replaced: the link stays a link;
 * 3. the text goes to a temp file beside that file, named after it
 *    (`config.json.regcred-1234567890.tmp`; Docker's name is the path
 *    plus digits), mode 0600;
 * 4. that file's mode is copied onto the temp file, and its owner when
 *    neither uid nor gid is 0 (as Docker does, and only where chown is
 *    allowed);
 * 5. optionally, the target is checked to be the file the caller read,
 *    so that a change made meanwhile is not overwritten;
 * 6. the temp file is renamed over the target. On any failure it is
 *    removed, and the old file is left as it was.
 *
 * Unlike Docker, the temp file is flushed to disk (fsync) before the
 * rename, and the directory after it, so a crash cannot leave an empty
 * config.json behind. And Docker makes its temp file beside the *link*,
 * so a link into another file system (a tmpfs, a secrets mount) fails
 * with a cross-device error; regcred's temp file sits beside the target,
 * where the rename cannot cross file systems.
 *
 * A config.json that is itself a mount point (one file bind-mounted, as
 * `docker run -v ./config.json:/root/.docker/config.json` does) cannot
 * be replaced by a rename (EBUSY). regcred then fails and says to mount
 * the folder instead (Docker's rename fails too, and its logout does not
 * say so): writing the file in place would work, but a crash midway
 * would leave it torn (docs/faults.md).
 *
 * References: docker/cli v28.2.2 `cli/config/configfile/file.go` (`Save`)
 * and `file_unix.go` (`copyFilePermissions`).
 *
 * @module
 */
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigWriteError } from '../errors.js';

/** Linux gives up after 40 links (ELOOP); so does the target search. */
const MAX_SYMLINK_HOPS = 40;

/** How many random temp names are tried before giving up. */
const TEMP_NAME_ATTEMPTS = 100;

/**
 * Temp files left by a killed writer are removed once this old: a live
 * writer (Docker's or ours) renames its temp file within milliseconds.
 */
const STALE_TEMP_FILE_MS = 60_000;

/** What identifies one version of a file: another write changes it. */
export interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** Thrown when the target is no longer the version the caller read. */
export class FileChangedError extends Error {
  constructor(path: string) {
    super(`${path} was changed by another process meanwhile`);
    this.name = 'FileChangedError';
  }
}

/**
 * The version of the file a write to `path` would replace, or null when
 * there is none yet.
 */
export function fileVersion(path: string): FileVersion | null {
  try {
    const { ino, size, mtimeMs } = statSync(path);
    return { ino, size, mtimeMs };
  } catch {
    return null;
  }
}

/**
 * Writes `data` to `path` atomically, as Docker saves config.json (see
 * the module comment).
 *
 * @param path The configured file, e.g. `~/.docker/config.json`; it may
 *   be a symlink, or a chain of them.
 * @param data The new content; a string is written as UTF-8.
 * @param expected The version of the file the content was made from
 *   (null: no file); when given and the file is another by the time of
 *   the rename, nothing is written.
 * @returns The file that was replaced: `path`, or the end of its links.
 * @throws {ConfigWriteError} When any step fails; the old file is intact
 *   and no temp file is left behind.
 * @throws {FileChangedError} When the file is no longer `expected`.
 * @example
 * ```ts
 * // ~/.docker/config.json -> dotfiles/docker.json: the link stays
 * writeFileAtomic(join(homedir(), '.docker', 'config.json'), text);
 * ```
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  expected?: FileVersion | null,
): string {
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  } catch (error) {
    const detail = `cannot create the directory '${directory}'`;
    throw writeError(path, detail, error, dirname(directory));
  }
  const target = resolveWriteTarget(path);
  const temp = createTempFile(path, target);

  let fd: number | undefined = temp.fd;
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
    copyFilePermissions(target, fd);
    closeSync(fd);
    fd = undefined;
    if (expected !== undefined && !sameVersion(fileVersion(target), expected)) {
      throw new FileChangedError(path);
    }
    renameSync(temp.path, target);
  } catch (error) {
    if (fd !== undefined) closeQuietly(fd);
    removeQuietly(temp.path);
    if (error instanceof FileChangedError) throw error;
    const detail = describeFailedReplace(path, temp.path, target, error);
    throw new ConfigWriteError(path, detail, { cause: error });
  }
  syncDirectory(dirname(target));
  return target;
}

function sameVersion(a: FileVersion | null, b: FileVersion | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * Finds the file a write to `path` replaces: `path` itself, or the file
 * its chain of symlinks ends at, which need not exist yet.
 *
 * NOTE: Docker writes through a dangling link whose target directory is
 * missing by creating a *file* named after the first missing directory
 * (a link to `missing-dir/config.json` makes a file `missing-dir`);
 * regcred refuses instead and says which directory to create.
 *
 * @throws {ConfigWriteError} For a link loop, a link into a missing
 *   directory, or a path through something that is not a directory.
 */
export function resolveWriteTarget(path: string): string {
  let current = resolve(path);
  for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop++) {
    let next: string | undefined;
    try {
      next = followSymlink(current);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        return checkMissingTarget(path, current);
      }
      throw writeError(path, `cannot follow '${current}'`, error);
    }
    if (next === undefined) return current;
    current = next;
  }
  throw new ConfigWriteError(
    path,
    `it is a chain of more than ${MAX_SYMLINK_HOPS} symbolic links ` +
      '(a loop?). Replace the link with the file itself',
  );
}

/** The path a symlink points to, or undefined when `path` is no link. */
function followSymlink(path: string): string | undefined {
  if (!lstatSync(path).isSymbolicLink()) return undefined;
  // a relative link is relative to the real directory holding it
  return resolve(realpathSync(dirname(path)), readlinkSync(path));
}

/** A missing target is created, but only inside an existing directory. */
function checkMissingTarget(path: string, target: string): string {
  const directory = dirname(target);
  try {
    if (statSync(directory).isDirectory()) return target;
  } catch {
    // missing or unreachable: reported below
  }
  throw new ConfigWriteError(
    path,
    `it is a symbolic link to '${target}', but the directory ` +
      `'${directory}' does not exist. Create that directory, or remove ` +
      'the link so that a plain file is written',
  );
}

/** The name of a temp file for `path`, and how to recognise one. */
const TEMP_PREFIX = '.regcred-';
const TEMP_SUFFIX = '.tmp';
const TEMP_NAME_TAIL = /^\.regcred-\d{10}\.tmp$/;

/**
 * Creates a temp file beside `target`, the file a write to `path`
 * replaces, mode 0600, opened: a rename never crosses file systems.
 */
function createTempFile(
  path: string,
  target: string,
): { fd: number; path: string } {
  const directory = dirname(target);
  const prefix = basename(target);
  let lastError: unknown;
  for (let attempt = 0; attempt < TEMP_NAME_ATTEMPTS; attempt++) {
    const name = prefix + TEMP_PREFIX + randomDigits() + TEMP_SUFFIX;
    const tempPath = join(directory, name);
    try {
      return { fd: openSync(tempPath, 'wx', 0o600), path: tempPath };
    } catch (error) {
      lastError = error;
      if (errorCode(error) !== 'EEXIST') break;
    }
  }
  const detail = `cannot create a temporary file in '${directory}'`;
  throw writeError(path, detail, lastError, directory);
}

/** Ten random digits. */
function randomDigits(): string {
  const low = 1_000_000_000;
  return String(low + Math.floor(Math.random() * (2 ** 32 - low)));
}

/**
 * Docker's copyFilePermissions: the old file's mode when it is a regular
 * file, else 0600; its owner only when uid and gid are both above 0.
 * Failing to change the owner is not an error (only root may give a
 * file away), as in Docker.
 */
function copyFilePermissions(target: string, fd: number): void {
  let old;
  try {
    old = statSync(target);
  } catch {
    return; // a new file keeps 0600
  }
  fchmodSync(fd, old.isFile() ? old.mode & 0o7777 : 0o600);
  const current = fstatSync(fd);
  const sameOwner = current.uid === old.uid && current.gid === old.gid;
  if (old.uid > 0 && old.gid > 0 && !sameOwner) {
    try {
      fchownSync(fd, old.uid, old.gid);
    } catch {
      // not permitted: the file keeps the writer as its owner
    }
  }
}

/** Makes the rename durable; best effort, as not every system allows it. */
function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the file is in place; only its durability across a crash is less sure
  }
}

/**
 * Removes temp files a killed regcred writer left beside `path` (give
 * the target {@link writeFileAtomic} returns, which they sit beside):
 * regular files with regcred's temp names only (never Docker's
 * `config.json` plus digits, which a user's dated backup may look like),
 * older than {@link STALE_TEMP_FILE_MS}. Call it while holding the config
 * lock.
 * Failures are ignored: a leftover temp file harms nothing but space.
 *
 * @returns How many files were removed.
 */
export function removeStaleTempFiles(path: string): number {
  const directory = dirname(path);
  const prefix = basename(path);
  const cutoff = Date.now() - STALE_TEMP_FILE_MS;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const suffix = name.slice(prefix.length);
    if (!name.startsWith(prefix) || !TEMP_NAME_TAIL.test(suffix)) continue;
    const tempPath = join(directory, name);
    try {
      const stat = lstatSync(tempPath);
      if (!stat.isFile() || stat.mtimeMs >= cutoff) continue;
      unlinkSync(tempPath);
      removed++;
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/** Says what failed when replacing the file, and what to do about it. */
function describeFailedReplace(
  path: string,
  tempPath: string,
  target: string,
  error: unknown,
): string {
  const code = errorCode(error);
  if (code === 'EBUSY' || code === 'EXDEV') {
    return (
      `'${target}' is a mount point (a single file mounted on its own, ` +
      'as `docker run -v ./config.json:...` does), and a mounted file ' +
      'cannot be replaced atomically; the old file is kept. Mount the ' +
      'folder that holds it instead of the file, or point DOCKER_CONFIG ' +
      `at a writable folder (${code})`
    );
  }
  const what =
    target === resolve(path)
      ? `cannot write the new file to '${tempPath}' (removed again) ` +
        'and rename it over the old one'
      : `cannot replace '${target}', the file the link points to`;
  const problem = describeErrno(error, dirname(target));
  return `${what}: ${problem}; the old file is kept`;
}

function writeError(
  path: string,
  detail: string,
  error: unknown,
  directory: string = dirname(path),
): ConfigWriteError {
  const message = `${detail}: ${describeErrno(error, directory)}`;
  return new ConfigWriteError(path, message, { cause: error });
}

/**
 * A system error met in `directory`, in words, with what to do where
 * that is clear.
 */
export function describeErrno(error: unknown, directory: string): string {
  const code = errorCode(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return (
        `permission denied (${code}). Make '${directory}' writable by ` +
        'this user, or point DOCKER_CONFIG at a folder you own'
      );
    case 'EROFS':
      return (
        `'${directory}' is on a read-only file system (EROFS). Remount ` +
        'it read-write, or point DOCKER_CONFIG at a writable folder'
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return (
        `no space left on the device that holds '${directory}' ` +
        `(${code}: the disk or your quota is full). Free some space ` +
        'there and retry'
      );
    case 'EISDIR':
      return 'a directory is in the way. Move it, Docker expects a file';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already failing; the first error is the one to report
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // nothing to remove
  }
}
