/**
 * Node modules loaded only when first needed. `node:child_process` and
 * `node:tty` pull in the network and stream modules, which cost the CLI's
 * start-up more than a whole `get` from the file store; most runs never
 * start a helper, ask whether they write to a terminal, or log in.
 *
 * @module
 */

/** A builtin module, loaded on first use. */
function builtin<T>(id: string): T {
  // unlike createRequire(), it needs no node:module and no file URL
  return process.getBuiltinModule(id) as T;
}

/** `node:child_process`. */
export function childProcess(): typeof import('node:child_process') {
  return builtin('node:child_process');
}

/** `node:http`: the container helper needs it only when it asks the
 * agent; login only for the reason phrases of HTTP statuses. */
export function http(): typeof import('node:http') {
  return builtin('node:http');
}

/** `node:net`: the agent's own socket checks. */
export function net(): typeof import('node:net') {
  return builtin('node:net');
}

/** `node:tls`. */
export function tlsModule(): typeof import('node:tls') {
  return builtin('node:tls');
}

/** `node:crypto`. */
export function cryptoModule(): typeof import('node:crypto') {
  return builtin('node:crypto');
}

/** `node:dns/promises`. */
export function dnsPromises(): typeof import('node:dns/promises') {
  return builtin('node:dns/promises');
}

/** Tells whether a file descriptor is a terminal. */
export function isatty(fd: number): boolean {
  return builtin<typeof import('node:tty')>('node:tty').isatty(fd);
}
