/**
 * STUB: interface agreed between the registry client and its callers; the
 * registry task replaces the body.
 *
 * @module
 */

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
   * (regcred extension: OAuth2 POST with grant_type=refresh_token).
   */
  identityToken?: string;
  /** Environment for proxies, SSL_CERT_FILE, REGCRED_CERTS_DIR.
   * @default process.env */
  env?: NodeJS.ProcessEnv;
  /** A folder read instead of /etc/docker/certs.d (`--certs-dir`). */
  certsDir?: string;
  /**
   * Where Docker Hub's registry is; for tests.
   * @default 'https://registry-1.docker.io'
   */
  hubEndpoint?: string;
  signal?: AbortSignal;
  /** Receives Docker-like progress lines (an endpoint failed, trying the
   * next); never a secret. */
  onInfo?: (line: string) => void;
}

/** A successful login. */
export interface RegistryLoginResult {
  /** 'Login Succeeded', as Docker prints it. */
  status: string;
  /** A refresh token the token service returned, to store. */
  identityToken?: string;
  /** The endpoint that accepted the login, e.g. `http://127.0.0.1:5000`. */
  endpoint: string;
}

/**
 * Checks credentials against a registry the way Docker's client-side login
 * does: `GET /v2/`, then Basic or the token service.
 *
 * @throws {RegistryLoginError} refused, unreachable, TLS failure, or a
 *   token service answering garbage.
 */
export async function loginToRegistry(
  options: RegistryLoginOptions,
): Promise<RegistryLoginResult> {
  void options;
  throw new Error('not implemented yet');
}
