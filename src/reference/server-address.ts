/**
 * Registry server addresses as Docker reduces them to config keys: the
 * `ConvertToHostname` rule that legacy `auths` keys, `docker login` and
 * `docker logout` all go through.
 *
 * References:
 * - docker/cli v28.2.2 `cli/config/credentials/file_store.go`
 *   (`ConvertToHostname`) and `cli/command/registry/login.go`
 * - Go 1.24 `net/url.Parse`, `URL.Hostname`, `URL.Port` and
 *   `net.JoinHostPort`, whose accept-or-reject rules change the answer
 * - docker-cli-auth.md §2.3, §2.4, §5.2, §10.1 and §10.2
 *   (shared/reference)
 *
 * @module
 */

import { InvalidAddressError } from '../errors.js';
import { DOCKER_HUB_KEY } from './image-reference.js';

/** The short Hub name `docker login` maps to {@link DOCKER_HUB_KEY}. */
const HUB_NAMESPACE = 'docker.io';

/** ASCII punctuation Go's url.Parse lets stand unescaped in a host. */
const HOST_PUNCTUATION = '-_.~!$&\'()*+,;=:[]<>"';

/** ASCII punctuation Go's url.Parse lets stand in user info. */
const USERINFO_PUNCTUATION = "-._:~!$&'()*+,;=%@";

/** How Go's `unescape` treats the text it checks. */
type EscapeMode = 'host' | 'zone' | 'other';

const PERCENT = 0x25;
const SPACE = 0x20;
const ALNUM_REGEXP = /^[A-Za-z0-9]$/;
const HEX_DIGIT_REGEXP = /^[0-9A-Fa-f]$/;

/**
 * Reduces a server address to the host name Docker keys credentials by
 * (Docker's `ConvertToHostname`).
 *
 * 1. When the address holds `://` and Go's `url.Parse` accepts it with a
 *    non-empty host name, the result is that host name, plus `:port` when
 *    a port is given. User info, path, query and fragment are dropped; an
 *    IPv6 host is bracketed again when a port follows; case is kept.
 * 2. Otherwise it is everything before the first `/`, untouched.
 *
 * Step 1 follows Go's parser closely, including its odd answers: a host
 * Go rejects (a space, a bad `%` escape anywhere before the fragment)
 * sends the address to step 2, so `https://ex ample.com/x` gives `https:`.
 *
 * NOTE: Go works on bytes. A `%` escape in the host that decodes to bytes
 * that are not valid UTF-8 gives U+FFFD here, where Go keeps the raw bytes.
 *
 * @param address A registry address: a host, `host:port`, or a URL.
 * @returns The host name, possibly empty; this never fails.
 *
 * @example
 * ```ts
 * convertToHostname('https://u:pw@example.com:5000/x'); // 'example.com:5000'
 * convertToHostname('https://::1:6555/v2/'); // '[::1]:6555'
 * ```
 */
export function convertToHostname(address: string): string {
  if (address.includes('://')) {
    const host = goUrlHost(address);
    if (host !== undefined) {
      const { hostname, port } = splitHostPort(host);
      if (hostname !== '') {
        return port === '' ? hostname : joinHostPort(hostname, port);
      }
    }
  }
  return address.split('/', 1)[0] ?? '';
}

/**
 * Returns the key `docker login [SERVER]` stores credentials under: the
 * Hub key when there is no server, or it is exactly `docker.io` or exactly
 * {@link DOCKER_HUB_KEY}; otherwise {@link convertToHostname} of it.
 *
 * So `index.docker.io`, `https://index.docker.io/v1` and
 * `registry-1.docker.io` give keys that Hub pulls never read, as in Docker.
 *
 * References: docker-cli-auth.md §2.4 ("Writes"), §5.2 and §10.2.
 *
 * @param address The SERVER argument, if any.
 * @returns The key to write under `auths` or hand to a helper.
 *
 * @example
 * ```ts
 * loginServerKey(); // 'https://index.docker.io/v1/'
 * loginServerKey('https://Reg.example:443/v2/'); // 'Reg.example:443'
 * ```
 */
export function loginServerKey(address?: string): string {
  if (
    address === undefined ||
    address === '' ||
    address === HUB_NAMESPACE ||
    address === DOCKER_HUB_KEY
  ) {
    return DOCKER_HUB_KEY;
  }
  return convertToHostname(address);
}

/**
 * The `Host` Go's `url.Parse(raw)` would produce, or undefined where Go
 * returns an error. Only the checks that can reject are kept.
 */
function goUrlHost(raw: string): string | undefined {
  const hash = raw.indexOf('#');
  const main = hash === -1 ? raw : raw.slice(0, hash);
  const fragment = hash === -1 ? '' : raw.slice(hash + 1);
  if (hasControlCharacter(main)) return undefined;

  const split = splitScheme(main);
  if (split === undefined) return undefined;
  const { scheme } = split;
  let rest = split.rest.split('?', 1)[0] ?? '';

  // a scheme without "/" after it is opaque; without a scheme, a colon
  // in the first segment is an error
  if (!rest.startsWith('/')) {
    if (scheme !== '') return '';
    if ((rest.split('/', 1)[0] ?? '').includes(':')) return undefined;
  }

  let host = '';
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    const end = rest.indexOf('/', 2);
    const authority = end === -1 ? rest.slice(2) : rest.slice(2, end);
    const parsed = parseAuthority(authority);
    if (parsed === undefined) return undefined;
    host = parsed;
    rest = end === -1 ? '' : rest.slice(end);
  }

  // the path and the fragment are unescaped too, and can fail
  if (unescape(rest, 'other') === undefined) return undefined;
  if (fragment !== '' && unescape(fragment, 'other') === undefined) {
    return undefined;
  }
  return host;
}

/** Go's `getScheme`: the scheme and the text after its colon. */
function splitScheme(
  raw: string,
): { scheme: string; rest: string } | undefined {
  for (let i = 0; i < raw.length; i++) {
    const char = raw.charAt(i);
    if (/[A-Za-z]/.test(char)) continue;
    if (/[0-9+.-]/.test(char)) {
      if (i === 0) break;
      continue;
    }
    if (char === ':') {
      // "missing protocol scheme"
      if (i === 0) return undefined;
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    break;
  }
  return { scheme: '', rest: raw };
}

/** Go's `parseAuthority`: the host after any user info, if both are valid. */
function parseAuthority(authority: string): string | undefined {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at === -1 ? authority : authority.slice(at + 1));
  if (host === undefined || at === -1) return host;

  const userinfo = authority.slice(0, at);
  if (!isValidUserinfo(userinfo)) return undefined;
  return unescape(userinfo, 'other') === undefined ? undefined : host;
}

/**
 * Go's `parseHost`: checks the port after a host or an `[IP-literal]`,
 * then unescapes, with RFC 6874 zone rules after `%25` inside brackets.
 */
function parseHost(host: string): string | undefined {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close === -1) return undefined;
    if (!isValidOptionalPort(host.slice(close + 1))) return undefined;

    const zone = host.slice(0, close).indexOf('%25');
    if (zone !== -1) {
      const address = unescape(host.slice(0, zone), 'host');
      const zoneId = unescape(host.slice(zone, close), 'zone');
      const tail = unescape(host.slice(close), 'host');
      if (address === undefined || zoneId === undefined) return undefined;
      return tail === undefined ? undefined : address + zoneId + tail;
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && !isValidOptionalPort(host.slice(colon))) {
      return undefined;
    }
  }
  return unescape(host, 'host');
}

/**
 * Go's `unescape`: decodes `%XX` escapes, or returns undefined where Go
 * fails. Every mode needs two hex digits after `%`. A host may escape only
 * bytes from 0x80 up, and `%25`; a zone may escape only what it could
 * write plainly, and spaces. Hosts and zones reject other ASCII
 * punctuation written plainly.
 */
function unescape(text: string, mode: EscapeMode): string | undefined {
  const bytes = Buffer.from(text, 'utf8');
  const decoded: number[] = [];
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i] ?? 0;
    if (byte !== PERCENT) {
      if (mode !== 'other' && byte < 0x80 && !isHostByte(byte)) {
        return undefined;
      }
      decoded.push(byte);
      i += 1;
      continue;
    }

    const high = hexValue(bytes[i + 1]);
    const low = hexValue(bytes[i + 2]);
    if (high === undefined || low === undefined) return undefined;
    const value = high * 16 + low;
    const isPercent = value === PERCENT;
    if (mode === 'host' && high < 8 && !isPercent) return undefined;
    if (mode === 'zone' && !isPercent && value !== SPACE) {
      if (!isHostByte(value)) return undefined;
    }
    decoded.push(value);
    i += 3;
  }
  return Buffer.from(decoded).toString('utf8');
}

/** Whether Go's url package lets this byte stand unescaped in a host. */
function isHostByte(byte: number): boolean {
  if (byte >= 0x80) return false;
  const char = String.fromCharCode(byte);
  return ALNUM_REGEXP.test(char) || HOST_PUNCTUATION.includes(char);
}

/** Go's `validUserinfo`: RFC 3986 user info characters, ASCII only. */
function isValidUserinfo(userinfo: string): boolean {
  for (const char of userinfo) {
    if (!ALNUM_REGEXP.test(char) && !USERINFO_PUNCTUATION.includes(char)) {
      return false;
    }
  }
  return true;
}

/** Go's `stringContainsCTLByte`: bytes below 0x20, and DEL. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The value of one hex digit byte, or undefined. */
function hexValue(byte: number | undefined): number | undefined {
  if (byte === undefined) return undefined;
  const char = String.fromCharCode(byte);
  return HEX_DIGIT_REGEXP.test(char) ? parseInt(char, 16) : undefined;
}

/** Go's `validOptionalPort`: empty, or a colon and digits (maybe none). */
function isValidOptionalPort(port: string): boolean {
  return /^(?::[0-9]*)?$/.test(port);
}

/** Go's `URL.Hostname` and `URL.Port` applied to a parsed host. */
function splitHostPort(host: string): { hostname: string; port: string } {
  let hostname = host;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && isValidOptionalPort(host.slice(colon))) {
    hostname = host.slice(0, colon);
    port = host.slice(colon + 1);
  }
  if (hostname.startsWith('[') && hostname.endsWith(']')) {
    hostname = hostname.slice(1, -1);
  }
  return { hostname, port };
}

/** Go's `net.JoinHostPort`: brackets a host that holds a colon. */
function joinHostPort(hostname: string, port: string): string {
  return hostname.includes(':')
    ? `[${hostname}]:${port}`
    : `${hostname}:${port}`;
}

const HOST_PORT_REGEXP =
  /^(\[[0-9A-Fa-f:.%\w]+\]|[A-Za-z0-9_][^\s/[\]:]*)(?::([^:]*))?$/;
// the part between the first two colons holds none, so that a long run
// of `a:` is matched in linear time
const BARE_IPV6_REGEXP = /^[0-9A-Fa-f]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*$/;

/**
 * Reads a registry address the user typed, as `docker login` reads it
 * ({@link loginServerKey}), and refuses what cannot name a registry:
 * an empty address, white space or control characters, no host left after
 * normalising (`https://`, `//x`), or a port that is not a number from 1
 * to 65535. Docker would try such an address and fail later, less clearly.
 *
 * @throws {InvalidAddressError} with the reason and an example.
 */
export function readRegistryAddress(address: string | undefined): string {
  const key = loginServerKey(address);
  if (address === undefined) return key;
  const reason =
    address.trim() === ''
      ? 'it is empty (Docker Hub is docker.io)'
      : key === DOCKER_HUB_KEY
        ? undefined
        : addressProblem(address, key);
  if (reason !== undefined) {
    throw new InvalidAddressError(
      address,
      `${reason}. Give a host, a host:port or a URL, e.g. ` +
        "'registry.example.com', 'localhost:5000' or 'https://ghcr.io'",
    );
  }
  return key;
}

function addressProblem(address: string, key: string): string | undefined {
  // C1 controls too; and the key, as a %-escape in a URL's host can
  // decode to one
  // eslint-disable-next-line no-control-regex -- finding them is the point
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(address + key)) {
    return 'it holds white space or control characters';
  }
  if (BARE_IPV6_REGEXP.test(key)) return undefined;
  const match = HOST_PORT_REGEXP.exec(key);
  if (match === null) return `no registry host is left in it ('${key}')`;
  const port = match[2];
  if (port === '') return `no registry host is left in it ('${key}')`;
  const valid = /^\d+$/.test(port ?? '1') && Number(port ?? 1) <= 65535;
  if (!valid || port === '0') {
    return `the port '${port ?? ''}' is not a number from 1 to 65535`;
  }
  return undefined;
}
