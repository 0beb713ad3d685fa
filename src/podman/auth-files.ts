/**
 * Which files podman, skopeo and buildah (containers/image) read
 * credentials from, in the order they read them.
 *
 * References: anchors.md §1 "Files and precedence".
 *
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** How a credentials file is laid out. */
export type AuthFileFormat =
  /** `{"auths": {...}}`: auth.json and Docker's config.json. */
  | 'auths'
  /** The legacy `~/.dockercfg`: a bare map from key to entry. */
  | 'legacy';

/** One file in the search, with the layout it is read in. */
export interface AuthFileLocation {
  path: string;
  format: AuthFileFormat;
  /** The environment variable that chose the path, if one did. */
  variable?: AuthFileVariable;
}

/** The variables that move a file of the search. */
export type AuthFileVariable =
  | 'REGISTRY_AUTH_FILE'
  | 'XDG_RUNTIME_DIR'
  | 'XDG_CONFIG_HOME'
  | 'DOCKER_CONFIG';

/** What the search depends on; injected so tests never see real files. */
export interface AuthFileContext {
  env: NodeJS.ProcessEnv;
  /** The user id, for `/run/containers/<uid>/auth.json`. */
  uid: number;
  /** The home directory; defaults to `$HOME`, then the OS's answer. */
  home?: string;
}

/**
 * Lists the files containers/image reads, first first. `REGISTRY_AUTH_FILE`
 * replaces the whole search with that one file.
 *
 * @example
 * ```ts
 * podmanAuthFiles({ env: { HOME: '/h' }, uid: 1000 }).map((f) => f.path);
 * // ['/run/containers/1000/auth.json', '/h/.config/containers/auth.json',
 * //  '/h/.docker/config.json', '/h/.dockercfg']
 * ```
 */
export function podmanAuthFiles(context: AuthFileContext): AuthFileLocation[] {
  const { env } = context;
  const explicit = nonEmpty(env.REGISTRY_AUTH_FILE);
  if (explicit !== undefined) {
    return [
      { path: explicit, format: 'auths', variable: 'REGISTRY_AUTH_FILE' },
    ];
  }

  const home = nonEmpty(context.home) ?? nonEmpty(env.HOME) ?? homedir();
  const runtimeDir = nonEmpty(env.XDG_RUNTIME_DIR);
  const configHome = nonEmpty(env.XDG_CONFIG_HOME);
  const dockerDir = nonEmpty(env.DOCKER_CONFIG);
  return [
    runtimeDir === undefined
      ? {
          path: join('/run/containers', String(context.uid), 'auth.json'),
          format: 'auths',
        }
      : {
          path: join(runtimeDir, 'containers', 'auth.json'),
          format: 'auths',
          variable: 'XDG_RUNTIME_DIR',
        },
    {
      path: join(configHome ?? join(home, '.config'), 'containers/auth.json'),
      format: 'auths',
      ...(configHome === undefined ? {} : { variable: 'XDG_CONFIG_HOME' }),
    },
    {
      path: join(dockerDir ?? join(home, '.docker'), 'config.json'),
      format: 'auths',
      ...(dockerDir === undefined ? {} : { variable: 'DOCKER_CONFIG' }),
    },
    { path: join(home, '.dockercfg'), format: 'legacy' },
  ];
}

/** An unset and an empty variable mean the same to containers/image. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
