/**
 * Finds a program on PATH the way Go's exec.LookPath does on Unix: the
 * first directory holding an executable regular file of that name.
 *
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Returns the absolute path of `program` on `env.PATH`, or undefined. */
export function findExecutable(
  program: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (program.includes('/')) {
    return isExecutableFile(program) ? resolve(program) : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // An empty PATH entry means the current directory. Go (1.19 and
    // later) refuses a match found through a relative entry and stops
    // there, so Docker cannot run such a helper; neither do we.
    const candidate = join(dir === '' ? '.' : dir, program);
    if (isExecutableFile(candidate)) {
      return isAbsolute(candidate) ? candidate : undefined;
    }
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
