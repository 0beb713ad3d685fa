import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine } from '../src/cli/args.js';
import { UsageError } from '../src/errors.js';

test('parseCommandLine() accepts global options before the command name', () => {
  const line = parseCommandLine(['--config', '/c', '--debug', 'get', 'alpine']);
  assert.equal(line.command, 'get');
  assert.equal(line.global.config, '/c');
  assert.equal(line.global.debug, true);
  assert.deepEqual(line.positionals, ['alpine']);
});

test('parseCommandLine() accepts global options after the command name', () => {
  const line = parseCommandLine([
    'get',
    'alpine',
    '--helper-timeout=3',
    '--config',
    '/c',
  ]);
  assert.equal(line.global.helperTimeout, '3');
  assert.equal(line.global.config, '/c');
  assert.deepEqual(line.positionals, ['alpine']);
});

test('parseCommandLine() reads command options after the command name', () => {
  const line = parseCommandLine(['list', '--json', '--strict']);
  assert.equal(line.options.json, true);
  assert.equal(line.options.strict, true);
});

test('parseCommandLine() rejects a command option before the command name', () => {
  assert.throws(() => parseCommandLine(['--json', 'list']), UsageError);
});

test('parseCommandLine() rejects unknown commands and options', () => {
  assert.throws(() => parseCommandLine(['fetch']), /Unknown command 'fetch'/);
  assert.throws(() => parseCommandLine(['get', '--bogus']), UsageError);
  assert.throws(
    () => parseCommandLine(['list', '--registry', 'x']),
    UsageError,
  );
});

test('parseCommandLine() reports a missing option value', () => {
  assert.throws(() => parseCommandLine(['get', '--registry']), UsageError);
});

test('parseCommandLine() treats the value of --config as a value, not a command', () => {
  const line = parseCommandLine(['--config', 'list', 'get', 'x']);
  assert.equal(line.command, 'get');
  assert.equal(line.global.config, 'list');
});
