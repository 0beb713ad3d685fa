/**
 * The folder `regcred dind` writes for containers: the sh helper, and a
 * Docker config folder whose only content is a `config.json` naming the
 * helper. Neither holds a secret, so both are readable by all (a
 * container may run as another user).
 *
 * ```
 * <helper dir>/docker-credential-regcred     0755  the sh helper
 * <helper dir>/docker-config/config.json     0644  credsStore: regcred
 * ```
 *
 * @module
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigWriteError } from '../errors.js';
import { SH_HELPER_MARKER, shHelperScript } from './sh-helper.js';

/** The helper's file name: Docker runs `docker-credential-<credsStore>`. */
export const HELPER_FILE_NAME = 'docker-credential-regcred';

/** The config.json a container gets: no entries, every lookup to the
 * helper. */
export const CONTAINER_CONFIG_JSON = '{"auths":{},"credsStore":"regcred"}\n';

/** What {@link writeHelperFiles} wrote. */
export interface HelperFiles {
  /** The folder holding everything. */
  dir: string;
  /** The sh helper script. */
  helper: string;
  /** The folder to mount as the container's DOCKER_CONFIG. */
  configDir: string;
  /** `configDir` + `/config.json`. */
  config: string;
}

/**
 * Returns the default helper folder:
 * `$XDG_CONFIG_HOME/regcred/regcred-helper`, with `~/.config` when
 * `XDG_CONFIG_HOME` is unset.
 */
export function defaultHelperDir(env: NodeJS.ProcessEnv): string {
  const home = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  return join(configHome, 'regcred', 'regcred-helper');
}

/**
 * Writes the sh helper (0755) and the container's config.json (0644)
 * into `dir`, replacing earlier copies written by regcred.
 *
 * @throws {ConfigWriteError} when a file cannot be written, or a file of
 *   that name exists that regcred did not write (it is left alone)
 */
export function writeHelperFiles(dir: string): HelperFiles {
  const configDir = join(dir, 'docker-config');
  const files: HelperFiles = {
    dir,
    helper: join(dir, HELPER_FILE_NAME),
    configDir,
    config: join(configDir, 'config.json'),
  };

  makeFolder(dir);
  makeFolder(configDir);
  const ownHelper = (text: string) => text.includes(SH_HELPER_MARKER);
  writeOwnFile(files.helper, shHelperScript(), 0o755, ownHelper);
  const ownConfig = (text: string) => text === CONTAINER_CONFIG_JSON;
  writeOwnFile(files.config, CONTAINER_CONFIG_JSON, 0o644, ownConfig);
  return files;
}

function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigWriteError(dir, `cannot make the folder (${code})`, {
      cause: error,
    });
  }
}

/** Writes `text` to `path` with `mode`, unless a file is there that
 * `isOwn` does not recognise. */
function writeOwnFile(
  path: string,
  text: string,
  mode: number,
  isOwn: (text: string) => boolean,
): void {
  const existing = readExisting(path);
  if (existing !== undefined && !isOwn(existing)) {
    throw new ConfigWriteError(
      path,
      'a file regcred did not write is in the way; ' +
        'move it or choose another --helper-dir',
    );
  }
  try {
    writeFileSync(path, text, { mode });
    // the mode given to writeFileSync is reduced by the umask
    chmodSync(path, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigWriteError(path, code, { cause: error });
  }
}

/** The text of the file at `path`; undefined when there is none. */
function readExisting(path: string): string | undefined {
  try {
    // a folder here (a bind mount of a missing path makes one) is no file
    if (!lstatSync(path).isFile()) return '';
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
