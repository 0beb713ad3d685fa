/**
 * The modules a login needs and other commands do not, loaded on first
 * use: undici (left out of the CLI's bundle) and the network and crypto
 * builtins. Loading them at start-up would slow every `regcred get`.
 *
 * @module
 */
import { createRequire } from 'node:module';

const requireLazily = createRequire(import.meta.url);

type Undici = typeof import('undici');
let loadedUndici: Undici | undefined;

/**
 * Loads the undici package. A dynamic import, so that the CLI can hand it
 * the copy it keeps precompiled (see bin/regcred); the bundle turns it
 * into a call of the `require` the CLI gives it.
 */
export async function loadUndici(): Promise<Undici> {
  // the namespace of a CommonJS package: its exports as named exports
  loadedUndici ??= (await import('undici')) as unknown as Undici;
  return loadedUndici;
}

/**
 * The undici package, once {@link loadUndici} has loaded it.
 *
 * @throws {Error} when it has not been loaded yet: a bug in the caller.
 */
export function undici(): Undici {
  if (loadedUndici === undefined) {
    throw new Error('undici is used before loadUndici() loaded it');
  }
  return loadedUndici;
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
