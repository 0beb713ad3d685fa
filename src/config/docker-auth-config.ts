/**
 * The `DOCKER_AUTH_CONFIG` environment variable, parsed as Docker 28.3 and
 * later parse it: `{"auths":{"HOST":{"auth":"BASE64"}}}` and nothing else.
 * (Docker 28.2 and earlier ignore the variable for credential lookups.)
 *
 * References: docker/cli v28.5.2 `cli/config/configfile/file.go`
 * (`configEnv`, `parseEnvConfig`).
 *
 * @module
 */
import { decodeAuthField } from './auth-entry.js';
import {
  decodeGoValue,
  goMap,
  type GoDecodeProblem,
  type GoType,
} from './go-decode.js';
import { moreJsonFollows, readJsonValue } from './json-reader.js';

/** The outcome of {@link parseDockerAuthConfig}. */
export type DockerAuthConfigResult =
  | { ok: true; auths: Map<string, { username: string; password: string }> }
  /** `reason` is in words and never repeats the value, which holds secrets. */
  | { ok: false; reason: string };

/** Docker's `configEnv`: only `auths`, and only `auth` in each entry. */
const ENV_CONFIG: GoType = {
  kind: 'struct',
  fields: {
    auths: {
      kind: 'map',
      elem: { kind: 'struct', fields: { auth: { kind: 'string' } } },
    },
  },
};

/**
 * Field names people put in the variable by mistake, taken from config.json.
 * Only these are named in an error: any other key could be a pasted secret.
 */
const NAMEABLE_FIELDS = new Set(
  [
    'username',
    'password',
    'email',
    'serveraddress',
    'identitytoken',
    'registrytoken',
    'credsStore',
    'credHelpers',
    'HttpHeaders',
    'proxies',
    'currentContext',
  ].map((name) => name.toLowerCase()),
);

/**
 * Parses a `DOCKER_AUTH_CONFIG` value as Docker 28.3+ does:
 * 1. one JSON value, strict: keys other than the top-level `auths` and
 *    each entry's `auth` are errors (matched case-insensitively, as Go);
 * 2. another value after the first is an error, though a stray `}` or `]`
 *    is not (Go's `Decoder.More`);
 * 3. every entry needs a non-empty `auth`, decoded as in config.json.
 *
 * Docker prints the error and then ignores the variable entirely. Whitespace
 * or `null` parse to no entries; callers treat an empty value as unset.
 *
 * @param value The variable's value.
 * @returns The decoded entries by key, or why the value is refused.
 * @example
 * ```ts
 * parseDockerAuthConfig('{"auths":{"e.example":{"auth":"dTpw"}}}');
 * // { ok: true, auths: Map { 'e.example' => { username: 'u', ... } } }
 * ```
 */
export function parseDockerAuthConfig(value: string): DockerAuthConfigResult {
  const read = readJsonValue(value);
  if (!read.ok) {
    const { line, column } = read.position;
    return refuse(
      `not valid JSON at line ${line}, column ${column}: ${read.reason}`,
    );
  }
  if (read.value === undefined) return { ok: true, auths: new Map() };

  const decoded = decodeGoValue(read.value, ENV_CONFIG, {
    disallowUnknownFields: true,
  });
  if (!decoded.ok) return refuse(describeProblem(decoded.problem));
  if (moreJsonFollows(value, read.end)) {
    return refuse('it holds more than one JSON value; Docker accepts one');
  }

  // every entry must carry a decodable auth
  const auths = new Map<string, { username: string; password: string }>();
  for (const [key, entry] of goMap(goMap(decoded.value).get('auths'))) {
    const auth = goMap(entry).get('auth');
    if (typeof auth !== 'string' || auth === '') {
      return refuse(`the entry for '${key}' has no 'auth', or an empty one`);
    }
    const credentials = decodeAuthField(auth);
    if (!credentials.ok) {
      return refuse(`the 'auth' of '${key}' is invalid: ${credentials.reason}`);
    }
    const { username, password } = credentials;
    auths.set(key, { username, password });
  }
  return { ok: true, auths };
}

function refuse(reason: string): DockerAuthConfigResult {
  return { ok: false, reason };
}

function describeProblem(problem: GoDecodeProblem): string {
  const { line, column } = problem.position;
  const where = `line ${line}, column ${column}`;
  const field = problem.unknownField;
  if (field === undefined) return `${problem.reason} (at ${where})`;
  const named = NAMEABLE_FIELDS.has(field.toLowerCase())
    ? `field ${JSON.stringify(field)}`
    : 'a field';
  const scope = problem.path === '' ? 'at the top level' : `in ${problem.path}`;
  return (
    `${named} ${scope} is not allowed (at ${where}); only "auths" ` +
    'and, in each entry, "auth" are'
  );
}
