/**
 * The agent's allow-list: which registries a client may ask about.
 *
 * The rule, in one place:
 * 1. Each allowed registry is read as `docker login SERVER` reads its
 *    argument ({@link readRegistryAddress}): `docker.io` and
 *    `https://index.docker.io/v1/` give the Docker Hub key, anything else
 *    its host name (and `:port`), so `https://ghcr.io/v2/` allows `ghcr.io`.
 * 2. A request's server URL goes through the same reduction
 *    ({@link loginServerKey}, which never fails), so a client asking for
 *    `https://ghcr.io` or `ghcr.io/x` is asking about `ghcr.io`.
 * 3. The two keys are compared ignoring ASCII case, as host names are.
 *
 * So `index.docker.io` and `registry-1.docker.io` are registries of their
 * own, as they are in Docker's config keys.
 *
 * @module
 */
import { UsageError } from '../errors.js';
import {
  loginServerKey,
  readRegistryAddress,
} from '../reference/server-address.js';

/** The registries an agent answers for, and the matching rule. */
export class AllowList {
  /** Allowed keys, as `docker login` would store them, in given order. */
  readonly keys: readonly string[];
  readonly #folded: ReadonlySet<string>;

  /**
   * @param registries Registry addresses as a user types them.
   * @throws {UsageError} when the list is empty.
   * @throws {InvalidAddressError} for an address that names no registry.
   */
  constructor(registries: readonly string[]) {
    if (registries.length === 0) {
      throw new UsageError(
        "'agent' needs at least one --allow REGISTRY, " +
          "e.g. 'regcred agent --allow ghcr.io --allow docker.io'",
      );
    }
    const keys = registries.map((registry) => readRegistryAddress(registry));
    this.keys = [...new Set(keys)];
    this.#folded = new Set(this.keys.map(foldCase));
  }

  /**
   * Returns the key a server URL stands for, and whether it is allowed.
   *
   * @param serverUrl The server URL a client sent, as a helper gets it.
   */
  match(serverUrl: string): { key: string; allowed: boolean } {
    const key = loginServerKey(serverUrl);
    return { key, allowed: key !== '' && this.#folded.has(foldCase(key)) };
  }
}

/** Lower-cases ASCII letters only, as host names compare. */
function foldCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}
