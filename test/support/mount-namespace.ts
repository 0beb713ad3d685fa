/**
 * Runs a node script in a mount namespace of its own, after a shell setup
 * that mounts what a test needs (a small tmpfs, a bind mount). The mounts
 * vanish with the namespace and are never seen outside it. Needs root and
 * a kernel that lets it unshare: {@link MOUNT_NAMESPACE_SKIP} says why a
 * test must be skipped otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UNSHARE = ['--mount', '--propagation', 'private'];

/** False when mount namespaces work here, else why they do not. */
export const MOUNT_NAMESPACE_SKIP: string | false = probe();

function probe(): string | false {
  if (process.getuid?.() !== 0) {
    return 'needs root to mount file systems (CI runs the tests as root)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'regcred-unshare-probe-'));
  try {
    const run = spawnSync(
      'unshare',
      [...UNSHARE, 'mount', '-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (run.error !== undefined) return `cannot run unshare: ${run.error}`;
    if (run.status !== 0) {
      return `unshare --mount is not permitted here: ${run.stderr.trim()}`;
    }
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a namespaced run printed, and how it ended. */
export interface NamespaceRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sh -euc setup` in a new mount namespace, then, in the same
 * namespace, `node script ...args`. `setup` sees the script's arguments
 * as "$1", "$2" and so on.
 */
export function runInMountNamespace(
  setup: string,
  script: string,
  args: readonly string[],
): Promise<NamespaceRun> {
  const shell = `${setup}\nexec "$NODE" "$SCRIPT" "$@"`;
  return new Promise((done, fail) => {
    const child = spawn(
      'unshare',
      [...UNSHARE, 'sh', '-euc', shell, 'sh', ...args],
      {
        env: { ...process.env, NODE: process.execPath, SCRIPT: script },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
