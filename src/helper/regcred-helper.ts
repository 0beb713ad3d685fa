/**
 * The main of `docker-credential-regcred`, a read-only credential helper:
 * - with `REGCRED_AGENT_SOCK` set (inside a container), it forwards `get`
 *   and `list` to the regcred agent on the host through that socket;
 * - else with `DOCKER_AUTH_CONFIG` set (a CI job), it serves the
 *   credentials in it, in the one form Docker 28.3 accepts;
 * - else every action but `version` fails, saying what to set.
 *
 * Docker runs it on every pull, so it is bundled on its own
 * (dist/cli/helper.cjs) and loads nothing heavy.
 *
 * @module
 */
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { agentStore } from './agent-client.js';
import { dockerAuthConfigStore } from './env-store.js';
import {
  serveCredentialHelper,
  type CredentialHelperStore,
  type ServeCredentialHelperOptions,
} from './serve.js';

/** The program's name, as Docker runs it for `credsStore: "regcred"`. */
const HELPER_NAME = 'docker-credential-regcred';

/** Where the credentials the helper serves come from, per `env`. */
function chooseHelperStore(env: NodeJS.ProcessEnv): CredentialHelperStore {
  const socket = env['REGCRED_AGENT_SOCK'];
  if (socket !== undefined && socket !== '') return agentStore(socket);

  const authConfig = env['DOCKER_AUTH_CONFIG'];
  if (authConfig !== undefined && authConfig.trim() !== '') {
    try {
      return dockerAuthConfigStore(authConfig);
    } catch (error) {
      return failingStore(error as Error);
    }
  }
  return failingStore(
    new UsageError(
      `${HELPER_NAME} has no credentials to serve: set REGCRED_AGENT_SOCK ` +
        "to the socket of `regcred agent` (to use the host's login), or " +
        'DOCKER_AUTH_CONFIG to {"auths":{"REGISTRY":{"auth":"…"}}}',
    ),
  );
}

/** A store whose every action fails with `error` (version still works). */
function failingStore(error: Error): CredentialHelperStore {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return { get: fail, store: fail, erase: fail, list: fail };
}

/**
 * Runs the helper: the process's argv, stdin and stdout unless given.
 *
 * @returns The exit status.
 */
export function main(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  io: Pick<ServeCredentialHelperOptions, 'stdin' | 'stdout'> = {},
): Promise<number> {
  return serveCredentialHelper(chooseHelperStore(env), {
    ...io,
    argv,
    name: HELPER_NAME,
    packageName: 'regcred',
    version: VERSION,
  });
}
