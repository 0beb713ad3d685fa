/**
 * What every property test shares: how many inputs a property gets, the
 * time bounds, and the checks made on a failure (a typed error, a message
 * that names the problem, no raw control characters).
 *
 * REGCRED_PROPERTY_RUNS sets the inputs per property (default 10 000);
 * REGCRED_PROPERTY_SEED fixes the seed (default: a new one each run,
 * printed with any counterexample so that it can be replayed).
 *
 * @module
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RegcredError, type ErrorCode } from '../../../src/errors.js';

/** Inputs per property. */
export const RUNS = readInteger('REGCRED_PROPERTY_RUNS', 10_000);

/** The seed, when one is fixed; fast-check picks one otherwise. */
const SEED = process.env.REGCRED_PROPERTY_SEED;

/**
 * The longest one input may take. Far above what any parser here needs
 * (well under a millisecond); a catastrophic regular expression or a
 * quadratic loop on a long input goes far past it. Synchronous inputs are
 * timed in CPU time, so that a busy machine does not fail them.
 */
export const INPUT_TIME_LIMIT_MS = 1_000;

/** The longest one input may wait, in wall time, on servers and such. */
export const WAIT_TIME_LIMIT_MS = 10_000;

/**
 * The longest a whole property may run; reaching it is a failure, so
 * that a property that slows down shows instead of running fewer inputs.
 */
const PROPERTY_TIME_LIMIT_MS = 120_000;

// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARACTER_REGEXP = /[\u0000-\u001f\u007f-\u009f]/;

/** The fast-check parameters every property here runs with. */
export function runParameters(runs = RUNS): fc.Parameters<unknown> {
  return {
    numRuns: runs,
    includeErrorInReport: true,
    ...(SEED === undefined ? {} : { seed: Number(SEED) }),
    plugins: [
      fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS, {
        failOnInterrupt: true,
      }),
    ],
  };
}

/**
 * Checks a synchronous property over `RUNS` inputs, each input bounded
 * by {@link INPUT_TIME_LIMIT_MS}.
 */
export function checkProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => void,
  runs = RUNS,
): void {
  fc.assert(
    fc.property(arbitrary, (value) => {
      const started = process.cpuUsage();
      predicate(value);
      const { user, system } = process.cpuUsage(started);
      assertWithin((user + system) / 1000, INPUT_TIME_LIMIT_MS, 'CPU ');
    }),
    runParameters(runs) as fc.Parameters<[T]>,
  );
}

/**
 * The asynchronous twin of {@link checkProperty}. An input may also wait
 * on a server or a child process: its wall time is bounded separately.
 */
export async function checkAsyncProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  runs = RUNS,
  wallTimeLimitMs = WAIT_TIME_LIMIT_MS,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      const started = performance.now();
      const startedCpu = process.cpuUsage();
      await predicate(value);
      const { user, system } = process.cpuUsage(startedCpu);
      assertWithin((user + system) / 1000, INPUT_TIME_LIMIT_MS, 'CPU ');
      assertWithin(performance.now() - started, wallTimeLimitMs, '');
    }),
    runParameters(runs) as fc.Parameters<[T]>,
  );
}

function assertWithin(tookMs: number, limitMs: number, kind: string): void {
  assert.ok(
    tookMs < limitMs,
    `one input took ${tookMs.toFixed(0)} ms ${kind}(limit ${limitMs} ms)`,
  );
}

/**
 * Runs `parse`; returns its result, or undefined after checking that it
 * failed with one of regcred's typed errors, of one of `codes`, whose
 * message names the problem (matches `names`).
 */
export function resultOrTypedError<T>(
  parse: () => T,
  codes: readonly ErrorCode[],
  names: RegExp,
): T | undefined {
  try {
    return parse();
  } catch (error) {
    assertTypedError(error, codes, names);
    return undefined;
  }
}

/** Asserts that `error` is a typed regcred error fit to show a user. */
export function assertTypedError(
  error: unknown,
  codes: readonly ErrorCode[],
  names: RegExp,
): asserts error is RegcredError {
  if (!(error instanceof RegcredError)) throw error;
  assert.ok(codes.includes(error.code), `unexpected code ${error.code}`);
  assertShowable(error.message, names);
}

/**
 * Asserts that a message can be shown as it is: not empty, naming the
 * problem (matching `names`), and free of raw control characters.
 */
export function assertShowable(message: string, names: RegExp): void {
  assert.ok(message.trim() !== '', 'the message is empty');
  assert.match(message, names);
  assertNoControlCharacters(message);
}

/** Asserts that `text` holds no C0 or C1 control character, nor DEL. */
export function assertNoControlCharacters(text: string): void {
  const found = CONTROL_CHARACTER_REGEXP.exec(text);
  assert.equal(
    found,
    null,
    `raw control character U+${found?.[0].charCodeAt(0).toString(16)} ` +
      `in ${JSON.stringify(text.slice(0, 300))}`,
  );
}

function readInteger(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`${name} must be a positive integer, got '${value}'`);
  }
  return parsed;
}
