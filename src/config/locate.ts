/**
 * Where Docker's config directory and config.json are, and why there.
 *
 * References: docker/cli v28.2.2 `cli/config/config.go` (`Dir`,
 * `getHomeDir`, `SetDir`) and `cli/command/cli.go` (the `--config` flag).
 *
 * @module
 */
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';

/** Why a config directory was chosen. */
export type ConfigDirSource = 'flag' | 'DOCKER_CONFIG' | 'HOME' | 'passwd';

/** The config directory and file Docker would use, with the reasons. */
export interface ConfigLocation {
  /** The config directory, absolute. */
  dir: string;
  /** `dir` + `/config.json`. */
  file: string;
  /**
   * Why this directory: `--config`, `DOCKER_CONFIG`, or `<home>/.docker`
   * with the home from `$HOME` or, when that is unset or empty, from the
   * user database ('passwd', also when that lookup found nothing either).
   */
  source: ConfigDirSource;
  /** The home directory used, or that would be used without the flag or
   * `DOCKER_CONFIG`; undefined when none can be found. */
  home: string | undefined;
  /** Where `home` came from ('HOME' also stands for `%USERPROFILE%` on
   * Windows); undefined when there is no home. */
  homeSource: 'HOME' | 'passwd' | undefined;
  /** `<home>/.dockercfg`, the legacy file Docker 28 ignores. */
  legacyDockercfg: string;
}

/** Options of {@link locateConfig}. */
export interface LocateOptions {
  /** The value of `docker --config DIR`; '' counts as not given. */
  configDir?: string;
  /** The environment to read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The directory relative paths are resolved against.
   * @default process.cwd() */
  cwd?: string;
  /** The platform whose rules apply (Windows reads `USERPROFILE` and has
   * no user-database fallback). @default process.platform */
  platform?: NodeJS.Platform;
  /** Looks up the current user's home in the user database.
   * @default os.userInfo().homedir, undefined when the lookup fails */
  lookupPasswdHome?: () => string | undefined;
}

const CONFIG_DIR_NAME = '.docker';
const CONFIG_FILE_NAME = 'config.json';
const LEGACY_FILE_NAME = '.dockercfg';

/**
 * Finds the config directory as the Docker CLI does:
 * 1. `--config DIR` (path-cleaned) when given and non-empty;
 * 2. else `DOCKER_CONFIG` when non-empty;
 * 3. else `<home>/.docker`, the home from `$HOME`, or when `$HOME` is unset
 *    or empty (not on Windows), from the user database.
 *
 * Relative paths are resolved against `cwd`. Nothing is read from disk;
 * only the user-database lookup leaves the process.
 *
 * @example
 * ```ts
 * locateConfig({ env: { HOME: '/home/ann' } }).file;
 * // '/home/ann/.docker/config.json'
 * ```
 */
export function locateConfig(options: LocateOptions = {}): ConfigLocation {
  const {
    configDir = '',
    env = process.env,
    cwd = process.cwd(),
    platform = process.platform,
    lookupPasswdHome = passwdHome,
  } = options;

  const { home, homeSource } = findHome(env, platform, lookupPasswdHome);
  // with no home at all, Go joins '' and '.docker': a relative path
  const homeDir = resolve(cwd, home ?? '');
  const chosen = chooseDir(configDir, env.DOCKER_CONFIG ?? '');
  const dir =
    chosen === undefined
      ? join(homeDir, CONFIG_DIR_NAME)
      : resolve(cwd, chosen.dir);
  return {
    dir,
    file: join(dir, CONFIG_FILE_NAME),
    source: chosen?.source ?? homeSource ?? 'passwd',
    home,
    homeSource,
    legacyDockercfg: join(homeDir, LEGACY_FILE_NAME),
  };
}

function chooseDir(
  flag: string,
  dockerConfig: string,
): { dir: string; source: 'flag' | 'DOCKER_CONFIG' } | undefined {
  if (flag !== '') return { dir: flag, source: 'flag' };
  if (dockerConfig !== '')
    return { dir: dockerConfig, source: 'DOCKER_CONFIG' };
  return undefined;
}

function findHome(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  lookupPasswdHome: () => string | undefined,
): Pick<ConfigLocation, 'home' | 'homeSource'> {
  const fromEnv = platform === 'win32' ? env.USERPROFILE : env.HOME;
  if (fromEnv) return { home: fromEnv, homeSource: 'HOME' };
  if (platform === 'win32') return { home: undefined, homeSource: undefined };
  const fromPasswd = lookupPasswdHome();
  if (fromPasswd) return { home: fromPasswd, homeSource: 'passwd' };
  return { home: undefined, homeSource: undefined };
}

function passwdHome(): string | undefined {
  try {
    return userInfo().homedir;
  } catch {
    // no entry for this uid: Go's user.Current fails too
    return undefined;
  }
}
