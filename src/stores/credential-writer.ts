/**
 * Writes and erases credentials through the store Docker picks for a key:
 * a `docker-credential-*` helper (with a placeholder entry in config.json,
 * as Docker's native store leaves one) or the `auths` section of the file.
 * Every change to config.json goes through updateConfigFile, which locks,
 * re-reads and replaces the file atomically.
 *
 * References: docker/cli v28.2.2 `cli/config/credentials/native_store.go`
 * and `file_store.go`; docker-cli-auth.md §3.2, §3.3, §6 and §10.6–10.8.
 *
 * @module
 */
import { encodeAuthField } from '../config/auth-entry.js';
import type { ConfigFile, RawAuthEntry } from '../config/config-file.js';
import { updateConfigFile } from '../config/config-update.js';
import { debug } from '../debug.js';
import { HelperError } from '../errors.js';
import {
  helperErase,
  helperGet,
  helperList,
  helperStore,
  type HelperCallOptions,
} from './helper-client.js';
import { holdsCredentials } from './file-store.js';
import { toHelperCredentials } from './helper-store.js';
import {
  chooseStore,
  type StoreChoice,
  type StoreSettings,
} from './store-choice.js';

/** Where credentials are written, and how helpers are run. */
export interface CredentialWriterOptions {
  /** The config.json to update (the resolver's `location.file`). */
  configPath: string;
  /** The store settings as loaded, with a detected default store. */
  settings: StoreSettings;
  /** Timeout, environment and stderr handling for helper calls. */
  helper?: HelperCallOptions;
}

/** Credentials for one key, as a login obtained them. */
export interface CredentialsToStore {
  /** The config key, e.g. `https://index.docker.io/v1/` or `host:5000`. */
  key: string;
  username: string;
  /** The password; ignored when `identityToken` is set. */
  password: string;
  /** A refresh token from the token service, stored instead. */
  identityToken?: string | undefined;
}

/** What {@link storeCredentials} did. */
export interface StoreOutcome {
  /** The store that received the credentials. */
  store: StoreChoice;
  /** False when config.json already held exactly this. */
  fileWritten: boolean;
  /**
   * True when a password (not a token) was newly written in plain text to
   * config.json: the case in which Docker warns.
   */
  plaintextPassword: boolean;
}

/**
 * Stores credentials as Docker's login does.
 *
 * - Helper store: the helper's `store` first (an identity token as user
 *   `<token>`, Docker's convention, which loses the user name), then a
 *   placeholder entry `{}` (Docker's, which drops even the old entry's
 *   e-mail). A detected default store is written as `credsStore`, as
 *   Docker persists it on its first save.
 * - File store: the whole entry is replaced by `auth` (user and password,
 *   or user and '' with an identity token) and `identitytoken`.
 *
 * @throws {HelperError} the helper failed; config.json is left unchanged.
 * @throws {RangeError} the file store cannot keep a user name with ':'.
 * @throws {ConfigParseError} config.json cannot be parsed; left as it is.
 */
export async function storeCredentials(
  credentials: CredentialsToStore,
  options: CredentialWriterOptions,
): Promise<StoreOutcome> {
  const { key, username, password, identityToken } = credentials;
  const store = chooseStore(key, options.settings);

  if (store.kind === 'helper') {
    debug(`store: helper '${store.helper}' for '${key}'`);
    const pair = toHelperCredentials({
      username,
      password,
      ...(identityToken ? { identitytoken: identityToken } : {}),
    });
    await helperStore(
      store.helper,
      { serverURL: key, ...pair },
      options.helper,
    );
    const fileWritten = await writePlaceholder(key, store, options);
    return { store, fileWritten, plaintextPassword: false };
  }

  debug(`store: file store for '${key}'`);
  const entry: RawAuthEntry = identityToken
    ? { auth: encodeAuthField(username, ''), identitytoken: identityToken }
    : { auth: encodeAuthField(username, password) };
  const { written } = await updateConfigFile(options.configPath, () => ({
    auths: new Map([[key, entry]]),
  }));
  const plaintextPassword = written && !identityToken && password !== '';
  return { store, fileWritten: written, plaintextPassword };
}

/**
 * The `{}` entry beside a helper's secret. Docker builds it from the new
 * login, which has no e-mail or registry token, so an old entry's are
 * dropped too.
 */
async function writePlaceholder(
  key: string,
  store: StoreChoice & { kind: 'helper' },
  options: CredentialWriterOptions,
): Promise<boolean> {
  const { written } = await updateConfigFile(options.configPath, (current) => {
    const placeholder: RawAuthEntry = {};
    // Docker persists a detected default store on its first save. Another
    // process may have chosen a store meanwhile; its choice is kept.
    const persist =
      store.source === 'platform-default' && current.credsStore === '';
    return {
      auths: new Map([[key, placeholder]]),
      ...(persist ? { credsStore: store.helper } : {}),
    };
  });
  return written;
}

/** One key to erase, for {@link eraseCredentials}. */
export interface EraseRequest {
  key: string;
  /** Erase through the store chosen for this key instead of `key`'s own
   * (Docker keeps Hub's OAuth tokens in the Hub key's store). */
  storeKey?: string;
  /** Ask the helper first and erase only what it holds, so a key that may
   * well be absent costs no failure (Hub's OAuth token entries). */
  onlyIfStored?: boolean;
}

/** How erasing one key went. */
export type EraseOutcome =
  /** Credentials were there and are gone. */
  | 'erased'
  /** Nothing was stored under the key (placeholders may have gone). */
  | 'absent'
  /** The helper failed: the credentials may still be there. */
  | 'failed';

/** The result for one requested key. */
export interface EraseResult {
  key: string;
  store: StoreChoice;
  outcome: EraseOutcome;
  /** Why it failed, for 'failed'. */
  error?: HelperError;
}

/**
 * Erases keys as Docker's logout does, each through the store chosen for
 * it, in the order given (duplicates are erased twice, as Docker does):
 * a helper's `erase` first, and the key's config.json entry only once the
 * helper erase succeeded. A helper's "not found" answer counts as done.
 * All file deletions happen in one update; nothing is written when there
 * is nothing to delete.
 *
 * @param config The config as loaded, to skip the update when none of the
 *   keys is in it (the update itself re-reads the file under its lock).
 * @throws {ConfigParseError} config.json cannot be parsed; left as it is.
 */
export async function eraseCredentials(
  requests: readonly EraseRequest[],
  config: ConfigFile,
  options: CredentialWriterOptions,
): Promise<EraseResult[]> {
  const results: EraseResult[] = [];
  for (const request of requests) {
    const store = chooseStore(
      request.storeKey ?? request.key,
      options.settings,
    );
    if (store.kind === 'file') {
      results.push({ key: request.key, store, outcome: 'absent' });
      continue;
    }
    results.push(await eraseFromHelper(request, store, options.helper));
  }

  // the file: entries of file-store keys, and of helper keys now erased
  const deletable = new Set(
    results.filter((r) => r.outcome !== 'failed').map((r) => r.key),
  );
  const removed = await deleteFileEntries(deletable, config, options);
  for (const result of results) {
    // a file-store entry, or plain text left beside a helper's secret
    if (result.outcome === 'absent' && removed.has(result.key)) {
      result.outcome = 'erased';
    }
  }
  return results;
}

async function eraseFromHelper(
  request: EraseRequest,
  store: StoreChoice & { kind: 'helper' },
  helperOptions: HelperCallOptions | undefined,
): Promise<EraseResult> {
  const { key } = request;
  try {
    if (request.onlyIfStored) {
      const found = await helperGet(store.helper, key, helperOptions);
      if (!found?.username && !found?.secret) {
        return { key, store, outcome: 'absent' };
      }
    }
    await helperErase(store.helper, key, helperOptions);
    debug(`erase: helper '${store.helper}' erased '${key}'`);
    return { key, store, outcome: 'erased' };
  } catch (error) {
    if (!(error instanceof HelperError)) throw error;
    if (isNotStoredAnswer(error)) {
      debug(`erase: helper '${store.helper}' holds nothing for '${key}'`);
      return { key, store, outcome: 'absent' };
    }
    return { key, store, outcome: 'failed', error };
  }
}

/**
 * Deletes `keys` from `auths` in one update, when the file holds any of
 * them. Returns the keys whose deleted entry held credentials (not a bare
 * placeholder).
 */
async function deleteFileEntries(
  keys: ReadonlySet<string>,
  config: ConfigFile,
  options: CredentialWriterOptions,
): Promise<Set<string>> {
  const removed = new Set<string>();
  if (![...keys].some((key) => config.auths.has(key))) return removed;

  await updateConfigFile(options.configPath, (current) => {
    const auths = new Map<string, undefined>();
    for (const key of keys) {
      const entry = current.auths.get(key);
      if (entry === undefined) continue;
      auths.set(key, undefined);
      if (holdsCredentials(entry)) removed.add(key);
    }
    debug(`erase: ${auths.size} config.json entries to delete`);
    return auths.size === 0 ? undefined : { auths };
  });
  return removed;
}

/** A credential removed by {@link eraseAllCredentials}. */
export interface RemovedCredential {
  key: string;
  /** 'file', or the helper's name. */
  store: string;
}

/** What {@link eraseAllCredentials} did. */
export interface EraseAllResult {
  removed: RemovedCredential[];
  /** Helper calls that failed; what they hold may still be there. */
  failures: HelperError[];
}

/**
 * Erases every stored credential: for the default store and each distinct
 * `credHelpers` helper, `list` and then `erase` of each listed key; then
 * every `auths` entry of config.json in one update, except the entries of
 * keys whose helper could not erase them. `credsStore` and `credHelpers`
 * stay: they are settings, not credentials.
 *
 * @throws {ConfigParseError} config.json cannot be parsed; left as it is.
 */
export async function eraseAllCredentials(
  config: ConfigFile,
  options: CredentialWriterOptions,
): Promise<EraseAllResult> {
  const removed: RemovedCredential[] = [];
  const failures: HelperError[] = [];
  const failedHelpers = new Set<string>();
  const failedKeys = new Set<string>();

  for (const helper of helpersInUse(options.settings)) {
    let listed: Map<string, string>;
    try {
      listed = await helperList(helper, options.helper);
    } catch (error) {
      if (!(error instanceof HelperError)) throw error;
      failures.push(error);
      failedHelpers.add(helper);
      continue;
    }
    for (const key of listed.keys()) {
      const store = helperChoice(helper, options.settings);
      const result = await eraseFromHelper({ key }, store, options.helper);
      if (result.outcome === 'erased') removed.push({ key, store: helper });
      if (result.error) failures.push(result.error);
      if (result.outcome === 'failed') failedKeys.add(key);
    }
  }

  // an entry whose credentials a failed helper may still hold stays
  const keep = (key: string): boolean => {
    const store = chooseStore(key, options.settings);
    return (
      store.kind === 'helper' &&
      (failedHelpers.has(store.helper) || failedKeys.has(key))
    );
  };
  const fromFile =
    config.auths.size === 0
      ? new Set<string>()
      : await deleteAllFileEntries(keep, options);
  for (const key of fromFile) removed.push({ key, store: 'file' });
  return { removed, failures };
}

/** Deletes every `auths` entry but those `keep` names, in one update. */
async function deleteAllFileEntries(
  keep: (key: string) => boolean,
  options: CredentialWriterOptions,
): Promise<Set<string>> {
  const removed = new Set<string>();
  await updateConfigFile(options.configPath, (current) => {
    const auths = new Map<string, undefined>();
    for (const [key, entry] of current.auths) {
      if (keep(key)) continue;
      auths.set(key, undefined);
      if (holdsCredentials(entry)) removed.add(key);
    }
    return auths.size === 0 ? undefined : { auths };
  });
  return removed;
}

/** The choice that names `helper`: the default store, or credHelpers. */
function helperChoice(
  helper: string,
  settings: StoreSettings,
): StoreChoice & { kind: 'helper' } {
  if (helper !== settings.credsStore) {
    return { kind: 'helper', helper, source: 'credHelpers' };
  }
  const source = settings.credsStoreDetected
    ? 'platform-default'
    : 'credsStore';
  return { kind: 'helper', helper, source };
}

/** The default store, then each distinct `credHelpers` helper. */
function helpersInUse(settings: StoreSettings): string[] {
  const helpers = new Set<string>();
  if (settings.credsStore !== '') helpers.add(settings.credsStore);
  for (const helper of settings.credHelpers.values()) {
    if (helper !== '') helpers.add(helper);
  }
  return [...helpers];
}

/**
 * Whether a failed `erase` is a helper saying it holds nothing for the
 * key: Docker's `credentials not found in native keychain`, or Debian's
 * docker-credential-pass 0.6.4, which passes on pass's own
 * `... is not in the password store.`
 *
 * NOTE: HelperError does not carry the helper's raw output, so this reads
 * its description, which quotes the output (with token-like words masked,
 * which leaves these sentences intact).
 */
export function isNotStoredAnswer(error: HelperError): boolean {
  if (error.reason !== 'exit') return false;
  return NOT_STORED_REGEXPS.some((regexp) => regexp.test(error.detail));
}

const NOT_STORED_REGEXPS = [
  /printing `credentials not found in native keychain`/,
  /printing `[^`]*is not in the password store\.?`/,
];
