/**
 * A read-only {@link CredentialHelperStore} over `DOCKER_AUTH_CONFIG`, for
 * CI jobs that hold their registry credentials in the environment. Only
 * the form Docker 28.3 accepts is served: `{"auths":{KEY:{"auth":…}}}`.
 * Keys match exactly, as Docker's own lookup in the variable does.
 *
 * @module
 */
import { parseDockerAuthConfig } from '../config/docker-auth-config.js';
import { UsageError } from '../errors.js';
import type { CredentialHelperStore, HelperCredentials } from './serve.js';

/**
 * Makes a store of the credentials in a `DOCKER_AUTH_CONFIG` value.
 *
 * @param value The variable's value.
 * @throws {UsageError} when Docker 28.3 would refuse the value; the
 *   message says why without repeating the value.
 */
export function dockerAuthConfigStore(value: string): CredentialHelperStore {
  const parsed = parseDockerAuthConfig(value);
  if (!parsed.ok) {
    throw new UsageError(
      `DOCKER_AUTH_CONFIG cannot be used: ${parsed.reason}. ` +
        'Write it as {"auths":{"REGISTRY":{"auth":"BASE64(user:password)"}}}',
    );
  }
  const { auths } = parsed;
  const readOnly = (action: string) =>
    new UsageError(
      `cannot ${action} credentials: they are read-only, from ` +
        'DOCKER_AUTH_CONFIG; change the variable instead',
    );
  return {
    async get(serverURL): Promise<HelperCredentials | undefined> {
      const entry = auths.get(serverURL);
      if (entry === undefined) return undefined;
      return { username: entry.username, secret: entry.password };
    },
    async store(): Promise<void> {
      throw readOnly('store');
    },
    async erase(): Promise<boolean> {
      throw readOnly('erase');
    },
    async list(): Promise<Record<string, string>> {
      const listing: Record<string, string> = {};
      for (const [key, entry] of auths) listing[key] = entry.username;
      return listing;
    },
  };
}
