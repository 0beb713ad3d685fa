/**
 * The credentials for one registry, in the shape Docker sends to its daemon
 * and dockerode accepts as `authconfig`.
 *
 * @module
 */
import { goCompactObject, goQuote } from './internal/go-json.js';

/**
 * Credentials for one registry, with Docker's field names. Absent fields
 * are empty; an object with no fields (or only `serveraddress`) means
 * anonymous access.
 */
export interface AuthConfig {
  /** The user name. */
  username?: string;
  /** The password, or an access token used as one. */
  password?: string;
  /** base64 of `username:password`; only set when Docker could not decode it. */
  auth?: string;
  /** Deprecated by Docker, kept because Docker still forwards it. */
  email?: string;
  /** The config key the credentials were found under. */
  serveraddress?: string;
  /** An OAuth2 refresh token, exchanged by the daemon for access tokens. */
  identitytoken?: string;
  /** A bearer token sent to the registry as it is. */
  registrytoken?: string;
}

/** The fields of {@link AuthConfig} in the order Docker serialises them. */
export const AUTH_CONFIG_FIELDS = [
  'username',
  'password',
  'auth',
  'email',
  'serveraddress',
  'identitytoken',
  'registrytoken',
] as const;

/**
 * Returns the compact JSON Docker puts in the `X-Registry-Auth` header:
 * Docker's field order, empty fields left out, Go's escaping.
 *
 * @example
 * ```ts
 * toDockerJson({ username: 'u', password: 'p', serveraddress: 'e.example' });
 * // '{"username":"u","password":"p","serveraddress":"e.example"}'
 * ```
 */
export function toDockerJson(config: AuthConfig): string {
  return goCompactObject(
    AUTH_CONFIG_FIELDS.map((field) => [field, config[field]] as const),
    true,
  );
}

/**
 * Encodes credentials as the `X-Registry-Auth` header value Docker sends to
 * its daemon: padded base64url of {@link toDockerJson}.
 *
 * @example
 * ```ts
 * encodeRegistryAuthHeader({}); // 'e30='
 * ```
 */
export function encodeRegistryAuthHeader(config: AuthConfig): string {
  return toBase64Url(toDockerJson(config));
}

/**
 * Encodes a map of credentials as the `X-Registry-Config` header value the
 * legacy builder sends: padded base64url of a JSON object, keys sorted as
 * Go sorts map keys.
 */
export function encodeRegistryConfigHeader(
  all: Readonly<Record<string, AuthConfig>>,
): string {
  const keys = Object.keys(all).sort(compareBytes);
  const body = keys
    .map((key) => `${goQuote(key)}:${toDockerJson(all[key] ?? {})}`)
    .join(',');
  return toBase64Url(`{${body}}`);
}

/** Padded base64url (RFC 4648 section 5), the alphabet the daemon decodes. */
function toBase64Url(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

/** Orders strings by their UTF-8 bytes, as Go sorts map keys. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
