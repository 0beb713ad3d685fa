/**
 * Reads a small file regcred parses (config.json; podman's
 * registries.conf, its drop-ins, auth.json and `~/.dockercfg`) with a
 * size cap, and with messages that say what applies to that file: a FIFO,
 * a directory or a huge file is refused before it can hang the read or
 * fill memory.
 *
 * @module
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
} from 'node:fs';
import { ConfigReadError } from '../errors.js';

/** How one kind of file is read. */
export interface BoundedFileRules {
  /** The largest file read, in bytes. */
  maxBytes: number;
  /** What such a file normally weighs, in words, for the size message. */
  usualSize: string;
  /** What the user can do instead, such as "fix the file, or unset
   * REGISTRY_AUTH_FILE"; ends the messages. */
  remedy: string;
  /** Error codes that mean "no file here" rather than a failure. */
  missingCodes: readonly string[];
  /** Read a character device (such as /dev/null) up to the cap, as Go's
   * os.ReadFile reads it, instead of refusing it. */
  readDevices?: boolean;
}

/**
 * Reads the file, or returns undefined when there is none.
 *
 * @throws {ConfigReadError} When it exists but cannot be read, is not a
 *   regular file, or is larger than `rules.maxBytes`.
 */
export function readBoundedFile(
  path: string,
  rules: BoundedFileRules,
): Buffer | undefined {
  let fd: number;
  try {
    // without blocking: opening a FIFO must not wait for a writer
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (rules.missingCodes.includes(code)) return undefined;
    throw readError(path, error, rules);
  }
  try {
    return readOpen(fd, path, rules);
  } catch (error) {
    if (error instanceof ConfigReadError) throw error;
    throw readError(path, error, rules);
  } finally {
    closeSync(fd);
  }
}

function readOpen(fd: number, path: string, rules: BoundedFileRules): Buffer {
  const stat = fstatSync(fd);
  if (stat.isDirectory()) {
    throw new ConfigReadError(
      path,
      `it is a directory, not a file; ${rules.remedy}`,
    );
  }
  if (rules.readDevices === true && stat.isCharacterDevice()) {
    return readBounded(fd, path, rules);
  }
  if (!stat.isFile()) {
    throw new ConfigReadError(
      path,
      `it is not a regular file (a FIFO, socket or device); ${rules.remedy}`,
    );
  }
  if (stat.size > rules.maxBytes) {
    const what = `it holds ${stat.size} bytes, more than the ${rules.maxBytes}`;
    throw tooLarge(path, what, rules);
  }
  return readFileSync(fd);
}

/** Reads a device until its end, refusing it past the cap (/dev/zero). */
function readBounded(fd: number, path: string, rules: BoundedFileRules) {
  const buffer = Buffer.alloc(rules.maxBytes + 1);
  let length = 0;
  for (;;) {
    const count = readSync(fd, buffer, length, buffer.length - length, null);
    if (count === 0) return buffer.subarray(0, length);
    length += count;
    if (length > rules.maxBytes) {
      const what = `it gives more than the ${rules.maxBytes} bytes`;
      throw tooLarge(path, what, rules);
    }
  }
}

function tooLarge(
  path: string,
  what: string,
  rules: BoundedFileRules,
): ConfigReadError {
  return new ConfigReadError(
    path,
    `${what} regcred reads (${rules.usualSize}); ${rules.remedy}`,
  );
}

function readError(
  path: string,
  error: unknown,
  rules: BoundedFileRules,
): ConfigReadError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied. Make it readable by this user (chmod u+r, ' +
        `or chown it to this user), or ${rules.remedy}`
      : code === 'EISDIR'
        ? `it is a directory, not a file; ${rules.remedy}`
        : `${error instanceof Error ? error.message : String(error)}; ` +
          rules.remedy;
  return new ConfigReadError(path, detail, { cause: error });
}
