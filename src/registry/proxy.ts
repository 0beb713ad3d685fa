/**
 * Which proxy a request goes through, chosen from the environment by the
 * rules of Go's `http.ProxyFromEnvironment`, which Docker's client uses:
 *
 * - `https://` URLs use HTTPS_PROXY, `http://` URLs use HTTP_PROXY; the
 *   upper-case name wins over the lower-case one;
 * - a proxy given without a scheme (`proxy.example:3128`) is `http://`;
 * - `localhost` and loopback IP literals never go through a proxy;
 * - NO_PROXY (or no_proxy) is a comma-separated list of: `*` (no proxy at
 *   all), an IP, a CIDR, or a domain that also covers its subdomains
 *   (`example.com`, `.example.com` or `*.example.com`), each with an
 *   optional `:port`.
 *
 * The rules are written out here, rather than left to undici's
 * EnvHttpProxyAgent, because that agent proxies loopback addresses and
 * reads NO_PROXY differently (no CIDRs, lower-case names first).
 *
 * References:
 * - golang.org/x/net `http/httpproxy/proxy.go` (`FromEnvironment`,
 *   `proxyForURL`, `useProxy`, `parseProxy`), as used by Go 1.24
 *
 * @module
 */
import {
  isLoopbackIp,
  networkContains,
  parseCidr,
  parseIp,
  sameIp,
  type IpBytes,
  type IpNetwork,
} from './ip-address.js';
import { splitHostPort } from './endpoints.js';

/** The proxy settings read from an environment. */
export interface ProxySettings {
  /** For `http://` requests. */
  http?: ProxyChoice;
  /** For `https://` requests. */
  https?: ProxyChoice;
  /** Hosts reached directly, from NO_PROXY. */
  bypass: BypassRule[];
}

/** A proxy, or the reason its setting cannot be used. */
export type ProxyChoice =
  { variable: string; url: URL } | { variable: string; invalid: true };

/** One NO_PROXY entry. */
export type BypassRule =
  | { kind: 'everything' }
  | { kind: 'network'; network: IpNetwork }
  | { kind: 'ip'; address: IpBytes; port: string }
  | { kind: 'domain'; suffix: string; port: string; exact: boolean };

/** Reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY (either case) from `env`. */
export function proxySettingsFrom(env: NodeJS.ProcessEnv): ProxySettings {
  const settings: ProxySettings = {
    bypass: parseNoProxy(firstSet(env, 'NO_PROXY')?.value ?? ''),
  };
  const http = proxyChoice(firstSet(env, 'HTTP_PROXY'));
  const https = proxyChoice(firstSet(env, 'HTTPS_PROXY'));
  if (http !== undefined) settings.http = http;
  if (https !== undefined) settings.https = https;
  return settings;
}

/**
 * Returns the proxy for a request to `url`, or undefined to connect
 * directly.
 *
 * @example
 * ```ts
 * const settings = proxySettingsFrom({ HTTPS_PROXY: '127.0.0.1:3128' });
 * proxyFor(new URL('https://0.0.0.0:5443/v2/'), settings); // the proxy
 * proxyFor(new URL('https://127.0.0.1:5443/v2/'), settings); // undefined
 * ```
 */
export function proxyFor(
  url: URL,
  settings: ProxySettings,
): ProxyChoice | undefined {
  const choice =
    url.protocol === 'https:'
      ? settings.https
      : url.protocol === 'http:'
        ? settings.http
        : undefined;
  if (choice === undefined) return undefined;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return shouldBypass(hostname, port, settings.bypass) ? undefined : choice;
}

function shouldBypass(
  hostname: string,
  port: string,
  rules: BypassRule[],
): boolean {
  if (hostname === 'localhost') return true;
  const address = parseIp(hostname);
  if (address !== undefined && isLoopbackIp(address)) return true;
  return rules.some((rule) => {
    switch (rule.kind) {
      case 'everything':
        return true;
      case 'network':
        return address !== undefined && networkContains(rule.network, address);
      case 'ip':
        return (
          address !== undefined &&
          sameIp(rule.address, address) &&
          (rule.port === '' || rule.port === port)
        );
      case 'domain':
        return (
          (hostname.endsWith(rule.suffix) ||
            (rule.exact && hostname === rule.suffix.slice(1))) &&
          (rule.port === '' || rule.port === port)
        );
    }
  });
}

/** Reads NO_PROXY; entries that make no sense are skipped, as in Go. */
function parseNoProxy(value: string): BypassRule[] {
  const rules: BypassRule[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return [{ kind: 'everything' }];
    const network = parseCidr(entry);
    if (network !== undefined) {
      rules.push({ kind: 'network', network });
      continue;
    }
    const rule = hostRule(entry);
    if (rule !== undefined) rules.push(rule);
  }
  return rules;
}

function hostRule(entry: string): BypassRule | undefined {
  let host = entry;
  let port = '';
  // as Go's net.SplitHostPort: an entry it cannot split is all host
  const split = splitHostPort(entry);
  if (split !== undefined) {
    if (split.hostname === '') return undefined;
    ({ hostname: host, port } = split);
  }
  const address = parseIp(host);
  if (address !== undefined) return { kind: 'ip', address, port };
  if (host === '') return undefined;

  // `*.example.com` and `.example.com` cover subdomains only; a bare
  // `example.com` covers the domain itself as well
  if (host.startsWith('*.')) host = host.slice(1);
  const exact = !host.startsWith('.');
  return { kind: 'domain', suffix: exact ? `.${host}` : host, port, exact };
}

function proxyChoice(
  found: { variable: string; value: string } | undefined,
): ProxyChoice | undefined {
  if (found === undefined) return undefined;
  const { variable, value } = found;
  const url = parseProxyUrl(value);
  return url === undefined ? { variable, invalid: true } : { variable, url };
}

/** A proxy URL, with `http://` put in front when it has no scheme. */
function parseProxyUrl(value: string): URL | undefined {
  const direct = URL.canParse(value) ? new URL(value) : undefined;
  if (direct !== undefined && direct.host !== '') return direct;
  const withScheme = `http://${value}`;
  return URL.canParse(withScheme) ? new URL(withScheme) : undefined;
}

/** The first non-empty of `NAME` and `name` in `env`. */
function firstSet(
  env: NodeJS.ProcessEnv,
  name: string,
): { variable: string; value: string } | undefined {
  for (const variable of [name, name.toLowerCase()]) {
    const value = env[variable];
    if (value !== undefined && value !== '') return { variable, value };
  }
  return undefined;
}
