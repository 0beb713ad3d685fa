/**
 * Node modules loaded only when first needed. `node:child_process` and
 * `node:tty` pull in the network and stream modules, which cost the CLI's
 * start-up more than a whole `get` from the file store; most runs never
 * start a helper or ask whether they write to a terminal.
 *
 * @module
 */
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

/** `node:child_process`, loaded on first use. */
export function childProcess(): typeof import('node:child_process') {
  return requireBuiltin(
    'node:child_process',
  ) as typeof import('node:child_process');
}

/** `node:http`, loaded on first use: the container helper needs it only
 * when it asks the agent. */
export function http(): typeof import('node:http') {
  return requireBuiltin('node:http') as typeof import('node:http');
}

/** Tells whether a file descriptor is a terminal, loading `node:tty` on
 * first use. */
export function isatty(fd: number): boolean {
  const tty = requireBuiltin('node:tty') as typeof import('node:tty');
  return tty.isatty(fd);
}
