/**
 * The file store: credentials kept in the `auths` section of config.json,
 * looked up the way Docker's file store looks them up.
 *
 * @module
 */
import type { AuthConfig } from '../auth-config.js';
import { decodeAuthField } from '../config/auth-entry.js';
import type { ConfigFile, RawAuthEntry } from '../config/config-file.js';
import { convertToHostname } from '../reference/server-address.js';

/** An `auths` entry as Docker holds it after loading, with its problems. */
export interface FileEntry {
  /** The key under which the entry is stored in the file. */
  key: string;
  /** The entry as Docker would use it. */
  authConfig: AuthConfig;
  /** Why the `auth` field could not be decoded, when it could not. */
  decodeError?: string;
}

/** The result of a file-store lookup. */
export interface FileLookup {
  /** The entry found, or undefined when the key has none. */
  entry: FileEntry | undefined;
  /** How the entry was found. */
  match: 'exact' | 'legacy' | 'none';
  /** Other legacy keys that matched too (Docker would pick at random). */
  otherCandidates: string[];
}

/**
 * Turns a raw `auths` entry into what Docker holds after loading: `auth`
 * decoded into username and password (which win over plain fields), `auth`
 * cleared and `serveraddress` set to the key. An entry whose `auth` cannot
 * be decoded is kept as it is in the file, as Docker keeps it.
 */
export function loadFileEntry(key: string, raw: RawAuthEntry): FileEntry {
  const kept = pickDefined(raw);
  if (raw.auth) {
    const decoded = decodeAuthField(raw.auth);
    if (!decoded.ok) {
      return { key, authConfig: kept, decodeError: decoded.reason };
    }
    kept.username = decoded.username;
    kept.password = decoded.password;
  }
  delete kept.auth;
  kept.serveraddress = key;
  return { key, authConfig: kept };
}

/**
 * Looks up `key` as Docker's file store does: the exact key first (case
 * matters), then every stored key whose hostname form equals `key`.
 *
 * NOTE: when several legacy keys reduce to the same host, Docker takes
 * whichever its map iteration yields first, which is random. regcred takes
 * the first of them in the order the file lists them, and reports the
 * others, so the answer is the same on every run.
 */
export function fileStoreGet(config: ConfigFile, key: string): FileLookup {
  const exact = config.auths.get(key);
  if (exact !== undefined) {
    return {
      entry: loadFileEntry(key, exact),
      match: 'exact',
      otherCandidates: [],
    };
  }
  const legacy = [...config.auths.keys()].filter(
    (stored) => convertToHostname(stored) === key,
  );
  const [first, ...others] = legacy;
  if (first === undefined) {
    return { entry: undefined, match: 'none', otherCandidates: [] };
  }
  const entry = loadFileEntry(first, config.auths.get(first) ?? {});
  return { entry, match: 'legacy', otherCandidates: others };
}

/**
 * The `auths` keys whose `auth` field cannot be decoded, in file order.
 * Docker decodes the entries in random order and stops at the first such
 * entry, so each one leaves others undecoded on some runs.
 */
export function undecodableKeys(config: ConfigFile): string[] {
  return [...config.auths]
    .filter(([, raw]) => raw.auth && !decodeAuthField(raw.auth).ok)
    .map(([key]) => key);
}

/** True when an entry holds more than a server address or an e-mail. */
export function holdsCredentials(entry: AuthConfig | RawAuthEntry): boolean {
  const { username, password, auth, identitytoken, registrytoken } = entry;
  return Boolean(
    username || password || auth || identitytoken || registrytoken,
  );
}

/** Every `auths` entry, loaded as Docker loads them, in file order. */
export function fileStoreGetAll(config: ConfigFile): FileEntry[] {
  return [...config.auths].map(([key, raw]) => loadFileEntry(key, raw));
}

function pickDefined(raw: RawAuthEntry): AuthConfig {
  const copy: AuthConfig = {};
  for (const [field, value] of Object.entries(raw)) {
    if (typeof value === 'string') copy[field as keyof AuthConfig] = value;
  }
  return copy;
}
