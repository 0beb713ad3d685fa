/**
 * The modules a login needs and other commands do not, loaded on first
 * use: undici (left out of the CLI's bundle) and the network and crypto
 * builtins. Loading them at start-up would slow every `regcred get`.
 *
 * They are loaded with `require`, not `import()`: the CLI's bundle runs
 * in a `vm.Script`, where a dynamic `import()` fails ("A dynamic import
 * callback was not specified").
 *
 * @module
 */
import { createRequire } from 'node:module';

const requireLazily = createRequire(import.meta.url);

/** The undici package. */
export function undici(): typeof import('undici') {
  return requireLazily('undici') as typeof import('undici');
}

/** `node:tls`. */
export function tlsModule(): typeof import('node:tls') {
  return requireLazily('node:tls') as typeof import('node:tls');
}

/** `node:crypto`. */
export function cryptoModule(): typeof import('node:crypto') {
  return requireLazily('node:crypto') as typeof import('node:crypto');
}

/** `node:dns/promises`. */
export function dnsPromises(): typeof import('node:dns/promises') {
  return requireLazily(
    'node:dns/promises',
  ) as typeof import('node:dns/promises');
}

/** The reason phrases of HTTP statuses, from `node:http`. */
export function statusTexts(): Record<number, string | undefined> {
  const http = requireLazily('node:http') as typeof import('node:http');
  return http.STATUS_CODES;
}
