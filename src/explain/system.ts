/**
 * What `explain` reads from the machine, behind one interface, so tests can
 * build any situation (another uid, a root-owned file, a container) from
 * literals. Nothing here writes, and nothing connects anywhere.
 *
 * @module
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { findExecutable } from '../internal/find-executable.js';

/** What `stat` tells `explain` about a path (symlinks followed). */
export interface FileStat {
  uid: number;
  gid: number;
  /** The permission bits and file type, as `fs.Stats.mode`. */
  mode: number;
  kind: 'file' | 'directory' | 'socket' | 'other';
}

/** A user in the user database. */
export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/**
 * The machine as `explain` sees it; every member can be replaced.
 *
 * NOTE: the lookup itself runs helpers through the resolver, which finds
 * them on `env.PATH` with the real file system, not through
 * `findExecutable` here; a test replaces PATH rather than this member.
 */
export interface ExplainSystem {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The directory relative paths are resolved against. */
  cwd: string;
  /** The process's uid and gid; null where there are none (Windows). */
  uid: number | null;
  gid: number | null;
  /** The user database: `/etc/passwd`, plus the current user. */
  users(): UserEntry[];
  /** Stats a path, following symlinks; undefined when it is missing. */
  stat(path: string): FileStat | undefined;
  /** Reads a small text file; undefined when it cannot. */
  readText(path: string): string | undefined;
  /** Finds a program on PATH as Docker does; undefined when missing. */
  findExecutable(program: string, env: NodeJS.ProcessEnv): string | undefined;
  /** Where the system's registries.conf lives (podman's view). */
  containersDir: string;
}

/**
 * Returns the real machine's view, with `overrides` replacing members.
 *
 * @param overrides Members to replace, e.g. `{ uid: 1000 }` in a test.
 */
export function createSystem(
  overrides: Partial<ExplainSystem> = {},
): ExplainSystem {
  const system: ExplainSystem = {
    env: process.env,
    platform: process.platform,
    cwd: process.cwd(),
    uid: process.getuid?.() ?? null,
    gid: process.getgid?.() ?? null,
    users: realUsers,
    stat: realStat,
    readText: realReadText,
    findExecutable,
    containersDir: '/etc/containers',
  };
  return { ...system, ...overrides };
}

/** Parses `/etc/passwd` text into entries; bad lines are skipped. */
export function parsePasswd(text: string): UserEntry[] {
  const users: UserEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':');
    if (!name || home === undefined || name.startsWith('#')) continue;
    const entry = { name, uid: Number(uid), gid: Number(gid), home };
    if (Number.isInteger(entry.uid)) users.push(entry);
  }
  return users;
}

function realUsers(): UserEntry[] {
  const users = parsePasswd(realReadText('/etc/passwd') ?? '');
  try {
    // macOS keeps ordinary users out of /etc/passwd
    const me = userInfo();
    users.push({
      name: me.username,
      uid: me.uid,
      gid: me.gid,
      home: me.homedir,
    });
  } catch {
    // no entry for this uid: there is nothing to add
  }
  return users;
}

function realStat(path: string): FileStat | undefined {
  try {
    const stats = statSync(path);
    const kind = stats.isFile()
      ? 'file'
      : stats.isDirectory()
        ? 'directory'
        : stats.isSocket()
          ? 'socket'
          : 'other';
    return { uid: stats.uid, gid: stats.gid, mode: stats.mode, kind };
  } catch {
    return undefined;
  }
}

/** The largest small file (a context's meta.json, /proc entries) read. */
const MAX_TEXT_BYTES = 1024 * 1024;

/** Reads a small regular file; a FIFO, a device or a huge file is skipped
 * rather than read, so `explain` can neither hang nor fill memory. */
function realReadText(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    // /proc files report size 0; read them, they are small and regular
    if (!stat.isFile() || stat.size > MAX_TEXT_BYTES) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
