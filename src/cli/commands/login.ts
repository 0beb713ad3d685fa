/**
 * `regcred login [SERVER]`: checks credentials against a registry, as
 * Docker 28.2.2's CLI does when no daemon answers (client-side login),
 * and stores them through the store Docker picks for the registry.
 *
 * The flow, in Docker's order: flag checks; `--password-stdin`; stored
 * credentials re-used when no credentials were given; prompts on a
 * terminal (an error elsewhere); the registry; the store; the result.
 *
 * References: docker/cli v28.2.2 `cli/command/registry/login.go`;
 * docker-cli-auth.md §5 and §10.9; docker-28-observed.md.
 *
 * @module
 */
import { statSync } from 'node:fs';
import {
  InteractiveLoginError,
  RegcredError,
  RegistryLoginError,
  HelperError,
  LoginFlagError,
} from '../../errors.js';
import { debug } from '../../debug.js';
import { DOCKER_HUB_KEY } from '../../reference/image-reference.js';
import { readRegistryAddress } from '../../reference/server-address.js';
import {
  loginToRegistry,
  type RegistryLoginResult,
} from '../../registry/login.js';
import type { ConfigContext, CredentialResolver } from '../../resolver.js';
import { parseTimeoutSeconds } from '../../timeout.js';
import {
  storeCredentials,
  type CredentialsToStore,
  type CredentialWriterOptions,
} from '../../stores/credential-writer.js';
import type { CommandContext } from '../main.js';
import { EXIT, createCliResolver, createCliWriterOptions } from '../main.js';
import { printableInline } from '../output.js';
import {
  promptLine,
  promptSecret,
  readSecretFromStdin,
  stdinIsTerminal,
} from '../prompt.js';
import { detectedStoreHint } from '../detected-store.js';

/** The options and argument of one `login`, as given. */
interface LoginRequest {
  server: string | undefined;
  /** `-u`, untrimmed; undefined when not given. */
  username: string | undefined;
  /** `-p`; undefined when not given. */
  password: string | undefined;
  passwordStdin: boolean;
  certsDir: string | undefined;
}

/** One login under way: where, with what, and how to report. */
interface LoginSession {
  context: CommandContext;
  /** The config key: the Hub key or `host[:port]`. */
  key: string;
  resolver: CredentialResolver;
  config: ConfigContext;
  writer: CredentialWriterOptions;
  certsDir: string | undefined;
}

/** Credentials on their way to the registry. */
interface Credentials {
  username: string;
  password: string;
  identityToken?: string | undefined;
}

/** What a re-login with stored credentials left to do. */
type StoredAttempt =
  | { done: true }
  /** Prompting follows; `username` is the prompt's default. */
  | { done: false; username: string };

/** Runs `login`; returns the exit status. */
export async function runLogin(context: CommandContext): Promise<number> {
  const request = readLoginRequest(context);
  if (request.password !== undefined) {
    context.out.message(
      'WARNING! Using --password via the CLI is insecure. Use --password-stdin.',
    );
  }
  const key = readRegistryAddress(request.server);
  const credentials: Credentials = {
    // Docker trims the user name; the password is kept as given
    username: (request.username ?? '').trim(),
    password: request.passwordStdin
      ? await readSecretFromStdin()
      : (request.password ?? ''),
  };
  const session = await openSession(context, key, request.certsDir);

  // stored credentials, only when none were given
  let defaultUsername = '';
  if (!givesCredentials(request)) {
    const attempt = await tryStoredCredentials(session);
    if (attempt.done) return EXIT.ok;
    defaultUsername = attempt.username;
  }
  const asked = await completeCredentials(
    session,
    credentials,
    defaultUsername,
  );
  if (asked === 'interrupted') return EXIT.interrupted;

  checkUsername(credentials.username);
  const result = await authenticate(session, credentials);
  await saveCredentials(session, {
    ...credentials,
    identityToken: result.identityToken,
  });
  context.out.result(`${result.status}\n`);
  return EXIT.ok;
}

function givesCredentials(request: LoginRequest): boolean {
  return (
    request.username !== undefined ||
    request.password !== undefined ||
    request.passwordStdin
  );
}

/**
 * Reads and checks the options, in Docker's order and words.
 *
 * @throws {LoginFlagError} for a conflict, a missing or empty value, or
 *   more than one SERVER.
 */
function readLoginRequest(context: CommandContext): LoginRequest {
  const { options, positionals } = context.line;
  const [server, ...extra] = positionals;
  if (extra.length > 0) {
    throw new LoginFlagError(
      `'login' takes at most one SERVER; unexpected '${extra[0]}'`,
    );
  }
  const request: LoginRequest = {
    server,
    username: options.username as string | undefined,
    password: options.password as string | undefined,
    passwordStdin: options['password-stdin'] === true,
    // REGCRED_CERTS_DIR reaches the registry client through the env
    certsDir: options['certs-dir'] as string | undefined,
  };
  if (request.passwordStdin && request.password !== undefined) {
    throw new LoginFlagError(
      'conflicting options: cannot specify both --password and --password-stdin',
    );
  }
  if (request.passwordStdin && request.username === undefined) {
    throw new LoginFlagError(
      'the --password-stdin option requires --username to be set',
    );
  }
  if (request.username === '') throw new LoginFlagError('username is empty');
  if (request.password === '') throw new LoginFlagError('password is empty');
  return request;
}

async function openSession(
  context: CommandContext,
  key: string,
  certsDir: string | undefined,
): Promise<LoginSession> {
  const resolver = createCliResolver(context);
  const config = await resolver.loadContext();
  const writer = createCliWriterOptions(context, config);
  debug(`login: key '${key}', config ${config.location.file}`);
  return { context, key, resolver, config, writer, certsDir };
}

/**
 * Logs in again with what the store holds for the key, as Docker does
 * when no credentials were given: a user name and a password, or (a
 * regcred extension) an identity token.
 */
async function tryStoredCredentials(
  session: LoginSession,
): Promise<StoredAttempt> {
  const { out } = session.context;
  // DOCKER_AUTH_CONFIG is not a store: its credentials are not re-used,
  // which would copy them into config.json
  const resolution = await session.resolver.resolveKey(session.key, {
    ...session.config,
    envAuths: undefined,
  });
  for (const warning of resolution.warnings) out.warn(warning.message);
  // Docker prompts, with no default, when the helper fails
  if (resolution.helperFailure) return { done: false, username: '' };

  const { username = '', password = '' } = resolution.authConfig;
  const identityToken = resolution.authConfig.identitytoken ?? '';
  if (username !== '' && password !== '') {
    announceStoredLogin(session, username);
    return reuseStored(session, { username, password });
  }
  if (identityToken !== '') {
    announceStoredLogin(session, username || '(identity token)');
    return reuseStored(session, { username, password: '', identityToken });
  }
  return { done: false, username };
}

function announceStoredLogin(session: LoginSession, username: string): void {
  const { out } = session.context;
  out.message(
    `Authenticating with existing credentials... [Username: ${printableInline(username)}]`,
  );
  out.message('');
  out.message(
    " Info -> To log in with a different account, run 'regcred logout' " +
      "followed by 'regcred login'",
  );
  out.message('\n');
}

/**
 * Checks stored credentials with the registry and stores them again (a
 * no-op for an unchanged file entry), or says why they did not work.
 *
 * regcred EXTENSION: Docker never re-uses an identity token here (it
 * prompts); regcred logs in with it and stores the token the registry
 * returns. Only a refusal leads to the prompt; an unreachable registry
 * is an error, as a password would not help.
 */
async function reuseStored(
  session: LoginSession,
  stored: Credentials,
): Promise<StoredAttempt> {
  let result: RegistryLoginResult;
  try {
    result = await authenticate(session, stored);
  } catch (error) {
    if (!(error instanceof RegistryLoginError)) throw error;
    const withToken = stored.identityToken !== undefined;
    if (withToken && error.code !== 'ERR_LOGIN_UNAUTHORIZED') throw error;
    session.context.out.message(
      `Login did not succeed, error: ${error.message}`,
    );
    return { done: false, username: stored.username };
  }
  await saveCredentials(session, {
    ...stored,
    identityToken: result.identityToken ?? stored.identityToken,
  });
  session.context.out.result(`${result.status}\n`);
  return { done: true };
}

/**
 * Prompts for what is missing, filling `credentials` in. Docker puts the
 * prompts and Hub's hints on stdout, its password note on stderr.
 *
 * @throws {InteractiveLoginError} when something is missing and stdin is
 *   not a terminal (never waiting on a pipe), for an empty user name with
 *   no default, or for an empty password.
 */
async function completeCredentials(
  session: LoginSession,
  credentials: Credentials,
  defaultUsername: string,
): Promise<'interrupted' | undefined> {
  if (credentials.username !== '' && credentials.password !== '') return;
  if (!stdinIsTerminal()) {
    throw new InteractiveLoginError(
      'Cannot perform an interactive login from a non TTY device',
    );
  }
  const { out, env } = session.context;
  const isHub = session.key === DOCKER_HUB_KEY;
  if (credentials.username === '') {
    if (isHub) out.result(hubHints(env));
    const prompt =
      defaultUsername === ''
        ? 'Username: '
        : `Username (${printableInline(defaultUsername)}): `;
    const typed = (await promptLine(out, prompt)).trim();
    credentials.username = typed || defaultUsername;
    if (credentials.username === '') {
      throw new InteractiveLoginError('Non-null Username Required');
    }
  }
  if (credentials.password === '') {
    if (isHub) {
      out.message(
        ' Info -> A personal access token (PAT) can stand in for the ' +
          'password; create one at https://app.docker.com/settings',
      );
    }
    const answer = await promptSecret(out, 'Password: ');
    if (answer.kind === 'interrupted') return 'interrupted';
    // NOTE: Docker 28.2.2 trims the typed password; regcred keeps it whole
    credentials.password = answer.text;
    if (credentials.password === '') {
      throw new InteractiveLoginError('Password Required');
    }
  }
  return undefined;
}

/** Docker Hub's hints before the user name prompt (paraphrased). */
function hubHints(env: NodeJS.ProcessEnv): string {
  const lines = [
    'Log in to Docker Hub with your Docker ID or e-mail address. ' +
      'No Docker ID yet? Create one at https://hub.docker.com/',
  ];
  if (!isFalse(env.DOCKER_CLI_HINTS)) {
    lines.push(
      'A personal access token (PAT) works as the password and can be ' +
        'limited in scope: https://docs.docker.com/go/access-tokens/',
    );
  }
  return `${lines.join('\n')}\n\n`;
}

/** Go's strconv.ParseBool false values; anything else is not false. */
function isFalse(value: string | undefined): boolean {
  return ['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value ?? '');
}

/**
 * A user name with ':' cannot work: the registry reads the part after the
 * first colon as the password, and so does config.json's `auth` field.
 *
 * NOTE: Docker sends and stores it anyway (`a:b` with `pw` becomes the
 * user `a` with the password `b:pw`); regcred refuses before any request.
 */
function checkUsername(username: string): void {
  if (username.includes(':')) {
    throw new LoginFlagError(
      `The user name '${username}' contains ':'; registries and ` +
        "config.json read everything after the first ':' as the " +
        'password, so this login could never work. Check the -u value',
    );
  }
}

/** The registry's verdict; Docker's info lines go to stderr. */
function authenticate(
  session: LoginSession,
  credentials: Credentials,
): Promise<RegistryLoginResult> {
  const { out, env } = session.context;
  return loginToRegistry({
    serverKey: session.key,
    username: credentials.username,
    password: credentials.password,
    ...(credentials.identityToken
      ? { identityToken: credentials.identityToken }
      : {}),
    env,
    ...loginTimeout(env),
    ...(session.certsDir === undefined ? {} : { certsDir: session.certsDir }),
    // progress only: a stderr that cannot be written must not stop a login
    onInfo: (line) => {
      try {
        out.message(line);
      } catch {
        // the result and any error are still reported
      }
    },
  });
}

/**
 * How long each request of the login may take: `REGCRED_LOGIN_TIMEOUT`
 * seconds, else the library's default (15 s, as Docker).
 *
 * @throws {UsageError} for a value that is no positive number.
 */
function loginTimeout(env: NodeJS.ProcessEnv): { timeoutMs?: number } {
  const value = env.REGCRED_LOGIN_TIMEOUT;
  if (value === undefined || value.trim() === '') return {};
  return { timeoutMs: parseTimeoutSeconds(value, 'REGCRED_LOGIN_TIMEOUT') };
}

/**
 * Stores the credentials and warns, as Docker does, after a password was
 * newly written in plain text.
 *
 * @throws {RegcredError} naming the helper's failure; nothing is written.
 */
async function saveCredentials(
  session: LoginSession,
  credentials: Credentials,
): Promise<void> {
  const toStore: CredentialsToStore = {
    key: session.key,
    username: credentials.username,
    password: credentials.password,
    ...(credentials.identityToken
      ? { identityToken: credentials.identityToken }
      : {}),
  };
  try {
    const outcome = await storeCredentials(toStore, session.writer);
    if (outcome.plaintextPassword) {
      const { configPath } = session.writer;
      session.context.out.message(plaintextWarning(configPath));
      const exposure = readableByOthers(configPath);
      if (exposure !== undefined) session.context.out.warn(exposure);
    }
  } catch (error) {
    if (!(error instanceof HelperError)) throw error;
    throw new RegcredError(
      error.code,
      `Error saving credentials: error storing credentials - err: ${error.message}` +
        detectedStoreHint(session.writer, session.key),
      { cause: error },
    );
  }
}

/**
 * Says so when the file that now holds a password can be read by other
 * users: like Docker, regcred keeps an existing file's mode.
 */
function readableByOthers(path: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o044) === 0) return undefined;
  const octal = mode.toString(8).padStart(4, '0');
  return (
    `${path} has mode ${octal}: other users can read the password in ` +
    `it. Run 'chmod 600 ${path}' unless they should`
  );
}

/** Docker's warning, byte for byte once Output adds the last newline. */
function plaintextWarning(path: string): string {
  return (
    `\nWARNING! Your credentials are stored unencrypted in '${path}'.\n` +
    'Configure a credential helper to remove this warning. See\n' +
    'https://docs.docker.com/go/credential-store/\n'
  );
}
