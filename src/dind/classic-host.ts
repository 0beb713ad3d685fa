/**
 * What the classic recipe would have to copy into a container: the host's
 * config.json, the helpers it names, and the secrets those helpers read.
 * Read from the host's config without running any helper.
 *
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readConfigFileSync, type ConfigFile } from '../config/config-file.js';
import { locateConfig } from '../config/locate.js';
import { findExecutable } from '../internal/find-executable.js';

/** A helper the host's config names. */
export interface ClassicHelper {
  /** The suffix: `pass` for `docker-credential-pass`. */
  name: string;
  /** Where it is on the host's PATH; undefined when it is not. */
  path: string | undefined;
}

/** The host side of the classic recipe. */
export interface ClassicHost {
  /** The host's config.json. */
  configFile: string;
  /** Whether it is there (a bind mount of a missing file makes a folder
   * in its place). */
  configExists: boolean;
  /** The helpers of `credsStore` and `credHelpers`, without repeats. */
  helpers: ClassicHelper[];
  /** Folders holding the helpers' own secrets (pass: the password store
   * and GnuPG's home), with the variable that points a helper at each. */
  secretDirs: { path: string; env: string }[];
}

/** Helpers whose secrets live in a desktop service, not in files. */
const UNREACHABLE_HELPERS = new Set([
  'secretservice',
  'osxkeychain',
  'wincred',
  'desktop',
  'desktop.exe',
]);

/** Reads what the classic recipe needs from the host's config. */
export function inspectClassicHost(env: NodeJS.ProcessEnv): ClassicHost {
  const location = locateConfig({ env });
  const file = location.file;
  const config = readConfig(file);
  const names = helperNames(config);
  const helpers = names.map((name) => ({
    name,
    path: findExecutable(`docker-credential-${name}`, env),
  }));
  const home = location.home ?? homedir();
  const secretDirs = names.includes('pass')
    ? [
        {
          path: env.PASSWORD_STORE_DIR || join(home, '.password-store'),
          env: 'PASSWORD_STORE_DIR',
        },
        { path: env.GNUPGHOME || join(home, '.gnupg'), env: 'GNUPGHOME' },
      ]
    : [];
  return {
    configFile: file,
    configExists: config?.exists ?? true,
    helpers,
    secretDirs,
  };
}

/** Whether a helper's secrets can be reached from a container at all. */
export function isUnreachableHelper(name: string): boolean {
  return UNREACHABLE_HELPERS.has(name);
}

/** config.json as Docker reads it; undefined when it cannot be read. */
function readConfig(file: string): ConfigFile | undefined {
  try {
    return readConfigFileSync(file);
  } catch {
    // the classic recipe then names no helper; explain says what is wrong
    return undefined;
  }
}

/** The helper names in config.json; none when it cannot be read. */
function helperNames(config: ConfigFile | undefined): string[] {
  if (config === undefined) return [];
  const names = [config.credsStore, ...config.credHelpers.values()];
  return [...new Set(names.filter((name) => name !== ''))];
}
