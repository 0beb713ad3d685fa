/**
 * The `docker-credential-*` protocol's fixed parts, shared by the client
 * (stores/), the helpers regcred serves (helper/), the agent and the sh
 * helper: Docker's messages, its `Credentials` type, and how a
 * `Credentials` value is written. A leaf module: the helper's own bundle
 * imports it, so it imports nothing heavy.
 *
 * @module
 */
import { goMap, type GoType, type GoValue } from '../config/go-decode.js';
import { goCompactObject } from '../internal/go-json.js';

/** What a helper prints, on a non-zero exit, when it has no credentials.
 * Docker recognises exactly this text. */
export const HELPER_NOT_FOUND_MESSAGE =
  'credentials not found in native keychain';

/** What a helper prints when asked without a server URL. */
export const MISSING_SERVER_URL_MESSAGE = 'no credentials server URL';

/** Docker's `credentials.Credentials`: a `get` answer, a `store` request. */
export const CREDENTIALS_TYPE: GoType = {
  kind: 'struct',
  fields: {
    ServerURL: { kind: 'string' },
    Username: { kind: 'string' },
    Secret: { kind: 'string' },
  },
};

/** A `Credentials` value as Go writes it, with its trailing newline. */
export function credentialsJson(
  serverURL: string,
  username: string,
  secret: string,
): string {
  const fields: [string, string][] = [
    ['ServerURL', serverURL],
    ['Username', username],
    ['Secret', secret],
  ];
  return `${goCompactObject(fields, false)}\n`;
}

/** The string fields of a decoded `Credentials`; '' for a missing one. */
export function credentialsFields(
  decoded: GoValue,
): (field: 'ServerURL' | 'Username' | 'Secret') => string {
  const fields = goMap(decoded);
  return (field) => {
    const value = fields.get(field);
    return typeof value === 'string' ? value : '';
  };
}
