/**
 * A throwaway password store for the real `docker-credential-pass`
 * (Debian's golang-docker-credential-helpers): a temporary HOME, a GnuPG
 * home holding a fresh key without passphrase, and a store initialised
 * for it. Nothing outside the temporary directory is read or written.
 *
 * @example
 * ```ts
 * describe('pass', { skip: PASS_UNAVAILABLE }, () => {
 *   let store: PassStore;
 *   before(async () => (store = await createPassStore()));
 *   after(() => store.cleanup());
 *   it('...', () => helperList('pass', { env: store.env }));
 * });
 * ```
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '../../src/internal/find-executable.js';

const run = promisify(execFile);

/** Where the programs the fixture and the helper need are looked for. */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Programs that must exist for the real pass helper to be tested. */
const REQUIRED_PROGRAMS = ['docker-credential-pass', 'pass', 'gpg', 'gpgconf'];

/** The identity of the generated key; `.invalid` is never a real domain. */
const KEY_USER_ID = 'regcred test <test@regcred.invalid>';

/** A ready password store; see {@link createPassStore}. */
export interface PassStore {
  /** The whole environment to give helpers: PATH, HOME, GNUPGHOME and
   * PASSWORD_STORE_DIR, and nothing else (no DISPLAY, no GPG_TTY). */
  env: NodeJS.ProcessEnv;
  /** The temporary directory holding everything. */
  dir: string;
  /** PASSWORD_STORE_DIR. */
  storeDir: string;
  /** Stops the store's gpg-agent and removes the directory. */
  cleanup(): Promise<void>;
}

/**
 * Why the real pass helper cannot be tested here, or false when it can.
 * Pass it as a test's `skip` option, so the reason shows in the report.
 */
export const PASS_UNAVAILABLE: string | false = findUnavailable();

function findUnavailable(): string | false {
  const env = { PATH: SYSTEM_PATH };
  const missing = REQUIRED_PROGRAMS.filter(
    (program) => findExecutable(program, env) === undefined,
  );
  if (missing.length === 0) return false;
  return (
    `${missing.join(', ')} not installed; install Debian's pass, gnupg ` +
    'and golang-docker-credential-helpers to run these tests'
  );
}

/**
 * Creates a store: a temporary HOME, a GNUPGHOME (mode 0700) with a new
 * ed25519/cv25519 key that has no passphrase, and `pass init` for it.
 *
 * @throws {Error} when {@link PASS_UNAVAILABLE} says why it cannot.
 */
export async function createPassStore(): Promise<PassStore> {
  if (PASS_UNAVAILABLE !== false) throw new Error(PASS_UNAVAILABLE);
  const dir = await mkdtemp(join(tmpdir(), 'regcred-pass-'));
  const home = join(dir, 'home');
  const gnupgHome = join(dir, 'gnupg');
  const storeDir = join(dir, 'store');
  await mkdir(home, { mode: 0o700 });
  await mkdir(gnupgHome, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: helperPath(),
    HOME: home,
    GNUPGHOME: gnupgHome,
    PASSWORD_STORE_DIR: storeDir,
  };
  const cleanup = async (): Promise<void> => {
    await run('gpgconf', ['--kill', 'all'], { env }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const fingerprint = await generateKey(env);
    await run('pass', ['init', fingerprint], { env });
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { env, dir, storeDir, cleanup };
}

/** PATH with the helper's own directory first, then the system's. */
function helperPath(): string {
  const helper = findExecutable('docker-credential-pass', {
    PATH: SYSTEM_PATH,
  });
  const helperDir = helper === undefined ? undefined : dirname(helper);
  const dirs = SYSTEM_PATH.split(':').filter((dir) => dir !== helperDir);
  return [helperDir, ...dirs].filter(Boolean).join(':');
}

/** Generates a key without passphrase; returns its fingerprint. */
async function generateKey(env: NodeJS.ProcessEnv): Promise<string> {
  await run(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-gen-key',
      KEY_USER_ID,
      'future-default',
      'default',
      'never',
    ],
    { env },
  );
  const { stdout } = await run(
    'gpg',
    ['--batch', '--with-colons', '--list-secret-keys'],
    { env },
  );
  const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]+):/m.exec(stdout)?.[1];
  if (fingerprint === undefined) {
    throw new Error('gpg generated a key but listed no fingerprint for it');
  }
  return fingerprint;
}
