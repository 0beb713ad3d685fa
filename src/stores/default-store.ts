/**
 * The credential store Docker picks by itself when config.json names none.
 *
 * @module
 */
import { findExecutable } from '../internal/find-executable.js';

/** What the platform-default detection found, for `explain`. */
export interface DefaultStoreDetection {
  /** The helper name chosen, or '' when none. */
  helper: string;
  /** The helper Docker's platform rule points at, even if not installed. */
  candidate: string;
  /** Why, in words. */
  reason: string;
}

/**
 * Runs Docker's detection of a platform-default store. Docker runs it only
 * when config.json has no `credsStore`, no `credHelpers` and no `auths`
 * entry at all (one empty entry turns it off); the caller checks that.
 *
 * On Linux the candidate is `pass` when a `pass` program is on PATH, else
 * `secretservice`; on macOS `osxkeychain`; on Windows `wincred`. The
 * candidate is used only if `docker-credential-<candidate>` is on PATH;
 * there is no second choice.
 */
export function detectDefaultStore(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): DefaultStoreDetection {
  const candidate = platformCandidate(env, platform);
  if (candidate === '') {
    return { helper: '', candidate, reason: `no default store on ${platform}` };
  }
  const program = `docker-credential-${candidate}`;
  if (findExecutable(program, env) === undefined) {
    return {
      helper: '',
      candidate,
      reason: `the platform default '${candidate}' applies but ${program} is not on PATH`,
    };
  }
  return {
    helper: candidate,
    candidate,
    reason:
      candidate === 'pass'
        ? `'pass' and ${program} are on PATH`
        : `${program} is on PATH`,
  };
}

function platformCandidate(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): string {
  switch (platform) {
    case 'darwin':
      return 'osxkeychain';
    case 'win32':
      return 'wincred';
    case 'linux':
      return findExecutable('pass', env) === undefined
        ? 'secretservice'
        : 'pass';
    default:
      return '';
  }
}
