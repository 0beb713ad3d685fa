/**
 * Which URLs a client-side login tries, in order, as Docker 28.2.2 chooses
 * them when no daemon is reachable:
 *
 * 1. Docker Hub (`docker.io`, `index.docker.io`, so also the key
 *    `https://index.docker.io/v1/`): the one endpoint
 *    `https://registry-1.docker.io`, default TLS, no certs.d.
 * 2. Any other host: `https://<host>`; then, when the host is insecure,
 *    `http://<host>`. Insecure means loopback: 127.0.0.0/8 or ::1, after
 *    the port is stripped and a host name resolved. An insecure host's
 *    HTTPS is tried without certificate verification and without certs.d.
 *
 * No daemon configuration (`insecure-registries`, mirrors) is read, as in
 * Docker's client-side login.
 *
 * References:
 * - moby v28.2.2 `registry/service.go` (`Auth`), `service_v2.go`
 *   (`lookupV2Endpoints`), `config.go` (`isSecureIndex`, `isCIDRMatch`)
 * - docker-cli-auth.md §5.5 (shared/reference)
 *
 * @module
 */
import { RegistryLoginError } from '../errors.js';
import { isLoopbackIp, parseIp } from './ip-address.js';
import { dnsPromises } from '../internal/lazy-builtins.js';

/** Where Docker Hub's registry API is. */
export const DOCKER_HUB_ENDPOINT = 'https://registry-1.docker.io';

/** The host names Docker treats as Docker Hub when logging in. */
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io']);

/** One URL to try a login at. */
export interface LoginEndpoint {
  /** The base URL, without a trailing slash: `https://127.0.0.1:5000`. */
  url: string;
  /** The registry's `host[:port]` as given (case kept), e.g. for certs.d. */
  host: string;
  /** Verify the server's certificate (false for an insecure host). */
  verifyTls: boolean;
  /** Read `certs.d/<host>/` (secure hosts other than Docker Hub). */
  useCertsDirectory: boolean;
}

/** Resolves a host name to its addresses; `dns.lookup` by default. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** What {@link loginEndpoints} needs besides the server key. */
export interface EndpointOptions {
  /**
   * Docker Hub's registry URL, for tests.
   * @default REGCRED_HUB_ENDPOINT from `env`, else {@link DOCKER_HUB_ENDPOINT}
   */
  hubEndpoint?: string | undefined;
  /** Environment to read REGCRED_HUB_ENDPOINT from. */
  env: NodeJS.ProcessEnv;
  /** Host name resolution; injectable for tests. */
  resolve?: HostResolver;
}

/**
 * Returns the endpoints a login to `serverKey` tries, in order.
 *
 * @param serverKey A config key: the Hub key, `host[:port]`, or a URL.
 * @throws {RegistryLoginError} ERR_LOGIN_FAILED when the key names no host.
 *
 * @example
 * ```ts
 * await loginEndpoints('127.0.0.1:5000', { env: {} });
 * // https://127.0.0.1:5000 (not verified), then http://127.0.0.1:5000
 * ```
 */
export async function loginEndpoints(
  serverKey: string,
  options: EndpointOptions,
): Promise<LoginEndpoint[]> {
  const host = serverKey === '' ? 'index.docker.io' : registryHost(serverKey);
  if (host === '') {
    throw new RegistryLoginError(
      'ERR_LOGIN_FAILED',
      `Cannot log in to '${serverKey}': it names no registry host`,
      { url: serverKey },
    );
  }
  if (HUB_HOSTS.has(host)) return [hubEndpoint(options)];

  const insecure = await isInsecureHost(host, options.resolve ?? lookupAll);
  const secureEndpoint: LoginEndpoint = {
    url: `https://${host}`,
    host,
    verifyTls: !insecure,
    useCertsDirectory: !insecure,
  };
  if (!insecure) return [secureEndpoint];
  return [
    secureEndpoint,
    { url: `http://${host}`, host, verifyTls: false, useCertsDirectory: false },
  ];
}

/**
 * The URL host (`host[:port]`) of a server key, as Docker finds it: put
 * `https://` in front unless the key starts with `http://` or `https://`,
 * then take the part between the scheme and the path, without user info.
 */
export function registryHost(serverKey: string): string {
  const withoutScheme = serverKey.replace(/^https?:\/\//, '');
  const authority = withoutScheme.split(/[/?#]/, 1)[0] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1);
}

/**
 * Tells whether Docker would treat `host` (`host[:port]`) as insecure:
 * one of its addresses is loopback. A name that cannot be resolved is
 * secure. `0.0.0.0` is not loopback, so it is secure.
 *
 * As in Docker, the port is stripped only when Go's `SplitHostPort`
 * accepts the text, so a bare `[::1]` (brackets, no port) is neither
 * resolvable nor an IP, and counts as secure.
 */
export async function isInsecureHost(
  host: string,
  resolve: HostResolver,
): Promise<boolean> {
  const hostname = splitHostPort(host)?.hostname ?? host;
  const literal = parseIp(hostname);
  if (literal !== undefined) return isLoopbackIp(literal);
  let addresses: string[];
  try {
    addresses = await resolve(hostname);
  } catch {
    return false;
  }
  return addresses.some((address) => {
    const parsed = parseIp(address);
    return parsed !== undefined && isLoopbackIp(parsed);
  });
}

/**
 * Splits `host:port` as Go's `net.SplitHostPort` does, or returns
 * undefined where Go reports an error (no port, stray brackets or colons).
 */
export function splitHostPort(
  text: string,
): { hostname: string; port: string } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon === -1) return undefined;
  const port = text.slice(colon + 1);
  let hostname = text.slice(0, colon);
  if (hostname.startsWith('[')) {
    if (!hostname.endsWith(']')) return undefined;
    hostname = hostname.slice(1, -1);
  } else if (hostname.includes(':')) {
    return undefined;
  }
  if (/[[\]]/.test(hostname)) return undefined;
  return { hostname, port };
}

function hubEndpoint(options: EndpointOptions): LoginEndpoint {
  const configured =
    options.hubEndpoint ??
    nonEmpty(options.env['REGCRED_HUB_ENDPOINT']) ??
    DOCKER_HUB_ENDPOINT;
  const url = configured.replace(/\/+$/, '');
  // Docker uses default TLS for Hub: verified, system CAs, no certs.d
  return {
    url,
    host: registryHost(url),
    verifyTls: true,
    useCertsDirectory: false,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function lookupAll(hostname: string): Promise<string[]> {
  const { lookup } = dnsPromises();
  const found = await lookup(hostname, { all: true });
  return found.map((entry) => entry.address);
}
