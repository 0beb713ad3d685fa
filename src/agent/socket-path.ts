/**
 * Where the agent's socket lives, and making that place safe to listen on:
 * the default path, its private folder, a stale socket left by an agent
 * that died, and the line that tells a shell where the socket is.
 *
 * @module
 */
import { statSync } from 'node:fs';
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { AgentError } from './agent-error.js';
import { net } from '../internal/lazy-builtins.js';
import { shellWord } from '../internal/shell-word.js';

/** The socket's name in `$XDG_RUNTIME_DIR`. */
const RUNTIME_SOCKET_NAME = 'regcred-agent.sock';

/** Longest unix socket path Linux accepts, in bytes (sun_path less NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/** How long to wait for a socket's owner to answer before calling it stale. */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * The default socket path, created nothing: `$XDG_RUNTIME_DIR/
 * regcred-agent.sock` when that is set to a directory, else `agent.sock`
 * in a folder `regcred-<uid>` under the temp folder (which `regcred dind`
 * names too, before any agent made it).
 */
export function defaultSocketLocation(
  env: NodeJS.ProcessEnv,
  uid: number = process.getuid?.() ?? 0,
): { path: string; privateFolder?: string } {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime) && isDirectory(runtime)) {
    return { path: join(runtime, RUNTIME_SOCKET_NAME) };
  }
  const folder = join(tmpdir(), `regcred-${uid}`);
  return { path: join(folder, 'agent.sock'), privateFolder: folder };
}

/**
 * Returns the default socket path ({@link defaultSocketLocation}),
 * creating its private folder (mode 0700) when needed.
 *
 * @throws {AgentError} when the folder belongs to someone else or others
 *   may read or write it.
 */
export async function defaultSocketPath(
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const uid = process.getuid?.() ?? 0;
  const { path, privateFolder } = defaultSocketLocation(env, uid);
  if (privateFolder !== undefined) {
    await ensurePrivateFolder(privateFolder, uid);
  }
  return path;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Creates `folder` with mode 0700, or checks an existing one: a real
 * directory (not a link), owned by `uid`, that no one else can list or
 * write. Group search (x) alone is accepted: it is the ACL mask that
 * `--allow-uid` leaves behind.
 */
async function ensurePrivateFolder(folder: string, uid: number): Promise<void> {
  await mkdir(folder, { mode: 0o700 }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      const code = errorCode(error);
      const why = ['EACCES', 'EPERM', 'EROFS'].includes(code)
        ? ': its parent folder is not writable for you'
        : '';
      throw new AgentError(
        `Cannot create '${folder}' for the agent's socket (${code})${why}. ` +
          'Set XDG_RUNTIME_DIR to a private folder of yours, or give a ' +
          'socket path of your own with --socket',
      );
    }
  });
  const info = await lstat(folder);
  if (!info.isDirectory()) {
    throw folderError(folder, 'it is not a directory (or it is a link)');
  }
  if (info.uid !== uid) {
    throw folderError(folder, `it belongs to uid ${info.uid}, not ${uid}`);
  }
  if ((info.mode & 0o067) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw folderError(folder, `others may read or write it (mode ${mode})`);
  }
}

function folderError(folder: string, why: string): AgentError {
  return new AgentError(
    `Cannot use '${folder}' for the agent's socket: ${why}. ` +
      'Remove it, or give a path of your own with --socket',
  );
}

/**
 * Makes `path` free to listen on: nothing there, or a socket nobody
 * answers on (left by an agent that died), which is removed.
 *
 * NOTE: another agent could start between the probe and the listen; the
 * later one then fails to listen (EADDRINUSE), which is safe.
 *
 * @throws {AgentError} when another agent answers there, the path is too
 *   long for a socket, or something other than a socket is there.
 */
export async function claimSocketPath(path: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new AgentError(
      `The socket path '${path}' is longer than the ` +
        `${MAX_SOCKET_PATH_BYTES} bytes a unix socket allows; ` +
        'give a shorter one with --socket',
    );
  }
  const info = await lstat(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (info === undefined) return;
  if (!info.isSocket()) {
    throw new AgentError(
      `'${path}' exists and is not a socket; move it away or give ` +
        'another path with --socket',
    );
  }
  if (await isAnswering(path)) {
    throw new AgentError(
      `Another agent is listening on '${path}'; stop it first, or give ` +
        'another path with --socket',
    );
  }
  await unlink(path);
}

/** True when something accepts connections on the socket at `path`. */
function isAnswering(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net().connect(path);
    const timer = setTimeout(() => finish(true), PROBE_TIMEOUT_MS);
    function finish(answering: boolean, error?: AgentError): void {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(answering);
      else reject(error);
    }
    socket.once('connect', () => finish(true));
    socket.once('error', (error) => {
      const code = errorCode(error);
      if (code === 'ECONNREFUSED' || code === 'ENOENT') finish(false);
      else {
        finish(
          false,
          new AgentError(
            `Cannot tell whether an agent is listening on '${path}' ` +
              `(${code}); remove it or give another path with --socket`,
          ),
        );
      }
    });
  });
}

/**
 * The line that tells a shell where the agent is, as ssh-agent prints
 * it: `REGCRED_AGENT_SOCK=<path>; export REGCRED_AGENT_SOCK;` and a
 * newline. A path holding characters a shell would act on is put in
 * single quotes, so `eval "$(regcred agent …)"` stays safe.
 */
export function shellExportLine(path: string): string {
  return `REGCRED_AGENT_SOCK=${shellWord(path)}; export REGCRED_AGENT_SOCK;\n`;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
