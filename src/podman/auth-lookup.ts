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
import type { AuthConfig } from '../auth-config.js';
import { decodeAuthField, decodeStdBase64 } from '../config/auth-entry.js';
import {
  MAX_CONFIG_BYTES,
  parseConfig,
  type RawAuthEntry,
} from '../config/config-file.js';
import { ConfigParseError, ConfigReadError, HelperError } from '../errors.js';
import { decodeUtf8LikeGo } from '../internal/go-utf8.js';
import { parseImageReference } from '../reference/image-reference.js';
import { helperGet, type HelperCallOptions } from '../stores/helper-client.js';
import { mergeHelperAnswer } from '../stores/helper-store.js';
import {
  podmanAuthFiles,
  type AuthFileContext,
  type AuthFileFormat,
  type AuthFileLocation,
} from './auth-files.js';
import { readBoundedFile } from '../config/bounded-file.js';
import {
  AUTH_FILES_HELPER,
  credentialHelperList,
  type CredentialHelperList,
  type RegistriesConfContext,
} from './registries-conf.js';

/** The answer of {@link lookupPodmanAuth}. */
export interface PodmanAuthResult {
  /** The credentials; `{}` when no file has any (anonymous pull). */
  authConfig: AuthConfig;
  /** The file they came from, if any. */
  path?: string;
  /** The registries.conf helper they came from, if any. */
  helper?: string;
  /** The key they were stored under, if any. */
  key?: string;
  /** Problems that did not stop the search, never holding a secret. */
  warnings: string[];
}

/** How one file of the search came out for an image. */
export type PodmanFileOutcome =
  /** No such file: the search goes on. */
  | 'missing'
  /** No key for the image: the search goes on. */
  | 'no-entry'
  /** A key matched but holds neither `auth` nor `identitytoken` (the `{}`
   * Docker writes beside a helper): the search goes on. */
  | 'empty-entry'
  /** A key matched but its `auth` cannot be decoded: skipped with a
   * warning, the search goes on. */
  | 'bad-entry'
  /** The file's `credHelpers` helper has nothing: the search goes on. */
  | 'helper-not-found'
  /** This file answers. */
  | 'found'
  /** The file cannot be read or parsed, or its helper failed: podman
   * stops here with an error. */
  | 'failed'
  /** An earlier file answered or failed. */
  | 'not-read';

/** What one place of the search held for the image; never a secret. */
export interface PodmanFileStep {
  /** An auth file, or a helper of registries.conf's `credential-helpers`. */
  kind: 'file' | 'helper';
  /** The file, or the helper's program `docker-credential-<name>`. */
  path: string;
  /** The file's layout; null for a helper. */
  format: AuthFileFormat | null;
  outcome: PodmanFileOutcome;
  /** The key that matched, or the host asked of a helper. */
  key: string | null;
  /** The helper `credHelpers` names for the host, if any. */
  helper: string | null;
  /** Why the file failed, in words. */
  error: string | null;
}

/** The answer of {@link tracePodmanAuth}: the result and how it came. */
export interface PodmanAuthTrace extends PodmanAuthResult {
  /** Every place of the search, in order. */
  steps: PodmanFileStep[];
  /** registries.conf's `credential-helpers`, or the default. */
  credentialHelpers: string[];
  /** The registries.conf file that set the list, if one did. */
  registriesConf?: string;
  /** What stops the search, as it stops podman; then `authConfig` is {}. */
  error?: ConfigParseError | ConfigReadError | HelperError;
}

/** What the lookup depends on: the files' context, and where the system
 * registries.conf lives (for tests). */
export interface PodmanLookupContext extends AuthFileContext {
  /** @default '/etc/containers' */
  systemConfigDir?: string;
}

/** The keys of one file, entries as containers/image sees them. */
export interface AuthFileContent {
  /** False when the file does not exist. */
  exists: boolean;
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
  context: PodmanLookupContext,
  helperOptions: HelperCallOptions = {},
): Promise<PodmanAuthResult> {
  const trace = await tracePodmanAuth(reference, context, helperOptions);
  if (trace.error !== undefined) throw trace.error;
  const { authConfig, path, key, helper, warnings } = trace;
  return {
    authConfig,
    warnings,
    ...(path === undefined ? {} : { path }),
    ...(helper === undefined ? {} : { helper }),
    ...(key === undefined ? {} : { key }),
  };
}

/**
 * Like {@link lookupPodmanAuth}, but tells what each file held and never
 * throws for a file or a helper: what would stop podman is in `error`.
 *
 * @throws {InvalidReferenceError} When the reference is not valid.
 */
export async function tracePodmanAuth(
  reference: string,
  context: PodmanLookupContext,
  helperOptions: HelperCallOptions = {},
): Promise<PodmanAuthTrace> {
  const image = parseImageReference(reference);
  const search: FileSearch = {
    domain: image.domain,
    keys: lookupKeys(image.domain, image.path),
    options: { env: context.env, ...helperOptions },
    warnings: [],
    listedAnswers: new Map(),
  };
  const trace: PodmanAuthTrace = {
    authConfig: {},
    warnings: search.warnings,
    steps: [],
    credentialHelpers: [AUTH_FILES_HELPER],
  };
  let list: CredentialHelperList;
  try {
    list = credentialHelperList(registriesConfContext(context));
  } catch (error) {
    if (error instanceof ConfigParseError || error instanceof ConfigReadError) {
      // containers/image cannot even start its lookup
      trace.error = error;
      return trace;
    }
    throw error;
  }
  trace.credentialHelpers = list.helpers;
  if (list.source !== null) trace.registriesConf = list.source;

  // each place in turn; errors count only when no place answers
  const errors: NonNullable<PodmanAuthTrace['error']>[] = [];
  for (const helper of list.helpers) {
    const answered = trace.key !== undefined;
    if (helper === AUTH_FILES_HELPER) {
      await searchAuthFiles(context, search, trace, errors, answered);
    } else {
      await searchListedHelper(helper, search, trace, errors, answered);
    }
  }
  const [firstError] = errors;
  if (trace.key === undefined && firstError !== undefined) {
    trace.error = firstError;
  }
  return trace;
}

/** The auth files, in order, as the `containers-auth.json` entry. */
async function searchAuthFiles(
  context: AuthFileContext,
  search: FileSearch,
  trace: PodmanAuthTrace,
  errors: NonNullable<PodmanAuthTrace['error']>[],
  answered: boolean,
): Promise<void> {
  let stop = answered;
  for (const location of podmanAuthFiles(context)) {
    if (stop) {
      trace.steps.push(fileStep(location, 'not-read'));
      continue;
    }
    const searched = await searchFile(location, search);
    trace.steps.push(searched.step);
    if (searched.error !== undefined) {
      errors.push(searched.error);
      stop = true;
    }
    if (searched.found !== undefined) {
      trace.authConfig = searched.found.authConfig;
      trace.key = searched.found.key;
      trace.path = location.path;
      stop = true;
    }
  }
}

/** A helper of registries.conf's list, asked with the host only. */
async function searchListedHelper(
  helper: string,
  search: FileSearch,
  trace: PodmanAuthTrace,
  errors: NonNullable<PodmanAuthTrace['error']>[],
  answered: boolean,
): Promise<void> {
  const place = {
    kind: 'helper',
    path: `docker-credential-${helper}`,
    format: null,
  } as const;
  const asked = { key: search.domain, helper };
  if (answered) {
    trace.steps.push(fileStep(place, 'not-read', { helper }));
    return;
  }
  const answer = await askListedHelper(helper, search, trace);
  if (answer instanceof HelperError) {
    errors.push(answer);
    const failed = { ...asked, error: answer.message };
    trace.steps.push(fileStep(place, 'failed', failed));
    return;
  }
  if (answer === undefined) {
    trace.steps.push(fileStep(place, 'helper-not-found', asked));
    return;
  }
  trace.steps.push(fileStep(place, 'found', asked));
  trace.authConfig = answer.authConfig;
  trace.key = answer.key;
  trace.helper = helper;
}

/**
 * Asks a listed helper once per lookup: a name listed again gets the
 * same answer (containers/image would ask again), so a long list of
 * repeated names costs one call each, not one per entry.
 */
async function askListedHelper(
  helper: string,
  search: FileSearch,
  trace: PodmanAuthTrace,
): Promise<Found | undefined | HelperError> {
  if (search.listedAnswers.has(helper)) {
    return search.listedAnswers.get(helper);
  }
  const namedIn = trace.registriesConf ?? 'registries.conf';
  const options = {
    ...search.options,
    namedIn: `registries.conf (credential-helpers in ${namedIn})`,
  };
  let answer: Found | undefined | HelperError;
  try {
    answer = await askHelper(helper, search.domain, options);
  } catch (error) {
    if (!(error instanceof HelperError)) throw error;
    answer = error;
  }
  search.listedAnswers.set(helper, answer);
  return answer;
}

function registriesConfContext(
  context: PodmanLookupContext,
): RegistriesConfContext {
  return {
    env: context.env,
    ...(context.home === undefined ? {} : { home: context.home }),
    ...(context.systemConfigDir === undefined
      ? {}
      : { systemDir: context.systemConfigDir }),
  };
}

/** What a search carries from file to file. */
interface FileSearch {
  domain: string;
  keys: string[];
  options: HelperCallOptions;
  warnings: string[];
  /** What each helper of registries.conf's list answered, by name. */
  listedAnswers: Map<string, Found | undefined | HelperError>;
}

interface Found {
  authConfig: AuthConfig;
  key: string;
}

function fileStep(
  place: AuthFileLocation | ListedHelper,
  outcome: PodmanFileOutcome,
  fields: Partial<Pick<PodmanFileStep, 'key' | 'helper' | 'error'>> = {},
): PodmanFileStep {
  const { key = null, helper = null, error = null } = fields;
  const { path, format } = place;
  const kind = 'kind' in place ? place.kind : 'file';
  return { kind, path, format, outcome, key, helper, error };
}

/** A helper of registries.conf's list, as a step's place. */
interface ListedHelper {
  kind: 'helper';
  /** `docker-credential-<name>`. */
  path: string;
  format: null;
}

/** Looks in one file, as containers/image does. */
async function searchFile(
  location: AuthFileLocation,
  search: FileSearch,
): Promise<{
  step: PodmanFileStep;
  found?: Found;
  error?: PodmanAuthTrace['error'];
}> {
  let content: AuthFileContent;
  try {
    content = readPodmanAuthFile(location);
  } catch (error) {
    if (error instanceof ConfigParseError || error instanceof ConfigReadError) {
      const step = fileStep(location, 'failed', { error: error.message });
      return { step, error };
    }
    throw error;
  }
  if (!content.exists) return { step: fileStep(location, 'missing') };

  const { domain } = search;
  const helper = content.credHelpers.get(domain);
  // like an absent one, an empty helper name asks no helper
  if (helper !== undefined && helper !== '') {
    const asked = { key: domain, helper };
    const options = {
      ...search.options,
      namedIn: `credHelpers in ${location.path}`,
    };
    try {
      const found = await askHelper(helper, domain, options);
      const outcome = found === undefined ? 'helper-not-found' : 'found';
      return { step: fileStep(location, outcome, asked), ...ifFound(found) };
    } catch (error) {
      if (!(error instanceof HelperError)) throw error;
      const failed = { ...asked, error: error.message };
      return { step: fileStep(location, 'failed', failed), error };
    }
  }

  const match = matchInFile(content, search.keys, domain);
  if (match === undefined) return { step: fileStep(location, 'no-entry') };
  const { key, entry } = match;
  const auth = entry.auth ?? '';
  if (auth !== '' && typeof decodeStdBase64(Buffer.from(auth)) === 'number') {
    // containers/image stops on this one, unlike on a value without ':'
    const error = new ConfigParseError(
      location.path,
      `the 'auth' value under '${key}' is not valid base64`,
    );
    const step = fileStep(location, 'failed', { key, error: error.message });
    return { step, error };
  }
  const found = usable(entry, key, search.warnings);
  const outcome =
    found !== undefined
      ? 'found'
      : (entry.auth ?? '') === '' && (entry.identitytoken ?? '') === ''
        ? 'empty-entry'
        : 'bad-entry';
  return { step: fileStep(location, outcome, { key }), ...ifFound(found) };
}

function ifFound(found: Found | undefined): { found?: Found } {
  return found === undefined ? {} : { found };
}

/**
 * Asks a `credHelpers` helper, with the host only (helpers never see a
 * namespace). Not found means "try the next file".
 */
async function askHelper(
  helper: string,
  host: string,
  options: HelperCallOptions,
): Promise<Found | undefined> {
  const answer = await helperGet(helper, host, options);
  if (answer === undefined) return undefined;
  if (answer.username === '' && answer.secret === '') return undefined;
  const authConfig = mergeHelperAnswer(host, undefined, answer);
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

/**
 * The entry containers/image takes from one file: the most specific exact
 * key, else the first key naming the same host.
 */
function matchInFile(
  { auths, legacy }: AuthFileContent,
  keys: readonly string[],
  domain: string,
): { key: string; entry: RawAuthEntry } | undefined {
  for (const key of keys) {
    const entry = auths.get(key);
    // a key that matches but holds nothing ends this file's search
    if (entry !== undefined) return { key, entry };
  }
  // NOTE: containers/image walks a Go map here, in no set order; regcred
  // takes the first matching key in file order.
  const host = normalizedHost(domain);
  for (const [key, entry] of auths) {
    if (normalizedHost(key, legacy) === host) return { key, entry };
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
): Found | undefined {
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

/**
 * Reads one file of the search; a missing file is empty, with `exists`
 * false.
 *
 * @throws {ConfigParseError | ConfigReadError} When it exists but cannot
 *   be read or parsed.
 */
export function readPodmanAuthFile(
  location: AuthFileLocation,
): AuthFileContent {
  const legacy = location.format === 'legacy';
  const bytes = readBoundedFile(location.path, {
    maxBytes: MAX_CONFIG_BYTES,
    usualSize: 'an auth file is normally a few KiB',
    remedy: authFileRemedy(location),
    // as Docker's reader, which decodes auth.json: only ENOENT is "none"
    missingCodes: legacy ? ['ENOENT', 'ENOTDIR'] : ['ENOENT'],
  });
  if (bytes === undefined) {
    return {
      exists: false,
      auths: new Map(),
      credHelpers: new Map(),
      legacy,
    };
  }
  const text = decodeUtf8LikeGo(bytes);
  if (legacy) {
    const auths = readLegacyFile(text, location.path);
    return { exists: true, auths, credHelpers: new Map(), legacy };
  }
  const { auths, credHelpers } = parseConfig(text, location.path);
  return { exists: true, auths, credHelpers, legacy };
}

/** What to do about a file of the search that cannot be read. */
function authFileRemedy({ path, variable }: AuthFileLocation): string {
  switch (variable) {
    case 'REGISTRY_AUTH_FILE':
      return (
        'fix the file, or point REGISTRY_AUTH_FILE at another file ' +
        '(or unset it for the default search)'
      );
    case undefined:
      return 'fix the file, or move it away';
    default:
      return (
        `fix the file, or move it away, or change ${variable} ` +
        `(which puts ${path} in podman's search)`
      );
  }
}

/** Parses `~/.dockercfg`: a bare map from key to `{auth, email}`. */
function readLegacyFile(text: string, path: string): Map<string, RawAuthEntry> {
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
