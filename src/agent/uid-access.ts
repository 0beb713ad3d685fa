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
import { dirname } from 'node:path';
import { AgentError } from './agent-error.js';
import { childProcess } from '../internal/lazy-builtins.js';

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

/** Takes back what {@link grantUidAccess} added; never throws. */
export type RevokeUidAccess = () => Promise<void>;

/**
 * Lets `uid` use the socket: read-write on the socket, search on its
 * folder. The folder outlives the agent, so the returned function puts
 * the folder's entry for that uid back as it was: gone, or its old
 * permissions.
 *
 * @throws {AgentError} when setfacl is missing or fails
 */
export async function grantUidAccess(
  socketPath: string,
  uid: number,
): Promise<RevokeUidAccess> {
  const folder = dirname(socketPath);
  const before = await userEntry(folder, uid);
  await setfacl(['-m', `u:${uid}:rw`, socketPath]);
  // search added to what the uid had, so that nothing is taken away
  const granted = before === undefined ? 'x' : `${before.slice(0, 2)}x`;
  await setfacl(['-m', `u:${uid}:${granted}`, folder]);
  const restore =
    before === undefined
      ? ['-x', `u:${uid}`, folder]
      : ['-m', `u:${uid}:${before}`, folder];
  return () => setfacl(restore).catch(() => undefined);
}

/** The permissions (`r-x`) `path`'s ACL gives `uid`, or undefined when
 * it names no such user or cannot be read (then setfacl says why). */
function userEntry(path: string, uid: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const options = { timeout: SETFACL_TIMEOUT_MS, shell: false };
    childProcess().execFile(
      'getfacl',
      ['-pn', path],
      options,
      (error, stdout) => {
        if (error !== null) return resolve(undefined);
        const entry = new RegExp(`^user:${uid}:([r-][w-][x-])`, 'm');
        resolve(entry.exec(String(stdout))?.[1]);
      },
    );
  });
}

function setfacl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = { timeout: SETFACL_TIMEOUT_MS, shell: false };
    childProcess().execFile(
      'setfacl',
      args,
      options,
      (error, _stdout, stderr) => {
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
      },
    );
  });
}
