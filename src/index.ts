/**
 * regcred: the registry credentials `docker` would use, for Node programs.
 *
 * @example
 * ```ts
 * import Docker from 'dockerode';
 * import { getCredentials } from 'regcred';
 *
 * const docker = new Docker();
 * const authconfig = await getCredentials('registry.example.com/team/app:1.0');
 * await docker.pull('registry.example.com/team/app:1.0', { authconfig });
 * ```
 *
 * @module
 */
import type { AuthConfig } from './auth-config.js';
import {
  CredentialResolver,
  type ListedCredential,
  type ResolverOptions,
  type Resolution,
  type ResolveWarning,
} from './resolver.js';

export {
  AUTH_CONFIG_FIELDS,
  encodeRegistryAuthHeader,
  encodeRegistryConfigHeader,
  toDockerJson,
  type AuthConfig,
} from './auth-config.js';
export {
  CredentialResolver,
  DEFAULT_CACHE_TTL_MS,
  type AnswerSource,
  type ConfigContext,
  type ListedCredential,
  type ResolverOptions,
  type Resolution,
  type ResolveWarning,
} from './resolver.js';
export type { StoreChoice, StoreSource } from './stores/store-choice.js';
export {
  ConfigParseError,
  ConfigReadError,
  ConfigWriteError,
  HelperError,
  InteractiveLoginError,
  LoginFlagError,
  RegistryLoginError,
  InvalidAddressError,
  InvalidReferenceError,
  OutputError,
  RegcredError,
  UsageError,
  type ErrorCode,
  type HelperAction,
  type HelperFailure,
  type HelperFailureReason,
  type LoginFailureCode,
} from './errors.js';
export {
  loginToRegistry,
  type RegistryLoginOptions,
  type RegistryLoginResult,
} from './registry/login.js';
export {
  eraseAllCredentials,
  eraseCredentials,
  storeCredentials,
  type CredentialsToStore,
  type CredentialWriterOptions,
  type EraseRequest,
  type EraseResult,
  type StoreOutcome,
} from './stores/credential-writer.js';
export {
  updateConfigFile,
  type ConfigChange,
  type ConfigUpdateOptions,
  type ConfigUpdateResult,
} from './config/config-update.js';
export {
  DOCKER_HUB_KEY,
  credentialKeyForDomain,
  parseImageReference,
  type ImageReference,
} from './reference/image-reference.js';
export {
  convertToHostname,
  loginServerKey,
} from './reference/server-address.js';
export { locateConfig, type ConfigLocation } from './config/locate.js';
export { DEFAULT_HELPER_TIMEOUT_MS } from './timeout.js';
export {
  CREDENTIALS_NOT_FOUND_MESSAGE,
  MISSING_SERVER_URL_MESSAGE,
  MISSING_USERNAME_MESSAGE,
  serveCredentialHelper,
  type CredentialHelperStore,
  type HelperCredentials,
  type HelperOutput,
  type ServeCredentialHelperOptions,
} from './helper/serve.js';

/**
 * Returns the credentials `docker pull IMAGE` would send, ready for
 * dockerode's `authconfig`. Anonymous access is `{}`. A failing helper is
 * not an error here, as in Docker: use {@link resolveCredentials} to see it.
 *
 * @param image An image reference, e.g. `alpine` or `ghcr.io/org/app:1`.
 * @throws {InvalidReferenceError} when Docker would reject the reference.
 * @throws {ConfigParseError} when config.json cannot be parsed.
 */
export async function getCredentials(
  image: string,
  options?: ResolverOptions,
): Promise<AuthConfig> {
  return (await resolveCredentials(image, options)).authConfig;
}

/**
 * Resolves the credentials `docker pull IMAGE` would send, with where they
 * came from, any helper failure as a typed value, and warnings.
 */
export async function resolveCredentials(
  image: string,
  options?: ResolverOptions,
): Promise<Resolution> {
  return new CredentialResolver(options).resolveImage(image);
}

/**
 * Resolves credentials for a registry address, read as `docker login`
 * reads its argument (no address means Docker Hub).
 */
export async function resolveRegistryCredentials(
  address?: string,
  options?: ResolverOptions,
): Promise<Resolution> {
  return new CredentialResolver(options).resolveRegistry(address);
}

/** Lists registries with stored credentials, without their secrets. */
export async function listCredentials(
  options?: ResolverOptions,
): Promise<{ credentials: ListedCredential[]; warnings: ResolveWarning[] }> {
  return new CredentialResolver(options).list();
}

/**
 * Every credential Docker's legacy builder would send (`X-Registry-Config`).
 * For dockerode's `buildImage`, pass it encoded, as
 * `registryconfig: { base64: encodeRegistryConfigHeader(all) }`: the daemon
 * reads the header as base64url, which docker-modem's own encoding is not.
 */
export async function getAllCredentials(
  options?: ResolverOptions,
): Promise<Record<string, AuthConfig>> {
  return (await new CredentialResolver(options).getAll()).credentials;
}

export { explain, type ExplainOptions } from './explain/explain.js';
export type { Check, CheckStatus, ExplainReport } from './explain/report.js';
export {
  startAgent,
  type AgentOptions,
  type RunningAgent,
} from './agent/server.js';
export { AgentError } from './agent/agent-error.js';
