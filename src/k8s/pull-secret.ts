/**
 * Kubernetes image pull secrets of type `kubernetes.io/dockerconfigjson`,
 * written byte for byte as `kubectl create secret docker-registry
 * --dry-run=client` prints them (kubectl v1.32), in YAML or in JSON.
 *
 * Reference: kubernetes/kubectl `pkg/cmd/create/create_secret_docker.go`.
 *
 * @module
 */
import { compareBytes } from '../auth-config.js';
import { UsageError } from '../errors.js';
import { goCompactObject, goQuote } from '../internal/go-json.js';

/** The Secret type the kubelet reads pull credentials from. */
export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';

/** The data key of a {@link DOCKER_CONFIG_JSON_TYPE} Secret. */
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';

/** One registry's credentials in a pull secret. */
export interface PullCredential {
  /** The `auths` key, e.g. `https://index.docker.io/v1/`. */
  server: string;
  username: string;
  password: string;
  /** Written only when not empty, as kubectl does. */
  email?: string | undefined;
}

/** What names the Secret. */
export interface SecretMetadata {
  name: string;
  namespace?: string | undefined;
}

/**
 * The `.dockerconfigjson` text: compact JSON as Go writes it, servers in
 * the byte order Go gives map keys, each entry's fields in kubectl's order
 * (username, password, email when set, auth).
 */
function dockerConfigJson(credentials: readonly PullCredential[]) {
  const sorted = [...credentials].sort((a, b) =>
    compareBytes(a.server, b.server),
  );
  const entries = sorted.map((credential) => {
    const { username, password, email } = credential;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    const fields = [
      ['username', username],
      ['password', password],
      ['email', email],
      ['auth', auth],
    ] as const;
    return `${goQuote(credential.server)}:${goCompactObject(fields, true)}`;
  });
  return `{"auths":{${entries.join(',')}}}`;
}

/** Prints the Secret as `kubectl ... -o yaml` does. */
export function renderSecretYaml(
  metadata: SecretMetadata,
  credentials: readonly PullCredential[],
): string {
  checkSecretMetadata(metadata);
  const data = encodedData(credentials);
  const namespace =
    metadata.namespace === undefined
      ? ''
      : `  namespace: ${yamlString(metadata.namespace)}\n`;
  return (
    'apiVersion: v1\n' +
    'data:\n' +
    `  ${DOCKER_CONFIG_JSON_KEY}: ${data}\n` +
    'kind: Secret\n' +
    'metadata:\n' +
    '  creationTimestamp: null\n' +
    `  name: ${yamlString(metadata.name)}\n` +
    namespace +
    `type: ${DOCKER_CONFIG_JSON_TYPE}\n`
  );
}

/** Prints the Secret as `kubectl ... -o json` does. */
export function renderSecretJson(
  metadata: SecretMetadata,
  credentials: readonly PullCredential[],
): string {
  checkSecretMetadata(metadata);
  const secret = {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: {
      name: metadata.name,
      ...(metadata.namespace === undefined
        ? {}
        : { namespace: metadata.namespace }),
      creationTimestamp: null,
    },
    data: { [DOCKER_CONFIG_JSON_KEY]: encodedData(credentials) },
    type: DOCKER_CONFIG_JSON_TYPE,
  };
  return `${JSON.stringify(secret, null, 4)}\n`;
}

/** Words YAML 1.1 reads as booleans or null; only lower case can occur. */
const YAML_KEYWORDS = new Set([
  'y',
  'yes',
  'n',
  'no',
  'true',
  'false',
  'on',
  'off',
  'null',
]);
const YAML_INT_REGEXP = /^(0x[0-9a-f]+|0o[0-7]+|0b[01]+)$/;
const YAML_FLOAT_REGEXP = /^[0-9]+(\.[0-9]*)?(e[-+]?[0-9]+)?$/;
const YAML_DATE_REGEXP = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$/;

/**
 * A Secret or namespace name as go-yaml v2 writes it: plain, or
 * double-quoted when YAML would read it as a boolean, null, number or
 * date. Valid names hold only `[a-z0-9.-]`, so no other case arises.
 */
function yamlString(value: string): string {
  const quoted =
    YAML_KEYWORDS.has(value) ||
    YAML_INT_REGEXP.test(value) ||
    YAML_FLOAT_REGEXP.test(value) ||
    isYamlDate(value);
  return quoted ? `"${value}"` : value;
}

/** `YYYY-M-D` naming a real day, which go-yaml reads as a timestamp. */
function isYamlDate(value: string): boolean {
  const match = YAML_DATE_REGEXP.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function encodedData(credentials: readonly PullCredential[]): string {
  return Buffer.from(dockerConfigJson(credentials)).toString('base64');
}

/** A DNS-1123 subdomain: what Kubernetes accepts as a Secret name. */
const SUBDOMAIN_REGEXP =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1123 label: what Kubernetes accepts as a namespace. */
const LABEL_REGEXP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Refuses names the API server would refuse; it also keeps the YAML plain
 * (such names never need quoting).
 *
 * @throws {UsageError} naming the bad value.
 */
export function checkSecretMetadata({ name, namespace }: SecretMetadata): void {
  if (name.length > 253 || !SUBDOMAIN_REGEXP.test(name)) {
    throw new UsageError(
      `'${name}' is not a valid Secret name: use lower-case letters, ` +
        "digits, '-' and '.', e.g. 'registry-credentials'",
    );
  }
  if (
    namespace !== undefined &&
    (namespace.length > 63 || !LABEL_REGEXP.test(namespace))
  ) {
    throw new UsageError(
      `'${namespace}' is not a valid namespace: use lower-case letters, ` +
        "digits and '-', e.g. 'default'",
    );
  }
}
