/**
 * STUB: interface agreed between the writer and its callers; the writer
 * task replaces the body.
 *
 * @module
 */
import type { ConfigFile, RawAuthEntry } from './config-file.js';

/** Changes to one config file. Keys not named are left exactly as they are. */
export interface ConfigChange {
  /** `auths` entries to set (the whole entry), or to remove (undefined). */
  auths?: Map<string, RawAuthEntry | undefined>;
  /** A `credsStore` value to write (Docker persists a detected default). */
  credsStore?: string;
}

/** What {@link updateConfigFile} did. */
export interface ConfigUpdateResult {
  /** False when the change left the bytes as they were: nothing written. */
  written: boolean;
  /** The config as read under the lock, before the change. */
  before: ConfigFile;
}

/**
 * Applies a change to config.json under a lock: re-reads the file, asks
 * `decide` for the change, renders the result in Docker's format, and
 * replaces the file atomically (temp file and rename), keeping the mode,
 * symlinks and unknown fields. `decide` returning undefined writes nothing.
 *
 * @throws {ConfigParseError} the file cannot be parsed; it is left as is.
 * @throws {ConfigReadError} the file cannot be read.
 * @throws {ConfigWriteError} the write failed; the old file is intact.
 */
export async function updateConfigFile(
  path: string,
  decide: (current: ConfigFile) => ConfigChange | undefined,
): Promise<ConfigUpdateResult> {
  void path;
  void decide;
  throw new Error('not implemented yet');
}
