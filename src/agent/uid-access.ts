/**
 * `--allow-uid`: lets another uid (a container's user) connect to the
 * agent's socket.
 *
 * Node cannot read a unix socket peer's credentials (SO_PEERCRED), so the
 * agent cannot check who connects; the file system does it instead. The
 * socket is 0600, and for each allowed uid a POSIX ACL entry grants
 * `rw` on the socket (connecting needs write) and `x` on its folder (to
 * reach it). Root can connect whatever the modes say.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { AgentError } from './agent-error.js';

/** Largest uid Linux can give (2^32 - 2; -1 means "no change"). */
const MAX_UID = 4_294_967_294;

/** How long setfacl may take, in milliseconds. */
const SETFACL_TIMEOUT_MS = 10_000;

/**
 * Reads a uid as given on the command line: decimal digits only.
 *
 * @throws {RangeError} for anything else.
 */
export function parseUid(text: string): number {
  const uid = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(uid <= MAX_UID)) {
    throw new RangeError(
      `--allow-uid takes a numeric uid from 0 to ${MAX_UID}, found '${text}'`,
    );
  }
  return uid;
}

/**
 * Grants `uid` access to the socket at `socketPath` with `setfacl`: `rw`
 * on the socket, `x` on its folder.
 *
 * NOTE: the entry on the folder stays after the agent stops (another
 * agent may share the folder); it grants passage only, not listing.
 *
 * @throws {AgentError} when setfacl is missing or refuses.
 */
export async function grantUidAccess(
  socketPath: string,
  uid: number,
): Promise<void> {
  await setfacl(['-m', `u:${uid}:rw`, socketPath]);
  await setfacl(['-m', `u:${uid}:x`, dirname(socketPath)]);
}

function setfacl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = { timeout: SETFACL_TIMEOUT_MS, shell: false };
    execFile('setfacl', args, options, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? "'setfacl' is not installed (package 'acl')"
          : `'setfacl ${args.join(' ')}' failed: ` +
            (String(stderr).trim() || error.message);
      reject(
        new AgentError(
          `Cannot let another uid use the agent's socket: ${why}. ` +
            'Install acl, use a file system with ACLs, or leave out ' +
            '--allow-uid',
          { cause: error },
        ),
      );
    });
  });
}
