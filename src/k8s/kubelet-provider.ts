/**
 * The answer half of the kubelet's image credential provider exchange:
 * turns what `regcred get IMAGE` resolves into the
 * `CredentialProviderResponse` the kubelet reads from a plugin's stdout.
 *
 * Reference: kubernetes/kubelet `pkg/apis/credentialprovider/v1/types.go`
 * and kubernetes `pkg/credentialprovider/keyring.go` (anchors.md §5).
 *
 * @module
 */
import type { AuthConfig } from '../auth-config.js';
import { DOCKER_HUB_KEY } from '../reference/image-reference.js';
import type { Resolution } from '../resolver.js';

/** The only `kind` of an answer. */
export const RESPONSE_KIND = 'CredentialProviderResponse';

/**
 * How long the kubelet may reuse an answer, as a Go duration. Short, so a
 * rotated password or a logout reaches the node within minutes, yet long
 * enough that a burst of pulls runs regcred (and its helpers) once.
 *
 * NOTE: fixed; the command takes no options, so an operator cannot tune
 * it (the config's defaultCacheDuration applies only when it is absent).
 */
export const CACHE_DURATION = '5m0s';

/** "Do not cache": for an answer made empty by a failing helper, which
 * may work on the next pull. */
const NO_CACHE_DURATION = '0s';

/**
 * The key the kubelet's matcher gives Docker Hub's credentials to whatever
 * the image is called (`nginx`, `library/nginx`, `docker.io/…`,
 * `index.docker.io/…`): when no key matches, the kubelet falls back to
 * this one for any Hub image.
 */
export const KUBELET_HUB_KEY = 'index.docker.io';

/** A user name and password, the only credentials the kubelet can use. */
export interface KubeletAuth {
  username: string;
  password: string;
}

/** The answer, with the field names and casing of the published API. */
export interface CredentialProviderResponse {
  kind: typeof RESPONSE_KIND;
  apiVersion: string;
  /** Credentials are per registry host in Docker's stores, so the
   * kubelet may reuse them for every image of that registry. Required:
   * the kubelet drops an answer without it. */
  cacheKeyType: 'Registry';
  cacheDuration: string;
  auth: Record<string, KubeletAuth>;
}

/** An answer and what the operator should know about it (no secrets). */
export interface ProviderAnswer {
  response: CredentialProviderResponse;
  warnings: string[];
}

/**
 * The `auth` key for a registry, matched the kubelet's way: the host and
 * port as the image names them (ports must be equal, host labels are
 * compared one by one), or {@link KUBELET_HUB_KEY} for Docker Hub.
 *
 * @param credentialKey Docker's key for the image's registry, as
 *   `credentialKeyForDomain` (and so a resolution's `key`) gives it: the
 *   domain itself, but for Docker Hub.
 */
export function kubeletAuthKey(credentialKey: string): string {
  return credentialKey === DOCKER_HUB_KEY ? KUBELET_HUB_KEY : credentialKey;
}

/**
 * Builds the answer for one image from the resolution `regcred get`
 * would print for it.
 *
 * @param apiVersion The request's version, which the answer must repeat.
 * @param resolution What the resolver found for the image.
 */
export function buildProviderAnswer(
  apiVersion: string,
  resolution: Resolution,
): ProviderAnswer {
  const warnings = resolution.warnings.map((warning) => warning.message);
  const failed = resolution.source === 'helper-failed';
  const auth: Record<string, KubeletAuth> = {};

  const usable = usableAuth(resolution.authConfig);
  if (usable !== undefined) {
    auth[kubeletAuthKey(resolution.key)] = usable;
  } else {
    const unusable = unusableReason(resolution.authConfig);
    if (unusable !== undefined) {
      warnings.push(
        `The credentials for '${resolution.key}' ${unusable}, which the ` +
          'kubelet cannot use; it pulls without credentials. Log in with a ' +
          `user name and password (or an access token as the password): ` +
          `regcred login ${resolution.key}`,
      );
    }
  }

  const response: CredentialProviderResponse = {
    kind: RESPONSE_KIND,
    apiVersion,
    cacheKeyType: 'Registry',
    cacheDuration: failed ? NO_CACHE_DURATION : CACHE_DURATION,
    auth,
  };
  return { response, warnings };
}

/** The answer as the kubelet reads it: one line of JSON. */
export function formatProviderResponse(
  response: CredentialProviderResponse,
): string {
  return `${JSON.stringify(response)}\n`;
}

/** A user name and password from Docker's credentials, when there is a
 * password (the user name may be empty: some registries take a token as
 * the password with any user). */
function usableAuth(config: AuthConfig): KubeletAuth | undefined {
  if (!config.password) return undefined;
  return { username: config.username ?? '', password: config.password };
}

/** Why stored credentials cannot go to the kubelet; undefined when there
 * are none. */
function unusableReason(config: AuthConfig): string | undefined {
  if (config.identitytoken) return 'are an identity token';
  if (config.registrytoken) return 'are a registry token';
  if (config.auth) return 'cannot be decoded';
  if (config.username) return 'hold a user name but no password';
  return undefined;
}
