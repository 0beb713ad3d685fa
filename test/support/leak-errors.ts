/**
 * Preloaded into every test process by test/run.mjs (`--import`): the
 * message of each error a test expects with `assert.throws` or
 * `assert.rejects` (and of its causes) goes to the leak log, so that an
 * error the library throws in the test's own process is scanned like the
 * CLI's output. config.json and auth.json files written in the process
 * add their secrets to those in play.
 *
 * Errors a test catches some other way are not seen.
 *
 * @module
 */
import assert from 'node:assert';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import { isLeakLogOn, recordOutputs } from './leak-log.js';
import { registerTestSecret, secretsInAuthConfig } from './leak-secrets.js';

type Block = (...args: unknown[]) => unknown;

/** Records the messages of `error` and of its causes. */
function recordThrown(error: unknown): void {
  const messages: string[] = [];
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    messages.push(current.message);
    current = current.cause;
  }
  if (messages.length === 0) return;
  const text = messages.join('\n');
  recordOutputs(
    'library',
    ['(an error a test expected)'],
    [{ stream: 'error', text }],
  );
}

function observeRejection(promise: unknown): unknown {
  if (!isThenable(promise)) return promise;
  return Promise.resolve(promise).then(undefined, (error: unknown) => {
    recordThrown(error);
    throw error;
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function patchAssert(target: typeof assert): void {
  const { rejects, throws } = target;
  target.rejects = function (
    this: unknown,
    block: unknown,
    ...rest: unknown[]
  ) {
    const observed =
      typeof block === 'function'
        ? (...args: unknown[]) => observeRejection((block as Block)(...args))
        : observeRejection(block);
    return (rejects as (...args: unknown[]) => Promise<void>).call(
      this,
      observed,
      ...rest,
    );
  } as typeof rejects;
  target.throws = function (this: unknown, block: unknown, ...rest: unknown[]) {
    const observed = (...args: unknown[]) => {
      try {
        return (block as Block)(...args);
      } catch (error) {
        recordThrown(error);
        throw error;
      }
    };
    const given = typeof block === 'function' ? observed : block;
    return (throws as (...args: unknown[]) => void).call(this, given, ...rest);
  } as typeof throws;
}

/** Notes the secrets of a config.json or auth.json written here. */
function patchWrites(): void {
  const { writeFileSync } = fs;
  fs.writeFileSync = function (
    this: unknown,
    file: unknown,
    data: unknown,
    ...rest
  ) {
    noteConfig(file, data);
    return (writeFileSync as (...args: unknown[]) => void).call(
      this,
      file,
      data,
      ...rest,
    );
  } as typeof writeFileSync;
  const { writeFile } = fs.promises;
  fs.promises.writeFile = function (
    this: unknown,
    file: unknown,
    data: unknown,
    ...rest
  ) {
    noteConfig(file, data);
    return (writeFile as (...args: unknown[]) => Promise<void>).call(
      this,
      file,
      data,
      ...rest,
    );
  } as typeof writeFile;
}

function noteConfig(file: unknown, data: unknown): void {
  if (typeof file !== 'string' || typeof data !== 'string') return;
  const name = basename(file);
  if (name !== 'config.json' && name !== 'auth.json') return;
  for (const secret of secretsInAuthConfig(data, `${name} written`)) {
    registerTestSecret(secret.value, secret.user, secret.source);
  }
}

if (isLeakLogOn()) {
  patchAssert(assert);
  patchAssert(assert.strict);
  patchWrites();
  syncBuiltinESMExports();
}
