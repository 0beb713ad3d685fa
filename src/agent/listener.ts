/**
 * The agent's listening socket: listened on privately (umask 077, then
 * mode 0600) and closed cleanly (in-flight requests get a grace time,
 * then the socket file is removed if it is still ours).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { AgentError } from './agent-error.js';

/** How long in-flight requests get to finish once the agent stops. */
const DEFAULT_GRACE_MS = 1_000;

/**
 * Listens with umask 077, then sets the socket's mode to 0600.
 *
 * NOTE: the umask is the process's: files others in this process create
 * while the agent starts to listen get it too (more private, never less).
 */
export async function listenPrivately(
  server: Server,
  path: string,
): Promise<void> {
  const previous = process.umask(0o077);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new AgentError(
      `Cannot listen on '${path}': ` +
        `${(error as NodeJS.ErrnoException).code ?? String(error)}` +
        listenHint(path),
      { cause: error },
    );
  } finally {
    process.umask(previous);
  }
  await chmod(path, 0o600);
}

/** What to do when listening failed; Node reports a missing folder as
 * EACCES, so the folder is looked at here. */
function listenHint(path: string): string {
  const folder = dirname(path);
  if (!existsSync(folder)) {
    return `. The folder '${folder}' does not exist: create it, or give another --socket`;
  }
  return `. Check that you can write to '${folder}', or give another --socket`;
}

/**
 * Returns the agent's close(): stop accepting, let requests in flight
 * finish within `graceMs`, end the rest, remove the socket. Safe to call
 * more than once.
 */
export function closer(
  server: Server,
  socketPath: string,
  ino: number,
  graceMs = DEFAULT_GRACE_MS,
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) =>
        server.close(() => resolve()),
      );
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await removeOwnSocket(socketPath, ino);
    })();
    return closing;
  };
}

/** Removes the socket, unless someone replaced it since we listened. */
async function removeOwnSocket(path: string, ino: number): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSocket() && info.ino === ino) {
    await unlink(path).catch(() => undefined);
  }
}
