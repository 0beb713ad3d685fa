import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_HELPER_TIMEOUT_MS,
  MAX_TIMER_MS,
  parseTimeoutSeconds,
} from '../src/timeout.js';

test('parseTimeoutSeconds() reads seconds, rounding up to whole ms', () => {
  assert.equal(parseTimeoutSeconds('2'), 2_000);
  assert.equal(parseTimeoutSeconds('1e-9'), 1);
  assert.equal(parseTimeoutSeconds(undefined), DEFAULT_HELPER_TIMEOUT_MS);
  assert.equal(parseTimeoutSeconds(' '), DEFAULT_HELPER_TIMEOUT_MS);
});

test('parseTimeoutSeconds() holds a huge value at the longest timer', () => {
  for (const value of ['3000000', '1e9', '1e300']) {
    assert.equal(parseTimeoutSeconds(value), MAX_TIMER_MS);
  }
  // a timer of that length waits, and AbortSignal takes it
  const signal = AbortSignal.timeout(MAX_TIMER_MS);
  assert.equal(signal.aborted, false);
});

test('parseTimeoutSeconds() refuses what is not a positive number', () => {
  for (const value of ['0', '-1', 'NaN', 'Infinity', 'x']) {
    assert.throws(() => parseTimeoutSeconds(value, 'T'), /T must be a/);
  }
});
