/**
 * Options for loginToRegistry() in tests: user alice, a clean
 * environment (no proxy, no SSL_CERT_FILE), and its info lines kept.
 */
import type { RegistryLoginOptions } from '../../src/registry/login.js';

/** What differs between the tests' registries. */
export interface LoginTarget {
  serverKey: string;
  password: string;
  certsDir: string;
}

/** The options, with `info` holding every line given to onInfo. */
export function loginOptions(
  target: LoginTarget,
  overrides: Partial<RegistryLoginOptions> = {},
): RegistryLoginOptions & { info: string[] } {
  const info: string[] = [];
  return {
    username: 'alice',
    env: {},
    ...target,
    onInfo: (line) => info.push(line),
    info,
    ...overrides,
  };
}
