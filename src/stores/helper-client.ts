/**
 * The client side of the `docker-credential-*` protocol: finds a helper on
 * PATH as Docker does, and runs its four actions (get, store, erase, list)
 * with the stdin bytes Docker sends for each. Running the helper, with the
 * hardening Docker lacks (a timeout that stops its whole process group, a
 * cap on its output, cancellation), is helper-process.ts; reading its
 * answer as Docker's Go client does is helper-reply.ts. Error messages
 * never hold a secret.
 *
 * References:
 * - https://github.com/docker/docker-credential-helpers/tree/v0.9.3/client
 * - docs/reference: docker-cli-auth.md §4.1 and §10.7
 *
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findExecutable } from '../internal/find-executable.js';
import { credentialsJson } from './helper-protocol.js';
import { UsageError } from '../errors.js';
import { checkTimeoutMs, DEFAULT_HELPER_TIMEOUT_MS } from '../timeout.js';
import {
  helperError,
  helperProgram,
  HelperProcess,
  type HelperCall,
  type HelperExit,
} from './helper-process.js';
import {
  exitError,
  HELPER_NOT_FOUND_MESSAGE,
  isNotFoundAnswer,
  readCredentials,
  readListing,
} from './helper-reply.js';

// defined in helper-reply.ts beside the not-found check; exported here as
// part of the protocol surface
export { HELPER_NOT_FOUND_MESSAGE };

/**
 * The largest stdout accepted by default. A real answer is a few hundred
 * bytes (a long identity token a few KiB, a `list` of many registries some
 * tens of KiB); 1 MiB leaves ample room while keeping a runaway helper
 * from filling memory.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Options for one helper call. */
export interface HelperCallOptions {
  /** Kill the helper after this long, in milliseconds; `Infinity` for
   * never (as Docker). @default 30_000 */
  timeoutMs?: number;
  /** Environment for the helper, and whose PATH is searched.
   * @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Largest stdout accepted before the helper is killed.
   * @default {@link DEFAULT_MAX_OUTPUT_BYTES} (1 MiB, see there why) */
  maxOutputBytes?: number;
  /** 'inherit' passes the helper's stderr through (as Docker does, for the
   * CLI); 'capture' keeps it (capped) for the error detail.
   * @default 'capture' */
  stderr?: 'inherit' | 'capture';
  /** Stops the helper (its whole process group) and rejects with the
   * signal's reason. */
  signal?: AbortSignal;
  /** Where the helper's name was given, for the message when it is
   * missing ("name another one in ..."). @default 'config.json' */
  namedIn?: string;
}

/** Credentials as a helper keeps them. */
export interface HelperCredentials {
  /** The user name, or `<token>` when the secret is an identity token. */
  username: string;
  /** The password or identity token. */
  secret: string;
}

/**
 * Finds `docker-credential-NAME` on PATH the way Docker (Go's
 * exec.LookPath) does.
 *
 * @param name The helper's name: a `credsStore` or `credHelpers` value.
 * @param env The environment whose PATH is searched.
 * @returns The helper's absolute path, or undefined when it is not there.
 */
export function findHelper(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return findExecutable(helperProgram(name), env);
}

/**
 * Asks a helper for the credentials of one server (action `get`); stdin is
 * the server address, raw, with no newline.
 *
 * The answer is passed through as the helper gives it: a username of
 * `<token>` (an identity token) is the caller's to interpret.
 *
 * @example
 * ```ts
 * const found = await helperGet('pass', 'registry.example:5000');
 * if (found === undefined) console.log('not logged in');
 * ```
 *
 * @param name The helper's name, without `docker-credential-`.
 * @param serverAddress The key to look up, sent as it is.
 * @returns The credentials, or undefined for Docker's not-found answer
 *   (a non-zero exit whose trimmed stdout is
 *   {@link HELPER_NOT_FOUND_MESSAGE}).
 * @throws {HelperError} when the helper is missing, fails, times out, or
 *   answers with something other than a JSON object of strings.
 */
export async function helperGet(
  name: string,
  serverAddress: string,
  options: HelperCallOptions = {},
): Promise<HelperCredentials | undefined> {
  const call: HelperCall = {
    helper: name,
    action: 'get',
    serverAddress,
    input: serverAddress,
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) {
    if (isNotFoundAnswer(exit)) return undefined;
    throw exitError(call, exit);
  }
  return readCredentials(call, exit.stdout);
}

/**
 * Stores credentials through a helper (action `store`). Stdin is
 * `{"ServerURL":…,"Username":…,"Secret":…}` and a newline, escaped as Go
 * escapes it, exactly as Docker sends it.
 *
 * @throws {HelperError} when the helper is missing, fails or times out.
 *   The message never holds the secret, even if the helper echoes it.
 */
export async function helperStore(
  name: string,
  credentials: { serverURL: string; username: string; secret: string },
  options: HelperCallOptions = {},
): Promise<void> {
  const { serverURL, username, secret } = credentials;
  const call: HelperCall = {
    helper: name,
    action: 'store',
    serverAddress: serverURL,
    input: credentialsJson(serverURL, username, secret),
    secret: credentials.secret,
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) throw exitError(call, exit);
}

/**
 * Removes one server's credentials from a helper (action `erase`); stdin is
 * the server address, raw, with no newline.
 *
 * @throws {HelperError} when the helper fails, including its not-found
 *   answer (reason 'exit'): Docker treats that as an error too.
 */
export async function helperErase(
  name: string,
  serverAddress: string,
  options: HelperCallOptions = {},
): Promise<void> {
  const call: HelperCall = {
    helper: name,
    action: 'erase',
    serverAddress,
    input: serverAddress,
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) throw exitError(call, exit);
}

/**
 * Lists the servers a helper holds credentials for (action `list`, stdin
 * `unused`).
 *
 * @returns A map from server address, as the helper keys it, to username.
 * @throws {HelperError} when the helper fails or its answer is not a JSON
 *   object of strings.
 */
export async function helperList(
  name: string,
  options: HelperCallOptions = {},
): Promise<Map<string, string>> {
  const call: HelperCall = {
    helper: name,
    action: 'list',
    serverAddress: '',
    input: 'unused',
  };
  const exit = await runHelper(call, options);
  if (exit.status !== 0) throw exitError(call, exit);
  return readListing(call, exit.stdout);
}

/** Runs the helper to its end, or rejects once it has been stopped. */
async function runHelper(
  call: HelperCall,
  options: HelperCallOptions,
): Promise<HelperExit> {
  const timeoutMs = checkTimeoutMs(
    options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
    'timeoutMs',
  );
  const { maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES } = options;
  if (!(maxOutputBytes >= 0)) {
    throw new UsageError(
      `maxOutputBytes must not be negative, found ${maxOutputBytes}`,
    );
  }
  options.signal?.throwIfAborted();

  const { namedIn = 'config.json' } = options;
  const env = options.env ?? process.env;
  const program = findHelper(call.helper, env);
  if (program === undefined) {
    const detail = describeMissing(call.helper, env, namedIn);
    throw helperError(call, 'not-found', detail);
  }
  return new HelperProcess(call, program, {
    ...options,
    env,
    timeoutMs,
    maxOutputBytes,
  }).result;
}

/** Says why a helper was not found, naming no PATH entry's content. */
function describeMissing(
  name: string,
  env: NodeJS.ProcessEnv,
  namedIn: string,
): string {
  const program = helperProgram(name);
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  if (env.PATH === undefined) {
    // most often a program's own `env` option that left PATH out
    return (
      `'${program}' cannot be found: the environment of the lookup has ` +
      'no PATH; set one in it (e.g. env: { ...process.env, DOCKER_CONFIG })'
    );
  }
  const where =
    dirs.length === 0
      ? `'${program}' cannot be found: PATH is empty`
      : `'${program}' is not an executable file in any of the ` +
        `${dirs.length} directories on PATH`;
  const blocked = dirs.map((dir) => join(dir, program)).find(isUnexecutable);
  const hint =
    blocked === undefined
      ? `install the helper, or name another one in ${namedIn}`
      : `'${blocked}' exists but is not executable; make it executable`;
  return `${where}; ${hint}`;
}

function isUnexecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EACCES';
  }
}

export { signalRunningHelpers } from './helper-process.js';
