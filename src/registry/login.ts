/**
 * Client-side login: checks credentials against a registry the way the
 * Docker 28.2.2 CLI does when no daemon is reachable, with two regcred
 * extensions (see token.ts).
 *
 * For each endpoint (endpoints.ts), in order:
 * 1. `GET <endpoint>/v2/` without credentials; a 401 lists challenges.
 * 2. Authorize as Docker's authorizer does: a Bearer challenge gets a
 *    token from the token service (token.ts); a Basic challenge sends the
 *    user name and password, overwriting the Bearer token if both came.
 * 3. `GET <endpoint>/v2/` again with that; only a 200 is a success, so an
 *    open registry (200 without challenge) accepts any credentials.
 *
 * A failed endpoint is reported through `onInfo` and the next one tried;
 * the last error wins. A token service that refuses the credentials stops
 * the login at once.
 *
 * References:
 * - moby v28.2.2 `registry/service.go` (`Auth`), `registry/auth.go`
 *   (`loginV2`, `PingV2Registry`); distribution v2.8
 *   `registry/client/auth/session.go` (the authorizer)
 * - docker-cli-auth.md §5.5, §10.9; docker-28-observed.md (shared/reference)
 *
 * @module
 */
import { RegistryLoginError } from '../errors.js';
import { debug } from '../debug.js';
import { VERSION } from '../version.js';
import { challengesOf, type Challenge } from './challenge.js';
import { loginEndpoints, type LoginEndpoint } from './endpoints.js';
import { http } from '../internal/lazy-builtins.js';
import { loadTlsMaterial, type TlsMaterial } from './tls-material.js';
import { fetchToken } from './token.js';
import { HttpTransport, type RequestPurpose } from './transport.js';

/**
 * The User-Agent of regcred's requests, `regcred/<version>`.
 */
export const DEFAULT_USER_AGENT = `regcred/${VERSION}`;

/** What a registry login needs. */
export interface RegistryLoginOptions {
  /**
   * The config key the login is for: the Docker Hub key
   * `https://index.docker.io/v1/`, or a `host[:port]` as ConvertToHostname
   * gives it.
   */
  serverKey: string;
  username: string;
  /** The password; '' when logging in with `identityToken`. */
  password: string;
  /**
   * A stored identity (refresh) token to use instead of the password
   * (regcred extension: OAuth2 POST with grant_type=refresh_token). Used
   * only when `password` is ''.
   */
  identityToken?: string;
  /** Environment for proxies, SSL_CERT_FILE, REGCRED_CERTS_DIR.
   * @default process.env */
  env?: NodeJS.ProcessEnv;
  /** A folder read instead of /etc/docker/certs.d (`--certs-dir`). */
  certsDir?: string;
  /**
   * Where Docker Hub's registry is; for tests.
   * @default REGCRED_HUB_ENDPOINT, else 'https://registry-1.docker.io'
   */
  hubEndpoint?: string;
  signal?: AbortSignal;
  /** Receives Docker-like progress lines (an endpoint failed, trying the
   * next); never a secret. */
  onInfo?: (line: string) => void;
  /** The User-Agent header. @default {@link DEFAULT_USER_AGENT} */
  userAgent?: string;
  /**
   * How long one request (with its redirects and body) may take, in
   * milliseconds. @default 15000, as Docker
   */
  timeoutMs?: number;
}

/** A successful login. */
export interface RegistryLoginResult {
  /** 'Login Succeeded', as Docker prints it. */
  status: string;
  /** A refresh token the token service returned, to store. */
  identityToken?: string;
  /** The endpoint that accepted the login, e.g. `http://127.0.0.1:5000`. */
  endpoint: string;
  /**
   * HTTP answers received during the login, redirects included, from the
   * registry (every endpoint tried) and from token services.
   */
  requests?: Record<RequestPurpose, number>;
}

/** What a failed endpoint leaves; `stop` ends the login at once. */
class EndpointFailure {
  constructor(
    readonly error: RegistryLoginError,
    readonly stop: boolean,
  ) {}
}

/** What every endpoint's attempt shares. */
interface LoginRun {
  options: RegistryLoginOptions;
  env: NodeJS.ProcessEnv;
  requests: Record<RequestPurpose, number>;
  /** The identity token is used: given, and no password. */
  usesIdentityToken: boolean;
}

/**
 * Checks credentials against a registry the way Docker's client-side login
 * does: `GET /v2/`, then Basic or the token service.
 *
 * @returns The status, the endpoint that accepted, and the identity token
 *   to store (new from the token service, or the one given if it still
 *   works and none came).
 * @throws {RegistryLoginError} refused, unreachable, TLS failure, or a
 *   token service answering garbage. ERR_LOGIN_UNAUTHORIZED means the
 *   credentials (or the identity token) were refused.
 * @throws the abort reason of `options.signal`.
 *
 * @example
 * ```ts
 * const result = await loginToRegistry({
 *   serverKey: '127.0.0.1:5000',
 *   username: 'alice',
 *   password: secret,
 * });
 * result.status; // 'Login Succeeded'
 * ```
 */
export async function loginToRegistry(
  options: RegistryLoginOptions,
): Promise<RegistryLoginResult> {
  const env = options.env ?? process.env;
  const run: LoginRun = {
    options,
    env,
    requests: { registry: 0, tokenService: 0 },
    usesIdentityToken:
      options.password === '' &&
      options.identityToken !== undefined &&
      options.identityToken !== '',
  };
  const endpoints = await loginEndpoints(options.serverKey, {
    hubEndpoint: options.hubEndpoint,
    env,
  });
  // certs.d is read before any request: a broken folder fails the login,
  // as in Docker
  const attempts = await Promise.all(
    endpoints.map(async (endpoint) => ({
      endpoint,
      tls: await tlsFor(endpoint, run),
    })),
  );

  let lastError: RegistryLoginError | undefined;
  let refusal: RegistryLoginError | undefined;
  for (const { endpoint, tls } of attempts) {
    debug(`login: trying ${endpoint.url}`);
    try {
      const identityToken = await loginAt(endpoint, tls, run);
      const result: RegistryLoginResult = {
        status: 'Login Succeeded',
        endpoint: endpoint.url,
        requests: run.requests,
      };
      if (identityToken !== undefined) result.identityToken = identityToken;
      return result;
    } catch (failure) {
      if (!(failure instanceof EndpointFailure)) throw failure;
      debug(`login: ${endpoint.url} failed: ${failure.error.message}`);
      if (failure.stop) throw failure.error;
      options.onInfo?.(
        `Error logging in to endpoint ${endpoint.url}, trying next ` +
          `endpoint: ${failure.error.message}`,
      );
      lastError = failure.error;
      refusal ??= isRefusal(failure.error) ? failure.error : undefined;
    }
  }
  // NOTE: Docker reports the last endpoint's error, so a wrong password on
  // a TLS registry on loopback shows as the http fallback's "400 Bad
  // Request". A refusal of the credentials, wherever it came, is what the
  // user needs to hear; regcred reports that one.
  // (there is always at least one endpoint)
  throw refusal ?? (lastError as RegistryLoginError);
}

/** True when a registry answered and refused the credentials. */
function isRefusal(error: RegistryLoginError): boolean {
  return error.code === 'ERR_LOGIN_UNAUTHORIZED' && error.status === 401;
}

/** The registry's TLS settings, and those for other host names. */
interface EndpointTls {
  registry: TlsMaterial;
  other: TlsMaterial;
}

/** Loads an endpoint's {@link EndpointTls}. */
async function tlsFor(
  endpoint: LoginEndpoint,
  run: LoginRun,
): Promise<EndpointTls> {
  const settings = {
    host: endpoint.host,
    verify: endpoint.verifyTls,
    useCertsDirectory: endpoint.useCertsDirectory,
    certsDir: run.options.certsDir,
    env: run.env,
  };
  const registry = await loadTlsMaterial(settings);
  // NOTE: Docker uses the registry's TLS settings for every host the login
  // talks to, so a loopback registry's token service on another host name
  // goes unverified; regcred verifies every host name but the registry's.
  const other = endpoint.verifyTls
    ? registry
    : await loadTlsMaterial({ ...settings, verify: true });
  return { registry, other };
}

/**
 * One endpoint's attempt.
 *
 * @returns The identity token to store, if any.
 * @throws {EndpointFailure} for every failure of the login itself.
 */
async function loginAt(
  endpoint: LoginEndpoint,
  tls: EndpointTls,
  run: LoginRun,
): Promise<string | undefined> {
  const { options } = run;
  // the URL as Docker prints it, host case kept
  const v2Text = `${endpoint.url}/v2/`;
  if (!URL.canParse(v2Text)) {
    const error = new RegistryLoginError(
      'ERR_LOGIN_FAILED',
      `Cannot log in to ${v2Text}: it is not a valid URL`,
      { url: v2Text },
    );
    throw new EndpointFailure(error, false);
  }
  const v2 = new URL(v2Text);
  const transport = new HttpTransport({
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    env: run.env,
    registryHostname: v2.hostname,
    registryTls: tls.registry,
    otherTls: tls.other,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });

  try {
    // ping without credentials; only a 401 carries challenges
    const ping = await transport.send({
      method: 'GET',
      url: v2.href,
      purpose: 'registry',
    });
    const challenges = challengesOf(
      ping.status,
      ping.headers['www-authenticate'],
    );
    debug(`login: ${v2Text} challenges: ${schemesOf(challenges)}`);

    const authorization = await authorize(challenges, v2, transport, run);
    const answer = await transport.send({
      method: 'GET',
      url: v2.href,
      purpose: 'registry',
      headers:
        authorization.header === undefined
          ? {}
          : { authorization: authorization.header },
    });
    if (answer.status !== 200) throw statusFailure(v2Text, answer.status);
    return authorization.identityToken;
  } catch (error) {
    if (error instanceof EndpointFailure) throw error;
    if (error instanceof RegistryLoginError) {
      throw new EndpointFailure(error, false);
    }
    throw error;
  } finally {
    for (const purpose of ['registry', 'tokenService'] as const) {
      run.requests[purpose] += transport.requests[purpose];
    }
    await transport.close();
  }
}

/** The Authorization header for the second `GET /v2/`. */
interface Authorization {
  header?: string;
  identityToken?: string;
}

/**
 * Applies the challenges as Docker's authorizer does: Bearer first, then
 * Basic, which overwrites the header when both were offered.
 */
async function authorize(
  challenges: Challenge[],
  registry: URL,
  transport: HttpTransport,
  run: LoginRun,
): Promise<Authorization> {
  const { username, password, identityToken } = run.options;
  const result: Authorization = {};
  if (run.usesIdentityToken && identityToken !== undefined) {
    result.identityToken = identityToken;
  }

  // Docker fetches one token however many Bearer challenges there are
  const bearer = challenges.find((one) => one.scheme === 'bearer');
  if (bearer !== undefined) {
    const grant = await fetchToken({
      transport,
      challenge: bearer,
      registry,
      username,
      password,
      identityToken: run.usesIdentityToken ? identityToken : undefined,
    }).catch((error: unknown) => {
      // NOTE: Docker stops only for some forms of the refusal (`details`,
      // a body that is no JSON) and tries the next endpoint after an
      // `errors` list; regcred stops for every one, as asking the same
      // service again cannot change its answer.
      const refused =
        error instanceof RegistryLoginError &&
        error.code === 'ERR_LOGIN_UNAUTHORIZED';
      throw refused ? new EndpointFailure(error, true) : error;
    });
    result.header = `Bearer ${grant.token}`;
    if (grant.refreshToken !== undefined) {
      result.identityToken = grant.refreshToken;
    }
  }

  if (challenges.some((one) => one.scheme === 'basic')) {
    if (username !== '' && password !== '') {
      const pair = Buffer.from(`${username}:${password}`).toString('base64');
      result.header = `Basic ${pair}`;
    } else if (!(run.usesIdentityToken && result.header !== undefined)) {
      // NOTE: with an identity token and a Bearer token already in hand,
      // regcred keeps the token; Docker would fail for want of a password.
      throw basicWithoutPassword(registry, run.usesIdentityToken);
    }
  }
  return result;
}

function basicWithoutPassword(
  registry: URL,
  usesIdentityToken: boolean,
): EndpointFailure {
  const url = registry.href;
  if (usesIdentityToken) {
    const error = new RegistryLoginError(
      'ERR_LOGIN_UNAUTHORIZED',
      `${url} asks for a user name and password (Basic auth); a stored ` +
        'identity token cannot be used there, log in with a password',
      { url, status: 401 },
    );
    return new EndpointFailure(error, true);
  }
  const error = new RegistryLoginError(
    'ERR_LOGIN_FAILED',
    `${url} asks for Basic auth, which needs a user name and a password`,
    { url, status: 401 },
  );
  return new EndpointFailure(error, false);
}

/** Docker's error for a final status other than 200. */
function statusFailure(v2Text: string, status: number): RegistryLoginError {
  // Docker's words; the code is regcred's: a 401 says the credentials
  // were refused, though Docker goes on to the next endpoint all the same
  const statusText = `${status} ${http().STATUS_CODES[status] ?? ''}`;
  return new RegistryLoginError(
    status === 401 ? 'ERR_LOGIN_UNAUTHORIZED' : 'ERR_LOGIN_FAILED',
    `login attempt to ${v2Text} failed with status: ${statusText}`,
    { url: v2Text, status },
  );
}

function schemesOf(challenges: Challenge[]): string {
  return challenges.map((one) => one.scheme).join(', ') || 'none';
}
