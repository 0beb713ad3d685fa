/**
 * Runs Debian's real distribution registry (`docker-registry`, 2.8) on
 * 127.0.0.1 for a test, in one of three flavours: HTTP Basic auth from an
 * htpasswd file, Bearer tokens from a {@link startTokenIssuer} issuer, or
 * no auth at all; each over http or https.
 *
 * Everything lives in a temp directory (mode 0700): the config, the
 * htpasswd file (bcrypt hashes only; passwords reach `htpasswd` on stdin),
 * the storage and, unless given, the certificates. The registry gets an
 * environment holding only PATH, so no `REGISTRY_*` variable can change
 * its config, and the config names nothing off loopback: no proxy, redis,
 * notifications, reporting, debug server or health checks.
 *
 * Requests are counted from the registry's access log (Combined Log
 * Format on stdout), so the registry is reached directly, TLS included.
 *
 * @example
 * ```ts
 * const registry = await startRegistry({ auth: 'htpasswd', tls: true });
 * t.after(() => registry.stop());
 * const [alice] = registry.users;
 * // ... log in to registry.host as alice, trusting registry.caPem ...
 * assert.equal((await registry.requests()).length, 2);
 * ```
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../../src/internal/find-executable.js';
import { makeTestCerts, OPENSSL_UNAVAILABLE, type TestCerts } from './certs.js';
import {
  startTokenIssuer,
  type TokenIssuer,
  type TokenIssuerOptions,
  type TokenUser,
} from './token-issuer.js';
import { registerTestSecret } from './leak-secrets.js';

/** Where the registry and its tools are looked for. */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

const REGISTRY_PROGRAM = '/usr/bin/docker-registry';
const HTPASSWD = findExecutable('htpasswd', { PATH: SYSTEM_PATH });
/** util-linux; ties the registry's life to ours when present. */
const SETPRIV = findExecutable('setpriv', { PATH: SYSTEM_PATH });

/** How long the registry may take to answer `GET /v2/`. */
const DEFAULT_START_TIMEOUT_MS = 10_000;

/** Attempts to find a port nobody took between our probe and its bind. */
const MAX_START_ATTEMPTS = 5;

/** Enough of the registry's log to explain a failure. */
const MAX_LOG_CHARS = 64 * 1024;

/** Requests to this path only mark a point in the access log. */
const LOG_MARK_PATH = '/regcred-test-log-mark/';

/**
 * Why the real registry cannot be tested here, or false when it can. Pass
 * it as a test's `skip` option, so the reason shows in the report.
 */
export const REGISTRY_UNAVAILABLE: string | false = findUnavailable();

function findUnavailable(): string | false {
  const missing = [];
  if (findExecutable(REGISTRY_PROGRAM) === undefined) {
    missing.push(REGISTRY_PROGRAM);
  }
  if (HTPASSWD === undefined) missing.push('htpasswd');
  if (OPENSSL_UNAVAILABLE !== false) missing.push('openssl');
  if (missing.length === 0) return false;
  return (
    `${missing.join(', ')} not installed; install Debian's ` +
    'docker-registry, apache2-utils and openssl to run these tests'
  );
}

/** How the registry authenticates clients. */
export type RegistryAuth = 'htpasswd' | 'token' | 'none';

/** A user name and password; the same shape the token issuer takes. */
export type RegistryUser = TokenUser;

/** Options for {@link startRegistry}. */
export interface RegistryOptions {
  /** Basic auth from htpasswd, Bearer tokens, or none. */
  auth: RegistryAuth;
  /** Serve https with a certificate from `certs`. @default false */
  tls?: boolean;
  /**
   * The users. For 'token' they go to the issuer this starts; an issuer
   * given in `tokenIssuer` keeps its own. @default one {@link makeTestUser}
   */
  users?: readonly RegistryUser[];
  /** The issuer for 'token'; without it one is started and stopped here. */
  tokenIssuer?: TokenIssuer;
  /** Options for the issuer started here: behaviour, names, https. */
  tokenIssuerOptions?: Omit<TokenIssuerOptions, 'certs' | 'users'>;
  /** Certificates to use; without them they are made (and removed) here. */
  certs?: TestCerts;
  /** The Basic challenge's realm. @default 'regcred-test' */
  realm?: string;
  /** The registry's log level (its stderr). @default 'info' */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** How long to wait for `GET /v2/` to answer. @default 10000 */
  startTimeoutMs?: number;
}

/** One request in the registry's access log. */
export interface RegistryRequest {
  /** The HTTP method. */
  method: string;
  /** The path, without the query. */
  path: string;
  /** The request URI as sent (path and query). */
  uri: string;
  /** The status the registry answered. */
  status: number;
  /** The `User-Agent` header, when one came. */
  userAgent?: string;
}

/** A running registry; stop it with `stop()` in an after hook. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`: the server address a client logs in to. */
  host: string;
  /** `http://127.0.0.1:PORT` or `https://…`. */
  url: string;
  /** The TCP port. */
  port: number;
  /** The CA to trust, when serving https. */
  caFile?: string;
  /** The CA certificate, PEM, when serving https. */
  caPem?: string;
  /** The users that may log in. */
  users: readonly RegistryUser[];
  /** The token issuer, for 'token' auth. */
  tokenIssuer?: TokenIssuer;
  /** The temp directory holding config, htpasswd and storage. */
  dir: string;
  /**
   * The requests since start (or the last `clearRequests()`), oldest
   * first. Waits for the access log to catch up with every request that
   * was answered before the call.
   */
  requests(): Promise<RegistryRequest[]>;
  /** Forgets the requests so far, once the log has caught up. */
  clearRequests(): Promise<void>;
  /** The tail of the registry's stderr (its application log). */
  log(): string;
  /** Kills the registry, stops an issuer started here, removes `dir`. */
  stop(): Promise<void>;
}

/** A user named `name` with a random password, unique to this run. */
export function makeTestUser(name = 'alice'): RegistryUser {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  registerTestSecret(password, name, 'test registry user');
  return { name, password };
}

/**
 * Starts a registry and waits until `GET /v2/` answers 401 (or 200 without
 * auth).
 *
 * @throws {Error} when a program is missing, or the registry does not
 *   start; the message then holds the registry's log.
 */
export async function startRegistry(
  options: RegistryOptions,
): Promise<TestRegistry> {
  if (REGISTRY_UNAVAILABLE !== false) throw new Error(REGISTRY_UNAVAILABLE);
  const { auth, tls = false } = options;
  const dir = await mkdtemp(join(tmpdir(), 'regcred-registry-'));
  const cleanups: (() => Promise<void>)[] = [
    () => rm(dir, { recursive: true, force: true }),
  ];
  const cleanUp = () => runCleanups(cleanups);

  try {
    // certificates, issuer and htpasswd file: whatever the flavour needs
    let certs = options.certs;
    if (!certs && (tls || auth === 'token')) {
      certs = await makeTestCerts({ parentDir: dir });
    }
    const setup = await prepareAuth(options, dir, certs, cleanups);

    // the start-up probes are in the log; forget them
    const running = await launch(options, dir, certs, setup);
    cleanups.unshift(() => running.kill());
    running.forget();

    const host = `127.0.0.1:${running.port}`;
    const registry: TestRegistry = {
      host,
      url: `${tls ? 'https' : 'http'}://${host}`,
      port: running.port,
      users: setup.users,
      dir,
      requests: async () => {
        await running.markLog();
        return running.recorded.map((entry) => ({ ...entry }));
      },
      clearRequests: async () => {
        await running.markLog();
        running.forget();
      },
      log: () => running.stderr(),
      stop: cleanUp,
    };
    if (tls && certs) {
      registry.caFile = certs.caFile;
      registry.caPem = certs.caPem;
    }
    if (setup.issuer) registry.tokenIssuer = setup.issuer;
    return registry;
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** Runs each cleanup once, in order, even when one fails. */
async function runCleanups(cleanups: (() => Promise<void>)[]) {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0)) {
    await cleanup().catch((error: unknown) => errors.push(error));
  }
  if (errors.length > 0) {
    throw new AggregateError(errors, 'Stopping the test registry failed');
  }
}

/** What the auth section of the config needs. */
interface AuthSetup {
  users: readonly RegistryUser[];
  issuer?: TokenIssuer;
  htpasswdFile?: string;
}

async function prepareAuth(
  options: RegistryOptions,
  dir: string,
  certs: TestCerts | undefined,
  cleanups: (() => Promise<void>)[],
): Promise<AuthSetup> {
  const users = options.users ?? [makeTestUser()];
  if (options.auth === 'none') return { users };

  if (options.auth === 'htpasswd') {
    const htpasswdFile = join(dir, 'htpasswd');
    await writeFile(htpasswdFile, await hashPasswords(users), {
      mode: 0o600,
    });
    return { users, htpasswdFile };
  }

  if (options.tokenIssuer) {
    const issuer = options.tokenIssuer;
    return { users: issuer.users, issuer };
  }
  if (!certs) throw new Error('Token auth needs certificates');
  const issuer = await startTokenIssuer({
    certs,
    users,
    ...options.tokenIssuerOptions,
  });
  cleanups.unshift(() => issuer.stop());
  return { users, issuer };
}

/** htpasswd lines with bcrypt hashes; each password goes in on stdin. */
async function hashPasswords(users: readonly RegistryUser[]) {
  const lines = [];
  for (const user of users) {
    if (/[:\s]/.test(user.name) || /[\r\n]/.test(user.password)) {
      throw new Error(
        `Making the htpasswd file failed: user "${user.name}" has a colon ` +
          'or white space in the name, or a line break in the password; ' +
          'htpasswd cannot store that',
      );
    }
    lines.push(await runHtpasswd(user));
  }
  return lines.join('');
}

function runHtpasswd(user: RegistryUser): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(HTPASSWD ?? 'htpasswd', ['-niB', user.name], {
      env: { PATH: SYSTEM_PATH },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && stdout.startsWith(`${user.name}:`)) {
        resolve(stdout.trim() + '\n');
      } else {
        reject(
          new Error(
            `Making the htpasswd file failed: htpasswd -niB exited ` +
              `${code}: ${stderr.trim()}`,
          ),
        );
      }
    });
    // htpasswd may exit before reading; its status then tells why
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${user.password}\n`);
  });
}

/** The config file's text; values are JSON strings, which YAML reads. */
function registryConfig(
  options: RegistryOptions,
  dir: string,
  port: number,
  certs: TestCerts | undefined,
  setup: AuthSetup,
): string {
  const q = (value: string) => JSON.stringify(value);
  const lines = [
    'version: 0.1',
    'log:',
    `  level: ${options.logLevel ?? 'info'}`,
    '  formatter: text',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(join(dir, 'storage'))}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${q(`127.0.0.1:${port}`)}`,
    `  secret: ${q(randomBytes(16).toString('hex'))}`,
  ];
  if (options.tls && certs) {
    lines.push(
      '  tls:',
      `    certificate: ${q(certs.serverCertFile)}`,
      `    key: ${q(certs.serverKeyFile)}`,
    );
  }
  lines.push('health:', '  storagedriver:', '    enabled: false');
  lines.push(...authConfig(options, setup));
  return lines.join('\n') + '\n';
}

function authConfig(options: RegistryOptions, setup: AuthSetup): string[] {
  const q = (value: string) => JSON.stringify(value);
  if (setup.htpasswdFile !== undefined) {
    return [
      'auth:',
      '  htpasswd:',
      `    realm: ${q(options.realm ?? 'regcred-test')}`,
      `    path: ${q(setup.htpasswdFile)}`,
    ];
  }
  if (setup.issuer) {
    return [
      'auth:',
      '  token:',
      `    realm: ${q(setup.issuer.realm)}`,
      `    service: ${q(setup.issuer.service)}`,
      `    issuer: ${q(setup.issuer.issuer)}`,
      `    rootcertbundle: ${q(setup.issuer.rootCertFile)}`,
    ];
  }
  return [];
}

/** A started registry process, as {@link launch} hands it over. */
interface RegistryProcess {
  port: number;
  /** Requests logged since the last `forget()`. */
  recorded: RegistryRequest[];
  forget(): void;
  /** Waits until the access log holds every request answered so far. */
  markLog(): Promise<void>;
  stderr(): string;
  kill(): Promise<void>;
}

/** Starts the registry on a free port, retrying when the port is taken. */
async function launch(
  options: RegistryOptions,
  dir: string,
  certs: TestCerts | undefined,
  setup: AuthSetup,
): Promise<RegistryProcess> {
  const configFile = join(dir, 'config.yml');
  await mkdir(join(dir, 'storage'), { mode: 0o700 });

  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const config = registryConfig(options, dir, port, certs, setup);
    await writeFile(configFile, config, { mode: 0o600 });
    const started = new StartedRegistry(configFile, port, options, certs);
    try {
      await started.waitUntilReady(
        options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      );
      return started;
    } catch (error) {
      await started.kill();
      const portTaken = started.stderr().includes('address already in use');
      if (!portTaken || attempt >= MAX_START_ATTEMPTS) throw error;
    }
  }
}

/** Asks the system for a free port; the registry binds it a moment later. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Registries still running, killed if the test process exits first.
 *
 * NOTE: a test process killed by a signal runs no exit handler: setpriv's
 * parent-death signal still kills the registry (without setpriv it dies
 * at its next log write, on the closed pipe), but its temp dir stays.
 */
const RUNNING = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of RUNNING) child.kill('SIGKILL');
});

/**
 * The end of the Combined Log Format line distribution writes for each
 * request: "METHOD URI PROTO" STATUS SIZE "REFERER" "USER-AGENT". Nothing
 * before the request line holds a quote.
 */
const ACCESS_LOG_REGEXP =
  /"(\S+) (\S+) [^"]*" (\d{3}) \S+ "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"$/;

class StartedRegistry implements RegistryProcess {
  readonly port: number;
  recorded: RegistryRequest[] = [];
  readonly #child: ChildProcess;
  readonly #url: string;
  readonly #ca: string | undefined;
  readonly #exited: Promise<void>;
  #exitCode: number | null | undefined;
  #stdoutRest = '';
  #stderr = '';
  #markCount = 0;
  readonly #markWaiters = new Map<string, () => void>();

  constructor(
    configFile: string,
    port: number,
    options: RegistryOptions,
    certs: TestCerts | undefined,
  ) {
    this.port = port;
    this.#url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.#ca = options.tls ? certs?.caPem : undefined;

    // setpriv --pdeathsig: the registry dies with us, however we die
    const command = [REGISTRY_PROGRAM, 'serve', configFile];
    if (SETPRIV) command.unshift(SETPRIV, '--pdeathsig', 'KILL', '--');
    const [program = REGISTRY_PROGRAM, ...args] = command;
    this.#child = spawn(program, args, {
      env: { PATH: SYSTEM_PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    RUNNING.add(this.#child);
    this.#exited = new Promise((resolve) => {
      this.#child.on('error', (error) => {
        this.#appendStderr(`${error.message}\n`);
      });
      this.#child.on('close', (code) => {
        this.#exitCode = code;
        RUNNING.delete(this.#child);
        resolve();
      });
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#appendStderr(chunk.toString());
    });
  }

  forget(): void {
    this.recorded = [];
  }

  stderr(): string {
    return this.#stderr;
  }

  async kill(): Promise<void> {
    if (this.#exitCode === undefined) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /**
   * Polls `GET /v2/` until it answers 401 or 200, then checks that the
   * answer came from this registry (and not from another process that
   * holds the port) by finding a marker in its access log.
   */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#exitCode === undefined && Date.now() < deadline) {
      const status = await this.#get('/v2/').catch(() => undefined);
      if (status === 401 || status === 200) return this.markLog();
      if (status !== undefined) {
        throw this.#startError(`GET /v2/ answered ${status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (this.#exitCode === undefined) {
      throw this.#startError(`GET /v2/ got no answer in ${timeoutMs} ms`);
    }
    await this.#exited;
    throw this.#startError(`it exited with status ${this.#exitCode}`);
  }

  /**
   * Sends a marker request and waits for its log line. The registry logs a
   * request before it sends the answer, and stdout is one ordered pipe, so
   * every request answered before now is then in `recorded`.
   */
  async markLog(): Promise<void> {
    const mark = `${LOG_MARK_PATH}${++this.#markCount}`;
    const logged = new Promise<void>((resolve) => {
      this.#markWaiters.set(mark, resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`The registry did not log ${mark} in 5 s`)),
        5000,
      );
    });
    const exited = this.#exited.then(() => {
      throw this.#startError(`it exited with status ${this.#exitCode}`);
    });
    // it also settles when the registry is stopped, long after this call
    exited.catch(() => undefined);
    try {
      await this.#get(mark);
      await Promise.race([logged, timeout, exited]);
    } finally {
      clearTimeout(timer);
      this.#markWaiters.delete(mark);
    }
  }

  #onStdout(chunk: Buffer): void {
    const lines = (this.#stdoutRest + chunk.toString()).split('\n');
    this.#stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      const match = ACCESS_LOG_REGEXP.exec(line);
      if (!match) continue;
      const [, method = '', uri = '', status = '0', userAgent = ''] = match;
      const waiter = this.#markWaiters.get(uri);
      if (waiter) waiter();
      if (uri.startsWith(LOG_MARK_PATH)) continue;
      const entry: RegistryRequest = {
        method,
        path: uri.split('?')[0] ?? uri,
        uri,
        status: Number(status),
      };
      if (userAgent !== '') entry.userAgent = userAgent;
      this.recorded.push(entry);
    }
  }

  #appendStderr(text: string): void {
    this.#stderr = (this.#stderr + text).slice(-MAX_LOG_CHARS);
  }

  #startError(reason: string): Error {
    return new Error(
      `Starting ${REGISTRY_PROGRAM} on 127.0.0.1:${this.port} failed: ` +
        `${reason}. Its log:\n${this.#stderr.trim() || '(empty)'}`,
    );
  }

  /** GETs `path` without credentials; resolves with the status. */
  #get(path: string): Promise<number> {
    const send = this.#ca === undefined ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const request = send(`${this.#url}${path}`, {
        agent: false,
        timeout: 2000,
        ...(this.#ca === undefined ? {} : { ca: this.#ca }),
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', reject);
      request.end();
    });
  }
}
