/**
 * The config.json model, read exactly as Docker 28 reads the file: the same
 * fields, the same case-insensitive names, the same merging of duplicates,
 * the same tolerance of an empty file, `null` and trailing data, and the
 * same JSON and type errors.
 *
 * NOTE: Docker only warns about a file it cannot parse, or cannot read,
 * and carries on with whatever it decoded (or an empty config); its next
 * login or logout then rewrites the file from that, destroying the rest
 * (docker/cli#5075). regcred throws instead, giving the position of a
 * parse problem: a later write through regcred must never be able to
 * lose what Docker could not read.
 *
 * References: docker/cli v28.2.2 `cli/config/config.go` (`load`) and
 * `cli/config/configfile/file.go` (`ConfigFile`, `LoadFromReader`).
 *
 * @module
 */
import { ConfigParseError } from '../errors.js';
import { readBoundedFile, type BoundedFileRules } from './bounded-file.js';
import { decodeUtf8LikeGo } from '../internal/go-utf8.js';
import {
  decodeGoValue,
  findGoField,
  goMap,
  type GoType,
  type GoValue,
} from './go-decode.js';
import { readJsonValue } from './json-reader.js';
import { toPlainValue, type JsonNode } from './json-tree.js';

/** An `auths` entry as written in the file, under Docker's field names. */
export interface RawAuthEntry {
  username?: string;
  password?: string;
  /** base64 of `username:password`; see `decodeAuthField`. */
  auth?: string;
  email?: string;
  /** Ignored by Docker on read: it uses the entry's key instead. */
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** What regcred needs from config.json, plus the whole document. */
export interface ConfigFile {
  /** The file this model was read from (or would be written to). */
  path: string;
  /** False when the file does not exist. */
  exists: boolean;
  /** `auths` entries in file order (first appearance of each key). */
  auths: Map<string, RawAuthEntry>;
  /** The default credential helper; '' when unset. */
  credsStore: string;
  /** Per-registry credential helpers; a value may be ''. */
  credHelpers: Map<string, string>;
  /** The current Docker context; '' when unset. */
  currentContext: string;
  /**
   * The whole document as plain JavaScript values, unknown fields kept,
   * duplicates resolved as `JSON.parse` does (the last wins, whatever its
   * case: use {@link canonicalConfigField} to see which field a key sets).
   * Always an object; empty for a missing, empty or `null` file.
   */
  raw: unknown;
  /**
   * The file's JSON value as the reader built it: members in file order,
   * duplicates and other-case keys included, numbers as written. The
   * writer (config-writer.ts) re-emits unknown keys from it. Undefined for
   * a missing, empty or whitespace-only file.
   *
   * Not enumerable, so that the model compares and prints as a plain
   * record; a copy made by spreading (`{ ...config }`) does not carry it.
   */
  readonly document?: JsonNode;
  /** Parse problems are thrown, never carried in the model. */
  hasParseWarning?: never;
}

const STRING: GoType = { kind: 'string' };
const STRING_MAP: GoType = { kind: 'map', elem: STRING };
const STRING_SLICE: GoType = { kind: 'slice', elem: STRING };

/** A Go struct type: its JSON field names, in the struct's order. */
export type GoStructType = Extract<GoType, { kind: 'struct' }>;

/** Docker's `types.AuthConfig`, an `auths` entry, fields in Go order. */
export const AUTH_CONFIG_TYPE: GoStructType = {
  kind: 'struct',
  fields: {
    username: STRING,
    password: STRING,
    auth: STRING,
    email: STRING,
    serveraddress: STRING,
    identitytoken: STRING,
    registrytoken: STRING,
  },
};

/** Docker's `configfile.ProxyConfig`, a `proxies` value, in Go order. */
export const PROXY_CONFIG_TYPE: GoStructType = {
  kind: 'struct',
  fields: {
    httpProxy: STRING,
    httpsProxy: STRING,
    noProxy: STRING,
    ftpProxy: STRING,
    allProxy: STRING,
  },
};

/** Docker 28's `configfile.ConfigFile`, every field it types. */
const CONFIG_FILE_FIELDS: Readonly<Record<string, GoType>> = {
  auths: { kind: 'map', elem: AUTH_CONFIG_TYPE },
  HttpHeaders: STRING_MAP,
  psFormat: STRING,
  imagesFormat: STRING,
  networksFormat: STRING,
  pluginsFormat: STRING,
  volumesFormat: STRING,
  statsFormat: STRING,
  detachKeys: STRING,
  credsStore: STRING,
  credHelpers: STRING_MAP,
  serviceInspectFormat: STRING,
  servicesFormat: STRING,
  tasksFormat: STRING,
  secretFormat: STRING,
  configFormat: STRING,
  nodesFormat: STRING,
  pruneFilters: STRING_SLICE,
  proxies: { kind: 'map', elem: PROXY_CONFIG_TYPE },
  currentContext: STRING,
  cliPluginsExtraDirs: STRING_SLICE,
  plugins: { kind: 'map', elem: STRING_MAP },
  aliases: STRING_MAP,
  features: STRING_MAP,
  // deprecated, and gone in Docker 29; still typed (a string) in 28
  experimental: STRING,
};

/**
 * Docker 28's `configfile.ConfigFile`: its fields in the order Docker
 * writes them (docker-cli-auth.md section 1.3), each with its Go type.
 */
export const CONFIG_FILE_TYPE: GoStructType = {
  kind: 'struct',
  fields: CONFIG_FILE_FIELDS,
};

/**
 * Names the Docker config field a top-level key sets, matched as Docker
 * matches it (`"Auths"` sets `auths`), or undefined for a key Docker
 * ignores. A writer uses it to tell known keys in `raw` from unknown ones.
 */
export function canonicalConfigField(key: string): string | undefined {
  return findGoField(key, Object.keys(CONFIG_FILE_FIELDS));
}

/**
 * Returns the model of a config file that does not exist.
 *
 * @param path The file the model stands for.
 */
export function emptyConfig(path: string): ConfigFile {
  return {
    path,
    exists: false,
    auths: new Map(),
    credsStore: '',
    credHelpers: new Map(),
    currentContext: '',
    raw: {},
  };
}

/**
 * Parses the text of a config file into the model, as Docker does.
 * Empty or whitespace-only text, and `null`, give an empty model.
 *
 * @param text The file's content, decoded from UTF-8.
 * @param path The file's path, for the model and for errors.
 * @throws {ConfigParseError} When the text is not JSON, or a field has a
 *   type Docker's struct rejects; the error gives the line and column.
 * @example
 * ```ts
 * const config = parseConfig('{"Auths":{"e.example":{"auth":"dTpw"}}}', p);
 * config.auths.get('e.example'); // { auth: 'dTpw' }
 * ```
 */
export function parseConfig(text: string, path: string): ConfigFile {
  const read = readJsonValue(text);
  if (!read.ok) throw new ConfigParseError(path, read.reason, read.position);
  const document = read.value;
  if (document === undefined) return { ...emptyConfig(path), exists: true };

  const decoded = decodeGoValue(document, CONFIG_FILE_TYPE);
  if (!decoded.ok) {
    const { reason, position } = decoded.problem;
    throw new ConfigParseError(path, reason, position);
  }

  // a top-level null decodes to an empty struct; raw stays an object
  const raw = document.kind === 'object' ? toPlainValue(document) : {};
  return withDocument({ ...toModel(decoded.value, path), raw }, document);
}

/** Attaches the JSON tree to a model, out of enumeration (see `document`). */
function withDocument(config: ConfigFile, document: JsonNode): ConfigFile {
  return Object.defineProperty(config, 'document', {
    value: document,
    enumerable: false,
  });
}

/**
 * Reads and parses a config file. A missing file (or a dangling symlink)
 * gives the empty model with `exists: false`, as Docker treats it.
 *
 * The bytes are decoded as Go decodes them (each invalid UTF-8 byte becomes
 * U+FFFD); in a file with invalid UTF-8, error offsets after the first bad
 * byte count each replaced byte as the three bytes of U+FFFD.
 *
 * @param path The config.json to read.
 * @throws {ConfigReadError} When the file exists but cannot be read: no
 *   permission, a directory in its place, and the like.
 * @throws {ConfigParseError} See {@link parseConfig}.
 */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  // A config file is small; reading it synchronously spares the CLI's
  // start-up the promise-based fs module.
  return readConfigFileSync(path);
}

/**
 * The largest config.json regcred reads. Real ones are a few KiB; a file
 * of hundreds of thousands of entries is still far below this.
 */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

/** How config.json is read: only "does not exist" is silent in Docker
 * (os.IsNotExist); ENOTDIR and the rest make it warn and start from an
 * empty config, which regcred reports as an error. */
const CONFIG_FILE_RULES: BoundedFileRules = {
  maxBytes: MAX_CONFIG_BYTES,
  usualSize: 'a config.json is normally a few KiB',
  remedy:
    'move it away, or point DOCKER_CONFIG (or --config) at another folder',
  missingCodes: ['ENOENT'],
};

/** The synchronous twin of {@link readConfigFile}. */
export function readConfigFileSync(path: string): ConfigFile {
  const bytes = readBoundedFile(path, CONFIG_FILE_RULES);
  if (bytes === undefined) return emptyConfig(path);
  return parseConfig(decodeUtf8LikeGo(bytes), path);
}

/** Builds the model from the decoded `ConfigFile` struct. */
function toModel(struct: GoValue, path: string): Omit<ConfigFile, 'raw'> {
  const fields = goMap(struct);
  const auths = new Map<string, RawAuthEntry>();
  for (const [key, entry] of goMap(fields.get('auths'))) {
    auths.set(key, toRawAuthEntry(entry));
  }
  const credHelpers = new Map<string, string>();
  for (const [key, helper] of goMap(fields.get('credHelpers'))) {
    credHelpers.set(key, asString(helper));
  }
  return {
    path,
    exists: true,
    auths,
    credsStore: asString(fields.get('credsStore')),
    credHelpers,
    currentContext: asString(fields.get('currentContext')),
  };
}

/** A decoded auth entry's string fields, as config.json spells them. */
export function toRawAuthEntry(entry: GoValue): RawAuthEntry {
  const raw: RawAuthEntry = {};
  for (const [field, value] of goMap(entry)) {
    if (typeof value === 'string') raw[field as keyof RawAuthEntry] = value;
  }
  return raw;
}

function asString(value: GoValue): string {
  return typeof value === 'string' ? value : '';
}
