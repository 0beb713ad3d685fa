/**
 * The credentials podman, skopeo and buildah would use for an image,
 * found with containers/image's rules: each file of the search in turn,
 * in each file the most specific key first (`host/ns/repo`, then
 * `host/ns`, then `host`), then any key whose host matches once URL
 * prefixes and Docker Hub aliases are folded. An entry with neither
 * `auth` nor `identitytoken` (Docker writes `{}` next to a helper) means
 * "nothing here": the search goes on to the next file. A file's
 * `credHelpers` entry for the image's host is asked before its `auths`;
 * `credsStore` is ignored, as containers/image ignores it.
 *
 * References: anchors.md §1 "Keys and matching".
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { AuthConfig } from '../auth-config.js';
import { decodeAuthField } from '../config/auth-entry.js';
import {
  readConfigFileSync,
  type RawAuthEntry,
} from '../config/config-file.js';
import { ConfigParseError, ConfigReadError } from '../errors.js';
import { parseImageReference } from '../reference/image-reference.js';
import { helperGet, type HelperCallOptions } from '../stores/helper-client.js';
import { IDENTITY_TOKEN_USERNAME } from '../stores/helper-store.js';
import {
  podmanAuthFiles,
  type AuthFileContext,
  type AuthFileLocation,
} from './auth-files.js';

/** The answer of {@link lookupPodmanAuth}. */
export interface PodmanAuthResult {
  /** The credentials; `{}` when no file has any (anonymous pull). */
  authConfig: AuthConfig;
  /** The file they came from, if any. */
  path?: string;
  /** The key they were stored under, if any. */
  key?: string;
  /** Problems that did not stop the search, never holding a secret. */
  warnings: string[];
}

/** The keys of one file, entries as containers/image sees them. */
interface AuthFileContent {
  auths: Map<string, RawAuthEntry>;
  credHelpers: Map<string, string>;
  /** True for `~/.dockercfg`, whose keys may be URLs with paths. */
  legacy: boolean;
}

const HUB_HOST = 'index.docker.io';
const HUB_ALIASES = new Set(['docker.io', 'registry-1.docker.io']);

/**
 * Finds the credentials containers/image would use for `reference`.
 *
 * @param reference An image reference, such as `quay.io/org/app:1`.
 * @param context The environment, user id and home to search with.
 * @param helperOptions How to run credential helpers (the environment
 *   defaults to `context.env`).
 * @throws {InvalidReferenceError} When the reference is not valid.
 * @throws {ConfigParseError | ConfigReadError} When a file in the search
 *   exists but cannot be read or parsed (containers/image fails too).
 * @throws {HelperError} When a helper named in `credHelpers` fails.
 */
export async function lookupPodmanAuth(
  reference: string,
  context: AuthFileContext,
  helperOptions: HelperCallOptions = {},
): Promise<PodmanAuthResult> {
  const image = parseImageReference(reference);
  const keys = lookupKeys(image.domain, image.path);
  const options = { env: context.env, ...helperOptions };
  const warnings: string[] = [];
  for (const location of podmanAuthFiles(context)) {
    const content = readAuthFile(location);
    const helper = content.credHelpers.get(image.domain);
    // like an absent one, an empty helper name asks no helper
    const found =
      helper === undefined || helper === ''
        ? findInFile(content, keys, image.domain, warnings)
        : await askHelper(helper, image.domain, options);
    if (found !== undefined) {
      return { ...found, path: location.path, warnings };
    }
  }
  return { authConfig: {}, warnings };
}

/**
 * Asks a `credHelpers` helper, with the host only (helpers never see a
 * namespace). Not found means "try the next file".
 */
async function askHelper(
  helper: string,
  host: string,
  options: HelperCallOptions,
): Promise<{ authConfig: AuthConfig; key: string } | undefined> {
  const answer = await helperGet(helper, host, options);
  if (answer === undefined) return undefined;
  if (answer.username === '' && answer.secret === '') return undefined;
  const authConfig: AuthConfig =
    answer.username === IDENTITY_TOKEN_USERNAME
      ? { serveraddress: host, identitytoken: answer.secret }
      : {
          username: answer.username,
          password: answer.secret,
          serveraddress: host,
        };
  return { authConfig, key: host };
}

/**
 * The exact keys to try, most specific first: `docker.io/library/alpine`,
 * `docker.io/library`, `docker.io`.
 */
export function lookupKeys(domain: string, path: string): string[] {
  const keys: string[] = [];
  let key = `${domain}/${path}`;
  for (;;) {
    keys.push(key);
    const slash = key.lastIndexOf('/');
    if (slash < 0) return keys;
    key = key.slice(0, slash);
  }
}

/**
 * Folds a key to the host it names: `http(s)://` removed, the path of a
 * URL-shaped key (any key of the legacy file) dropped, Docker Hub's
 * aliases mapped to one name.
 */
export function normalizedHost(key: string, legacy = false): string {
  const withoutScheme = key.replace(/^https?:\/\//, '');
  const urlShaped = legacy || withoutScheme !== key;
  const host = urlShaped ? (withoutScheme.split('/', 1)[0] ?? '') : key;
  return HUB_ALIASES.has(host) ? HUB_HOST : host;
}

function findInFile(
  { auths, legacy }: AuthFileContent,
  keys: readonly string[],
  domain: string,
  warnings: string[],
): { authConfig: AuthConfig; key: string } | undefined {
  for (const key of keys) {
    const entry = auths.get(key);
    if (entry === undefined) continue;
    // a key that matches but holds nothing ends this file's search
    return usable(entry, key, warnings);
  }
  // NOTE: containers/image walks a Go map here, in no set order; regcred
  // takes the first matching key in file order.
  const host = normalizedHost(domain);
  for (const [key, entry] of auths) {
    if (normalizedHost(key, legacy) !== host) continue;
    return usable(entry, key, warnings);
  }
  return undefined;
}

/**
 * Turns an entry into credentials as containers/image does: only `auth`
 * and `identitytoken` count (it does not read `username`/`password`).
 */
function usable(
  entry: RawAuthEntry,
  key: string,
  warnings: string[],
): { authConfig: AuthConfig; key: string } | undefined {
  const auth = entry.auth ?? '';
  const identitytoken = entry.identitytoken ?? '';
  if (auth === '' && identitytoken === '') return undefined;
  const authConfig: AuthConfig = { serveraddress: key };
  if (auth !== '') {
    const decoded = decodeAuthField(auth);
    if (!decoded.ok) {
      warnings.push(`Skipping the entry for '${key}': ${decoded.reason}`);
      return undefined;
    }
    authConfig.username = decoded.username;
    authConfig.password = decoded.password;
  }
  if (identitytoken !== '') authConfig.identitytoken = identitytoken;
  return { authConfig, key };
}

function readAuthFile(location: AuthFileLocation): AuthFileContent {
  if (location.format === 'legacy') {
    const auths = readLegacyFile(location.path);
    return { auths, credHelpers: new Map(), legacy: true };
  }
  const config = readConfigFileSync(location.path);
  const { auths, credHelpers } = config;
  return { auths, credHelpers, legacy: false };
}

/** Reads `~/.dockercfg`: a bare map from key to `{auth, email}`. */
function readLegacyFile(path: string): Map<string, RawAuthEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return new Map();
    throw new ConfigReadError(path, String(code ?? error), { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigParseError(path, 'not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigParseError(path, 'expected a JSON object of entries');
  }
  return legacyEntries(parsed as Record<string, unknown>);
}

function legacyEntries(
  parsed: Record<string, unknown>,
): Map<string, RawAuthEntry> {
  const auths = new Map<string, RawAuthEntry>();
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || typeof value !== 'object') continue;
    const { auth } = value as { auth?: unknown };
    auths.set(key, typeof auth === 'string' ? { auth } : {});
  }
  return auths;
}
