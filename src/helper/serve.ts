/**
 * The server side of Docker's credential-helper protocol: what a
 * `docker-credential-NAME` program does with its one argument, its stdin
 * and its stdout, over any {@link CredentialHelperStore}.
 *
 * It behaves as helpers built on docker-credential-helpers v0.9.3 do:
 * - exactly one argument, the action (`get`, `store`, `erase`, `list`,
 *   `version`); anything else prints the usage on stdout and exits 1;
 *   `--version`/`-v` and `--help`/`-h` exit 0;
 * - `get` and `erase` read the server URL as all stdin lines joined with
 *   nothing between them, then trimmed;
 * - `store` reads `{"ServerURL","Username","Secret"}` (keys matched
 *   without regard to case, as Go does);
 * - every error goes to stdout with a newline, and the exit status is 1;
 * - missing credentials print `credentials not found in native keychain`,
 *   the one answer Docker reads as "nothing stored".
 *
 * References: docker-credential-helpers v0.9.3 `credentials/credentials.go`
 * and `credentials/error.go`; docs/reference: docker-cli-auth.md §4.2, §10.7.
 *
 * @module
 */
import { decodeGoValue } from '../config/go-decode.js';
import { readJsonValue } from '../config/json-reader.js';
import {
  decodeBytesKeepingInvalid,
  encodeBytesKeepingInvalid,
  goCompactObject,
} from '../internal/go-json.js';
import type { HelperCredentials } from '../stores/helper-client.js';
import {
  CREDENTIALS_TYPE,
  credentialsFields,
  credentialsJson,
  HELPER_NOT_FOUND_MESSAGE,
  MISSING_SERVER_URL_MESSAGE,
} from '../stores/helper-protocol.js';
import { goTrimSpace } from '../internal/go-strings.js';

export type { HelperCredentials };

/** What a helper prints, exiting 1, when it holds nothing for a server
 * (the public name of {@link HELPER_NOT_FOUND_MESSAGE}). */
export const CREDENTIALS_NOT_FOUND_MESSAGE = HELPER_NOT_FOUND_MESSAGE;

/** The error text Docker maps to "the server URL is missing". */
export { MISSING_SERVER_URL_MESSAGE };

/** The error text Docker maps to "the username is missing". */
export const MISSING_USERNAME_MESSAGE = 'no credentials username';

/**
 * Where a helper keeps credentials. Only `get` is required: a store
 * without `store`, `erase` or `list` answers those actions with an error
 * saying it is read-only.
 */
export interface CredentialHelperStore {
  /** The credentials for exactly this server URL, or undefined. */
  get(serverURL: string): Promise<HelperCredentials | undefined>;
  /** Saves credentials for a server URL, replacing any there. */
  store?(serverURL: string, credentials: HelperCredentials): Promise<void>;
  /** Removes a server URL's credentials; false when there were none. */
  erase?(serverURL: string): Promise<boolean>;
  /** Every server URL held, mapped to its username. */
  list?(): Promise<Record<string, string>>;
}

/** Where the helper writes its answers: a stream such as process.stdout. */
export interface HelperOutput {
  write(chunk: Uint8Array): unknown;
}

/** Options of {@link serveCredentialHelper}; all have defaults. */
export interface ServeCredentialHelperOptions {
  /** The arguments after the program name. @default process.argv.slice(2) */
  argv?: readonly string[];
  /** The request. @default process.stdin */
  stdin?: AsyncIterable<Uint8Array | string> | Uint8Array | string;
  /** Where answers and errors go. @default process.stdout */
  stdout?: HelperOutput;
  /** The program's name, for usage and version. @default 'docker-credential' */
  name?: string;
  /** The package it comes from, shown by `version`. @default the name */
  packageName?: string;
  /** Its version, shown by `version`. @default '0.0.0' */
  version?: string;
}

/** Thrown inside an action; printed on stdout as Docker's helpers do. */
class HelperAnswerError extends Error {}

const ACTIONS = ['store', 'get', 'erase', 'list', 'version'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * Runs one credential-helper request against `store`, as the main of a
 * `docker-credential-NAME` program. Returns the exit status instead of
 * exiting, so a program sets `process.exitCode` with it.
 *
 * @param store Where the credentials are.
 * @param options argv, stdin and stdout (the process's by default), and
 *   the name and version `version` prints.
 * @returns 0 on success, 1 on any error (already printed on stdout).
 * @example
 * ```ts
 * import { serveCredentialHelper } from 'regcred';
 *
 * const saved = new Map([['ci.example', { username: 'ci', secret: 's' }]]);
 * process.exitCode = await serveCredentialHelper({
 *   get: async (serverURL) => saved.get(serverURL),
 * });
 * ```
 */
export async function serveCredentialHelper(
  store: CredentialHelperStore,
  options: ServeCredentialHelperOptions = {},
): Promise<number> {
  const argv = options.argv ?? process.argv.slice(2);
  const stdout = options.stdout ?? process.stdout;
  const name = options.name ?? 'docker-credential';
  const print = (text: string) => {
    stdout.write(encodeBytesKeepingInvalid(text));
  };
  const usage = `Usage: ${name} <${ACTIONS.join('|')}>\n`;
  const versionLine =
    `${name} (${options.packageName ?? name}) ` +
    `${options.version ?? '0.0.0'}\n`;

  // the flags Go's flag package handles before the action
  // NOTE: only a lone flag is read as one; Go would also take `-v get` as
  // the version and exit 2 on an unknown flag (here: usage, exit 1)
  const [first] = argv;
  if (argv.length === 1 && isFlag(first, 'v', 'version')) {
    print(versionLine);
    return 0;
  }
  if (argv.length === 1 && isFlag(first, 'h', 'help')) {
    print(usage);
    return 0;
  }
  if (argv.length !== 1 || first === undefined) {
    print(usage);
    return 1;
  }

  try {
    if (first === 'version') {
      print(versionLine);
      return 0;
    }
    if (!isDataAction(first)) {
      throw new HelperAnswerError(
        `unknown credential action \`${first}\`; use one of ` +
          ACTIONS.join(', '),
      );
    }
    const input = await readLines(options.stdin ?? process.stdin);
    print(await runAction(store, first, input));
    return 0;
  } catch (error) {
    print(`${oneLine(errorText(error))}\n`);
    return 1;
  }
}

/** Runs a data action; returns what it prints on success. */
async function runAction(
  store: CredentialHelperStore,
  action: Exclude<Action, 'version'>,
  input: string,
): Promise<string> {
  switch (action) {
    case 'get':
      return getAction(store, input);
    case 'store':
      return storeAction(store, input);
    case 'erase':
      return eraseAction(store, input);
    case 'list':
      return listAction(store);
  }
}

async function getAction(
  store: CredentialHelperStore,
  input: string,
): Promise<string> {
  const serverURL = serverURLFrom(input);
  const found = await store.get(serverURL);
  if (found === undefined) {
    throw new HelperAnswerError(CREDENTIALS_NOT_FOUND_MESSAGE);
  }
  return credentialsJson(serverURL, found.username, found.secret);
}

async function storeAction(
  store: CredentialHelperStore,
  input: string,
): Promise<string> {
  const save = store.store?.bind(store) ?? readOnly('store');
  const request = decodeStoreRequest(input);
  if (request.serverURL === '') {
    throw new HelperAnswerError(MISSING_SERVER_URL_MESSAGE);
  }
  if (request.username === '') {
    throw new HelperAnswerError(MISSING_USERNAME_MESSAGE);
  }
  const { username, secret } = request;
  await save(request.serverURL, { username, secret });
  return '';
}

async function eraseAction(
  store: CredentialHelperStore,
  input: string,
): Promise<string> {
  const erase = store.erase?.bind(store) ?? readOnly('erase');
  const erased = await erase(serverURLFrom(input));
  if (!erased) throw new HelperAnswerError(CREDENTIALS_NOT_FOUND_MESSAGE);
  return '';
}

async function listAction(store: CredentialHelperStore): Promise<string> {
  const list = store.list?.bind(store) ?? readOnly('list');
  const listing = await list();
  return `${goCompactObject(Object.entries(listing), false)}\n`;
}

/** The server URL of a `get` or `erase`; empty is Docker's typed error. */
function serverURLFrom(input: string): string {
  const serverURL = goTrimSpace(input);
  if (serverURL === '') throw new HelperAnswerError(MISSING_SERVER_URL_MESSAGE);
  return serverURL;
}

/** Decodes the first JSON value of a `store` request, as Go does. */
function decodeStoreRequest(input: string): {
  serverURL: string;
  username: string;
  secret: string;
} {
  const read = readJsonValue(input);
  if (!read.ok || read.value === undefined) {
    // the reason names a position, never the text: it holds a secret
    const why = read.ok ? 'stdin was empty' : read.reason;
    throw new HelperAnswerError(
      `the credentials to store are not JSON: ${why}`,
    );
  }
  const decoded = decodeGoValue(read.value, CREDENTIALS_TYPE);
  if (!decoded.ok) {
    throw new HelperAnswerError(
      `the credentials to store do not fit ` +
        `{"ServerURL","Username","Secret"}: ${decoded.problem.reason}`,
    );
  }
  const text = credentialsFields(decoded.value);
  return {
    serverURL: text('ServerURL'),
    username: text('Username'),
    secret: text('Secret'),
  };
}

function readOnly(action: string): never {
  throw new HelperAnswerError(
    `this credential helper is read-only: it cannot ${action} credentials`,
  );
}

/**
 * Reads stdin as Go's bufio.Scanner reads lines, joined with nothing
 * between them: each line loses its `\n` and one `\r` before it.
 *
 * NOTE: Go stops at a line over 64 KiB with "token too long"; this reads
 * lines of any length.
 */
async function readLines(
  stdin: AsyncIterable<Uint8Array | string> | Uint8Array | string,
): Promise<string> {
  let bytes: Buffer;
  if (typeof stdin === 'string') bytes = Buffer.from(stdin, 'utf8');
  else if (stdin instanceof Uint8Array) bytes = Buffer.from(stdin);
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
    bytes = Buffer.concat(chunks);
  }
  const text = decodeBytesKeepingInvalid(bytes);
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .join('');
}

/** A Go-style flag: `-v`, `--v`, `-version` or `--version`. */
function isFlag(arg: string | undefined, short: string, long: string) {
  const bare = arg?.replace(/^--?/, '');
  return arg !== bare && (bare === short || bare === long);
}

function isDataAction(arg: string): arg is Exclude<Action, 'version'> {
  return (ACTIONS as readonly string[]).includes(arg) && arg !== 'version';
}

function errorText(error: unknown): string {
  if (error instanceof Error && error.message !== '') return error.message;
  return `the credential store failed: ${String(error)}`;
}

/** Errors are one line on stdout, as Docker quotes them trimmed. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
