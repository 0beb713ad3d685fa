/**
 * What `regcred dind` needs to know about the host's Docker: where the
 * CLI is, whether its `docker run` has `--use-api-socket` (Docker 28 and
 * later), and which daemon socket a container would mount. Asks only the
 * CLI's help text, which needs no daemon.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { findExecutable } from '../internal/find-executable.js';

/** The host's Docker, as far as `dind` needs it. */
export interface DockerFacts {
  /** The docker CLI on PATH; undefined when there is none. */
  path: string | undefined;
  /** Whether `docker run --help` lists `--use-api-socket`; undefined
   * when it could not be asked. */
  useApiSocket: boolean | undefined;
  /** The daemon's unix socket on the host. */
  daemonSocket: string;
}

/** The help text comes at once; a CLI that hangs is not waited for. */
const HELP_TIMEOUT_MS = 5_000;
const DEFAULT_DAEMON_SOCKET = '/var/run/docker.sock';

/** Finds the docker CLI and what its `docker run` supports. */
export async function probeDocker(
  env: NodeJS.ProcessEnv,
): Promise<DockerFacts> {
  const daemonSocket = daemonSocketOf(env);
  const path = findExecutable('docker', env);
  if (path === undefined) {
    return { path, useApiSocket: undefined, daemonSocket };
  }
  const help = await runHelp(path, env);
  return {
    path,
    useApiSocket:
      help === undefined ? undefined : help.includes('--use-api-socket'),
    daemonSocket,
  };
}

/**
 * The daemon socket: the path of a `unix://` DOCKER_HOST, else Docker's
 * default.
 *
 * NOTE: a Docker context or a tcp:// DOCKER_HOST is not followed; the
 * recipes then name the default socket.
 */
function daemonSocketOf(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST ?? '';
  return host.startsWith('unix://') && host.length > 'unix://'.length
    ? host.slice('unix://'.length)
    : DEFAULT_DAEMON_SOCKET;
}

function runHelp(
  docker: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  return new Promise((done) => {
    execFile(
      docker,
      ['run', '--help'],
      { env, timeout: HELP_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
      (error, stdout) => done(error ? undefined : stdout),
    );
  });
}
