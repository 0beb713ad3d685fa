/**
 * The helper timeout setting, in seconds on the command line and in
 * `REGCRED_HELPER_TIMEOUT`, in milliseconds inside.
 *
 * @module
 */
import { UsageError } from './errors.js';

/** How long a helper may take by default, in milliseconds. */
export const DEFAULT_HELPER_TIMEOUT_MS = 30_000;

/** How long a stopped helper gets between SIGTERM and SIGKILL. */
export const HELPER_KILL_GRACE_MS = 1_000;

/** The longest delay a timer honours (about 24.8 days); longer ones fire
 * at once, and AbortSignal.timeout refuses them. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads a timeout given in seconds; undefined or empty means the default.
 *
 * @throws {UsageError} when the value is not a positive number of seconds.
 */
export function parseTimeoutSeconds(
  value: string | undefined,
  name = 'REGCRED_HELPER_TIMEOUT',
): number {
  if (value === undefined || value.trim() === '') {
    return DEFAULT_HELPER_TIMEOUT_MS;
  }
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(
      `${name} must be a positive number of seconds, found '${value}'`,
    );
  }
  // round up, so a tiny positive value still gives a timer of 1 ms; a
  // longer wait than a timer can hold is as good as none
  return Math.min(Math.ceil(seconds * 1000), MAX_TIMER_MS);
}

/**
 * Checks a timeout given in milliseconds by a program.
 *
 * @throws {UsageError} when it is not a positive number.
 */
export function checkTimeoutMs(value: number, name: string): number {
  if (!(value > 0)) {
    throw new UsageError(
      `${name} must be a positive number of milliseconds, found ${value}`,
    );
  }
  return Math.min(value, MAX_TIMER_MS);
}
