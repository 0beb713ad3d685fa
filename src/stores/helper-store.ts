/**
 * The helper store: credentials kept by a `docker-credential-*` program,
 * combined with config.json the way Docker's native store combines them.
 *
 * @module
 */
import type { AuthConfig } from '../auth-config.js';
import type { HelperCredentials } from './helper-client.js';

/** The username a helper reports for an identity (refresh) token. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

/**
 * Merges a helper's answer into the file's entry for the same key, as
 * Docker does: username, password, identity token and server address come
 * from the helper (all empty when it has nothing); the other fields
 * (`email`, `registrytoken`) stay from the file.
 */
export function mergeHelperAnswer(
  key: string,
  fileEntry: AuthConfig | undefined,
  answer: HelperCredentials | undefined,
): AuthConfig {
  const merged: AuthConfig = { ...fileEntry };
  delete merged.username;
  delete merged.password;
  delete merged.identitytoken;
  delete merged.serveraddress;
  if (answer === undefined) return dropEmpty(merged);

  if (answer.username === IDENTITY_TOKEN_USERNAME) {
    merged.identitytoken = answer.secret;
  } else {
    merged.username = answer.username;
    merged.password = answer.secret;
  }
  merged.serveraddress = key;
  return dropEmpty(merged);
}

/**
 * The pair a helper keeps for credentials, as Docker's native store
 * writes it: an identity token in place of the password, under the user
 * name `<token>`. Callers decide which empty pairs are worth keeping.
 */
export function toHelperCredentials(
  config: Pick<AuthConfig, 'username' | 'password' | 'identitytoken'>,
): HelperCredentials {
  if (config.identitytoken) {
    return { username: IDENTITY_TOKEN_USERNAME, secret: config.identitytoken };
  }
  return { username: config.username ?? '', secret: config.password ?? '' };
}

/** Removes empty string fields, which Docker leaves out when encoding. */
export function dropEmpty(config: AuthConfig): AuthConfig {
  const out: AuthConfig = {};
  for (const [field, value] of Object.entries(config)) {
    if (value) out[field as keyof AuthConfig] = value as string;
  }
  return out;
}
