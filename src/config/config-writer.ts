/**
 * config.json as Docker 28 writes it: {@link renderConfig} gives the bytes
 * of `json.MarshalIndent(config, "", "\t")` for a config read by
 * config-file.ts with a {@link ConfigChange} applied. That is:
 * - tab indentation, `": "` between key and value, no final newline, and
 *   Go's escaping (`<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes);
 * - Docker's fields in its struct order under their canonical names
 *   (`"Auths"` is written as `auths`); `auths` always, the others only
 *   when not empty; map keys sorted bytewise, as Go sorts them;
 * - each `auths` entry as `auth` (base64 of `username:password`, folded
 *   from plain `username`/`password`), `email`, `identitytoken`,
 *   `registrytoken`; `serveraddress` is never written;
 * - `HttpHeaders` without `User-Agent` (in any case), as Docker drops it.
 *
 * NOTE: Docker drops what it does not know on every save; regcred keeps it.
 * Unknown top-level keys, and unknown keys inside an `auths` or `proxies`
 * entry, are written after Docker's fields, in file order, with their
 * values laid out in the same style (numbers as written, duplicates
 * kept). An entry Docker would save as `{}` because its `auth` does not
 * decode, or would fold into an `auth` it cannot read back (a plain
 * `username` holding `:`, a `password` without a `username`, NULs around
 * the password), is written back as it was, members in file order.
 *
 * References: docker/cli v28.2.2 `cli/config/configfile/file.go`
 * (`SaveToWriter`, `encodeAuth`);
 * https://pkg.go.dev/encoding/json#MarshalIndent (Go 1.24).
 *
 * @module
 */
import type { FilePosition } from '../errors.js';
import { goQuote } from '../internal/go-json.js';
import { decodeAuthField, encodeAuthField } from './auth-entry.js';
import {
  AUTH_CONFIG_TYPE,
  canonicalConfigField,
  CONFIG_FILE_TYPE,
  PROXY_CONFIG_TYPE,
  type ConfigFile,
  type GoStructType,
  toRawAuthEntry,
  type RawAuthEntry,
} from './config-file.js';
import {
  decodeGoValue,
  findGoField,
  goMap,
  type GoType,
  type GoValue,
} from './go-decode.js';
import type {
  JsonArray,
  JsonMember,
  JsonNode,
  JsonObject,
} from './json-tree.js';

/** Changes to one config file. Keys not named are left exactly as they are. */
export interface ConfigChange {
  /**
   * `auths` entries to set (the whole entry), or to remove (undefined).
   * Keys match exactly, as in Docker's map. A set entry is written as
   * Docker writes one: `username` and `password`, when either is given,
   * become `auth` (replacing any `auth` given); `serveraddress` is dropped.
   */
  auths?: Map<string, RawAuthEntry | undefined>;
  /** A `credsStore` value to write ('' removes it). */
  credsStore?: string;
}

/** Positions mean nothing in the nodes the writer makes itself. */
const NO_POSITION: FilePosition = { offset: 0, line: 0, column: 0 };

const AUTH_FIELDS = Object.keys(AUTH_CONFIG_TYPE.fields);
const PROXY_FIELDS = Object.keys(PROXY_CONFIG_TYPE.fields);
/** Fields of an entry Docker writes: the rest it blanks before saving. */
const WRITTEN_AUTH_FIELDS = [
  'auth',
  'email',
  'identitytoken',
  'registrytoken',
] as const;

/**
 * Renders a config, with a change applied, exactly as Docker 28 would
 * save it, except that what Docker would lose is kept (see the module
 * comment). The config's own fields are taken from the file as read
 * (`config.document`); the model's maps are not consulted.
 *
 * @param config A config from `readConfigFile`/`parseConfig`, or
 *   `emptyConfig` for a file that does not exist yet.
 * @param change What to change; nothing by default.
 * @returns The file's new text: encode it as UTF-8 to get the bytes.
 * @throws {RangeError} When a set entry has a user name holding `:`, or a
 *   password without a user name: Docker could not read it back.
 * @throws {TypeError} When `config` lost its document (a spread copy of a
 *   model read from a non-empty file): rendering it would drop fields.
 * @example
 * ```ts
 * const change = { auths: new Map([['b.example', bob]]) };
 * const text = renderConfig(await readConfigFile(path), change);
 * ```
 */
export function renderConfig(
  config: ConfigFile,
  change: ConfigChange = {},
): string {
  const document = documentOf(config);
  const decoded = decodeDocument(document, config.path);
  if (change.credsStore !== undefined) {
    decoded.set('credsStore', change.credsStore);
  }

  // Docker's fields in struct order, then the keys it does not know
  const members: JsonMember[] = [];
  for (const [name, type] of Object.entries(CONFIG_FILE_TYPE.fields)) {
    const value = knownFieldNode(name, type, decoded, document, change);
    if (value !== undefined) members.push(member(name, value));
  }
  members.push(...unknownMembers(document, canonicalConfigField));
  return renderJson(objectNode(members));
}

/** The file's top-level object, or undefined when it has none. */
function documentOf(config: ConfigFile): JsonObject | undefined {
  const { document, raw } = config;
  if (document === undefined && hasKeys(raw)) {
    throw new TypeError(
      `The config model of '${config.path}' has no document (was it ` +
        'copied with a spread?): render the model readConfigFile returned',
    );
  }
  return document?.kind === 'object' ? document : undefined;
}

function hasKeys(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && Object.keys(value).length > 0
  );
}

/** Docker's struct as Go decodes it from the document. */
function decodeDocument(
  document: JsonObject | undefined,
  path: string,
): Map<string, GoValue> {
  if (document === undefined) return new Map();
  const decoded = decodeGoValue(document, CONFIG_FILE_TYPE);
  if (!decoded.ok) {
    // parseConfig refuses such a document, so the model was built by hand
    throw new TypeError(
      `The config model of '${path}' does not fit Docker's config: ` +
        decoded.problem.reason,
    );
  }
  return goMap(decoded.value);
}

/** The node Docker writes for one of its fields, or undefined to omit it. */
function knownFieldNode(
  name: string,
  type: GoType,
  decoded: Map<string, GoValue>,
  document: JsonObject | undefined,
  change: ConfigChange,
): JsonNode | undefined {
  let value = decoded.get(name);
  if (name === 'auths') {
    const entries = lastEntryNodes(document, 'auths');
    return authsNode(goMap(value), entries, change.auths);
  }
  if (name === 'HttpHeaders') value = withoutUserAgent(value);
  if (isEmptyGoValue(value)) return undefined;
  if (name === 'proxies') {
    return proxiesNode(goMap(value), lastEntryNodes(document, 'proxies'));
  }
  return goValueNode(value, type);
}

/** Docker deletes User-Agent headers (any case) before saving. */
function withoutUserAgent(headers: GoValue): GoValue {
  if (!(headers instanceof Map)) return headers;
  const kept = new Map(headers);
  for (const name of headers.keys()) {
    // Go's strings.EqualFold, which folds as field matching does
    if (findGoField(name, ['User-Agent']) !== undefined) kept.delete(name);
  }
  return kept;
}

// --- auths ------------------------------------------------------------------

function authsNode(
  decoded: Map<string, GoValue>,
  entryNodes: Map<string, JsonNode>,
  changes: ConfigChange['auths'],
): JsonObject {
  const keys = new Set([...decoded.keys(), ...(changes?.keys() ?? [])]);
  const members: JsonMember[] = [];
  for (const key of sortGoKeys(keys)) {
    if (changes?.has(key)) {
      const entry = changes.get(key);
      if (entry !== undefined) members.push(member(key, newEntryNode(entry)));
      continue;
    }
    const entry = toRawAuthEntry(decoded.get(key));
    members.push(member(key, storedEntryNode(entry, entryNodes.get(key))));
  }
  return objectNode(members);
}

/** An entry from the file, as Docker saves it when that loses nothing. */
function storedEntryNode(
  entry: RawAuthEntry,
  node: JsonNode | undefined,
): JsonNode {
  const auth = foldCredentials(entry);
  if (auth === undefined) return node ?? objectNode([]);
  const fields = writtenAuthFields({ ...entry, auth });
  return objectNode([...fields, ...unknownMembers(node, authFieldOf)]);
}

/**
 * The `auth` Docker would save for a stored entry: the decoded `auth`, or
 * the plain `username`/`password`, encoded again. Undefined when Docker
 * could not decode it, or could not read back what it would save.
 */
function foldCredentials(entry: RawAuthEntry): string | undefined {
  let { username = '', password = '' } = entry;
  if (entry.auth) {
    const decoded = decodeAuthField(entry.auth);
    if (!decoded.ok) return undefined;
    ({ username, password } = decoded);
  }
  if (username === '' && password === '') return '';
  if (!canRoundTrip(username, password)) return undefined;
  return encodeAuthField(username, password);
}

/** Whether Docker reads back the user name and password it encoded. */
function canRoundTrip(username: string, password: string): boolean {
  return (
    username !== '' &&
    !username.includes(':') &&
    !password.startsWith('\0') &&
    !password.endsWith('\0')
  );
}

/** An entry set by the change, written as Docker writes a stored login. */
function newEntryNode(entry: RawAuthEntry): JsonObject {
  const { username = '', password = '' } = entry;
  let auth = entry.auth ?? '';
  if (username !== '' || password !== '') {
    if (username === '') {
      throw new RangeError(
        'Cannot store a password without a user name: Docker cannot ' +
          'read back an auth value with an empty user name',
      );
    }
    auth = encodeAuthField(username, password);
  }
  return objectNode(writtenAuthFields({ ...entry, auth }));
}

function writtenAuthFields(entry: RawAuthEntry): JsonMember[] {
  const members: JsonMember[] = [];
  for (const field of WRITTEN_AUTH_FIELDS) {
    const value = entry[field];
    if (value) members.push(member(field, stringNode(value)));
  }
  return members;
}

function authFieldOf(key: string): string | undefined {
  return findGoField(key, AUTH_FIELDS);
}

// --- proxies ----------------------------------------------------------------

function proxiesNode(
  decoded: Map<string, GoValue>,
  entryNodes: Map<string, JsonNode>,
): JsonObject {
  const members: JsonMember[] = [];
  for (const key of sortGoKeys(decoded.keys())) {
    const struct = goValueNode(decoded.get(key), PROXY_CONFIG_TYPE);
    const unknown = unknownMembers(entryNodes.get(key), proxyFieldOf);
    const fields = struct.kind === 'object' ? struct.members : [];
    members.push(member(key, objectNode([...fields, ...unknown])));
  }
  return objectNode(members);
}

function proxyFieldOf(key: string): string | undefined {
  return findGoField(key, PROXY_FIELDS);
}

// --- the document's own nodes -----------------------------------------------

/**
 * The node each entry of a map field (`auths`, `proxies`) was decoded
 * from, following Go: the field may appear several times under any case
 * (later maps merge into earlier ones), `null` empties the map, and the
 * last value of a key replaces the earlier ones.
 */
function lastEntryNodes(
  document: JsonObject | undefined,
  field: string,
): Map<string, JsonNode> {
  const nodes = new Map<string, JsonNode>();
  for (const { key, value } of document?.members ?? []) {
    if (canonicalConfigField(key) !== field) continue;
    if (value.kind === 'null') nodes.clear();
    if (value.kind !== 'object') continue;
    for (const entry of value.members) nodes.set(entry.key, entry.value);
  }
  return nodes;
}

/** Members of an object whose keys name no field: kept in file order. */
function unknownMembers(
  node: JsonNode | undefined,
  fieldOf: (key: string) => string | undefined,
): JsonMember[] {
  if (node?.kind !== 'object') return [];
  return node.members.filter(({ key }) => fieldOf(key) === undefined);
}

// --- Go values to nodes -----------------------------------------------------

/** Go's omitempty: an empty string, map or slice, or a nil one. */
function isEmptyGoValue(value: GoValue): boolean {
  if (value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return value instanceof Map && value.size === 0;
}

/** Lays out a decoded value as Go marshals its type (a nil map is null). */
function goValueNode(value: GoValue, type: GoType): JsonNode {
  if (value === undefined) return { kind: 'null', position: NO_POSITION };
  if (typeof value === 'string') return stringNode(value);
  if (Array.isArray(value)) {
    const elem = type.kind === 'slice' ? type.elem : type;
    const elements = value.map((element) => goValueNode(element, elem));
    return { kind: 'array', elements, position: NO_POSITION } as JsonArray;
  }
  if (type.kind === 'struct') return structNode(value, type);
  const elem = type.kind === 'map' ? type.elem : type;
  const members = sortGoKeys(value.keys()).map((key) =>
    member(key, goValueNode(value.get(key), elem)),
  );
  return objectNode(members);
}

/** A struct whose fields are all `omitempty`, as Docker's are. */
function structNode(value: Map<string, GoValue>, type: GoStructType): JsonNode {
  const members: JsonMember[] = [];
  for (const [field, fieldType] of Object.entries(type.fields)) {
    const fieldValue = value.get(field);
    if (isEmptyGoValue(fieldValue)) continue;
    members.push(member(field, goValueNode(fieldValue, fieldType)));
  }
  return objectNode(members);
}

/** Sorts map keys as Go does: by their UTF-8 bytes. */
function sortGoKeys(keys: Iterable<string>): string[] {
  const encoded = [...keys].map((key) => ({ key, bytes: Buffer.from(key) }));
  encoded.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  return encoded.map(({ key }) => key);
}

function objectNode(members: JsonMember[]): JsonObject {
  return { kind: 'object', members, position: NO_POSITION };
}

function stringNode(value: string): JsonNode {
  return { kind: 'string', value, position: NO_POSITION };
}

function member(key: string, value: JsonNode): JsonMember {
  return { key, keyPosition: NO_POSITION, value };
}

// --- text -------------------------------------------------------------------

/** An object or array being written, and the index of its next child. */
interface OpenContainer {
  node: JsonObject | JsonArray;
  next: number;
  depth: number;
}

/**
 * Writes a node tree as Go's MarshalIndent with a tab indent lays it out:
 * one member or element per line, `{}` and `[]` when empty. Iterative, so
 * that a value nested as deep as the reader accepts is written too.
 */
function renderJson(root: JsonNode): string {
  const out: string[] = [];
  const open: OpenContainer[] = [];
  writeValue(root, 0, out, open);
  for (let top = open.at(-1); top !== undefined; top = open.at(-1)) {
    const { node, depth } = top;
    const child =
      node.kind === 'object' ? node.members[top.next] : node.elements[top.next];
    if (child === undefined) {
      out.push('\n', '\t'.repeat(depth), node.kind === 'object' ? '}' : ']');
      open.pop();
      continue;
    }
    out.push(top.next === 0 ? '\n' : ',\n', '\t'.repeat(depth + 1));
    top.next++;
    if ('key' in child) {
      out.push(goQuote(child.key), ': ');
      writeValue(child.value, depth + 1, out, open);
    } else {
      writeValue(child, depth + 1, out, open);
    }
  }
  return out.join('');
}

/** Writes a scalar, or opens a container for {@link renderJson}'s loop. */
function writeValue(
  node: JsonNode,
  depth: number,
  out: string[],
  open: OpenContainer[],
): void {
  switch (node.kind) {
    case 'object':
    case 'array': {
      const empty =
        node.kind === 'object'
          ? node.members.length === 0
          : node.elements.length === 0;
      const brackets = node.kind === 'object' ? '{}' : '[]';
      if (empty) out.push(brackets);
      else {
        out.push(brackets.charAt(0));
        open.push({ node, next: 0, depth });
      }
      return;
    }
    case 'string':
      out.push(goQuote(node.value));
      return;
    case 'number':
      out.push(node.text);
      return;
    case 'boolean':
      out.push(String(node.value));
      return;
    case 'null':
      out.push('null');
  }
}
