/**
 * undici, which a login needs and other commands do not, loaded on first
 * use (it is left out of the CLI's bundle). Loading it at start-up would
 * slow every `regcred get`. The builtins a login needs load lazily too,
 * from internal/lazy-builtins.ts.
 *
 * @module
 */

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
