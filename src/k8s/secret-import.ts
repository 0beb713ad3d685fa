/**
 * Reads the credentials out of a Kubernetes pull secret: a Secret of type
 * `kubernetes.io/dockerconfigjson` (or the legacy `kubernetes.io/dockercfg`)
 * in YAML or JSON, or a bare `.dockerconfigjson` / `.dockercfg` file.
 * Everything is read and checked before anything is stored.
 *
 * @module
 */
import { decodeAuthField, decodeStdBase64 } from '../config/auth-entry.js';
import { readJsonValue } from '../config/json-reader.js';
import { toPlainValue, type JsonNode } from '../config/json-tree.js';
import { RegcredError } from '../errors.js';
import { readRegistryAddress } from '../reference/server-address.js';
import {
  DOCKER_CONFIG_JSON_KEY,
  DOCKER_CONFIG_JSON_TYPE,
} from './pull-secret.js';
import { parseYamlSubset, YamlSubsetError, type YamlValue } from './yaml.js';

/** The legacy Secret type, whose data is the bare map of servers. */
const DOCKER_CFG_TYPE = 'kubernetes.io/dockercfg';
const DOCKER_CFG_KEY = '.dockercfg';

/** One credential read from the file, keyed as `docker login` keys it. */
export interface ImportedCredential {
  /** The config key, from readRegistryAddress(server). */
  key: string;
  /** The server as the file names it. */
  server: string;
  username: string;
  password: string;
  identityToken?: string;
}

/**
 * Reads every credential in `text`, the content of `fileName`.
 *
 * @throws {RegcredError} `ERR_CONFIG_PARSE`, naming the file and the
 *   problem; never quoting a secret.
 * @throws {InvalidAddressError} for a server that names no registry.
 */
export function readPullSecret(
  text: string,
  fileName: string,
): ImportedCredential[] {
  const fail = (reason: string): never => {
    throw new RegcredError(
      'ERR_CONFIG_PARSE',
      `Cannot import '${fileName}': ${reason}. Give a Secret of type ` +
        `${DOCKER_CONFIG_JSON_TYPE} (YAML or JSON) or a .dockerconfigjson file`,
    );
  };
  const document = parseDocument(text, fail);
  const map = serverMap(document, fail);
  const credentials = Object.entries(map).map(([server, entry]) =>
    readEntry(server, entry, fail),
  );
  if (credentials.length === 0) fail('it holds no registry credentials');
  const keys = new Set<string>();
  for (const { key } of credentials) {
    if (keys.has(key)) fail(`two entries are both for '${key}'`);
    keys.add(key);
  }
  return credentials;
}

type Fail = (reason: string) => never;
type Tree = Record<string, unknown>;

function parseDocument(text: string, fail: Fail): Tree {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseJsonObject(trimmed, 'file', fail);
  try {
    return toPlain(parseYamlSubset(text)) as Tree;
  } catch (error) {
    if (!(error instanceof YamlSubsetError)) throw error;
    return fail(
      `it is neither JSON nor YAML regcred can read (${error.message})`,
    );
  }
}

/** YAML's mapping with the unsupported marker turned into `undefined`. */
function toPlain(value: YamlValue): unknown {
  if (typeof value === 'string') return value;
  if (typeof value === 'symbol') return undefined;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, toPlain(item)]),
  );
}

function parseJsonObject(text: string, what: string, fail: Fail): Tree {
  const read = readJsonValue(text);
  if (!read.ok) {
    const { line, column } = read.position;
    return fail(
      `its ${what} is not valid JSON (${read.reason} at line ${line}, ` +
        `column ${column})`,
    );
  }
  if (text.slice(read.end).trim() !== '') {
    return fail(`its ${what} has text after the JSON object`);
  }
  if (read.value?.kind !== 'object') {
    return fail(`its ${what} is not a JSON object`);
  }
  // a plain object would keep the last of two equal keys: refuse them
  // instead, as the YAML reader does, so no entry is dropped without a word
  const repeated = repeatedKey(read.value);
  if (repeated !== undefined) {
    fail(`its ${what} has the key ${JSON.stringify(repeated)} twice`);
  }
  return toPlainValue(read.value) as Tree;
}

/** A key that an object of the tree holds twice, if any. */
function repeatedKey(root: JsonNode | undefined): string | undefined {
  // a stack, not recursion: the nesting may be deep
  const pending: JsonNode[] = root === undefined ? [] : [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node.kind === 'array') {
      for (const element of node.elements) pending.push(element);
    } else if (node.kind === 'object') {
      const seen = new Set<string>();
      for (const { key, value } of node.members) {
        if (seen.has(key)) return key;
        seen.add(key);
        pending.push(value);
      }
    }
  }
  return undefined;
}

/**
 * The map of servers to entries: from a Secret's data, from a bare
 * `.dockerconfigjson` (`auths`), or a bare legacy `.dockercfg` map.
 */
function serverMap(document: Tree, fail: Fail): Tree {
  if ('kind' in document || 'apiVersion' in document) {
    return secretServers(document, fail);
  }
  if ('auths' in document) {
    if (!isTree(document.auths)) return fail("its 'auths' is not an object");
    return document.auths;
  }
  const legacy = Object.values(document).every(
    (entry) => isTree(entry) && ('auth' in entry || 'username' in entry),
  );
  return legacy ? document : fail("it has no 'kind' and no 'auths'");
}

function secretServers(secret: Tree, fail: Fail): Tree {
  if (secret.kind !== 'Secret') fail(`its kind is not 'Secret'`);
  const legacy = secret.type === DOCKER_CFG_TYPE;
  if (secret.type !== DOCKER_CONFIG_JSON_TYPE && !legacy) {
    fail(`its type is not '${DOCKER_CONFIG_JSON_TYPE}'`);
  }
  const dataKey = legacy ? DOCKER_CFG_KEY : DOCKER_CONFIG_JSON_KEY;
  const encoded = isTree(secret.data) ? secret.data[dataKey] : undefined;
  const plain = isTree(secret.stringData)
    ? secret.stringData[dataKey]
    : undefined;
  let json: string;
  if (typeof plain === 'string') json = plain;
  else if (typeof encoded === 'string')
    json = decodeSecretData(encoded, `its data['${dataKey}']`, fail);
  else return fail(`it has no data['${dataKey}']`);
  const content = parseJsonObject(json, `data['${dataKey}']`, fail);
  if (legacy) return content;
  if (!isTree(content.auths)) return fail(`its ${dataKey} has no 'auths'`);
  return content.auths;
}

/** One server's entry; `auth` wins over `username`/`password`, as the
 * kubelet reads it. */
function readEntry(
  server: string,
  entry: unknown,
  fail: Fail,
): ImportedCredential {
  const shown = JSON.stringify(server);
  if (!isTree(entry)) return fail(`the entry for ${shown} is not an object`);
  const text = (field: string): string => {
    const value = entry[field];
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') fail(`${shown}: '${field}' is not a string`);
    return value as string;
  };
  let username = text('username');
  let password = text('password');
  const auth = text('auth');
  if (auth !== '') {
    // Docker's rules: what it could not read back is not imported
    const decoded = decodeAuthField(auth);
    if (!decoded.ok)
      return fail(`${shown}: 'auth' is unusable: ${decoded.reason}`);
    username = decoded.username;
    password = decoded.password;
  }
  const identityToken = text('identitytoken');
  if (username === '' && password === '' && identityToken === '') {
    fail(`the entry for ${shown} holds no credentials`);
  }
  const key = readRegistryAddress(server);
  return identityToken === ''
    ? { key, server, username, password }
    : { key, server, username, password, identityToken };
}

/** A Secret's data value: padded standard base64 (line breaks skipped),
 * as the API server decodes it. */
function decodeSecretData(encoded: string, what: string, fail: Fail): string {
  const bytes = decodeStdBase64(Buffer.from(encoded, 'utf8'));
  if (typeof bytes === 'number') {
    return fail(`${what} is not padded standard base64 (at byte ${bytes})`);
  }
  return Buffer.from(bytes).toString('utf8');
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
