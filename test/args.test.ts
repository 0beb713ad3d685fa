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

test('parseCommandLine() reads login options, short and long', () => {
  const line = parseCommandLine([
    'login',
    '-u',
    'alice',
    '--password-stdin',
    '--certs-dir',
    '/certs',
    'registry.example:5000',
  ]);
  assert.equal(line.command, 'login');
  assert.equal(line.options.username, 'alice');
  assert.equal(line.options['password-stdin'], true);
  assert.equal(line.options['certs-dir'], '/certs');
  assert.equal(line.options.password, undefined);
  assert.deepEqual(line.positionals, ['registry.example:5000']);
});

test('parseCommandLine() keeps an empty -u or -p value for login to refuse', () => {
  const line = parseCommandLine(['login', '-u', '', '--password=']);
  assert.equal(line.options.username, '');
  assert.equal(line.options.password, '');
});

test('parseCommandLine() accepts global options around login and logout', () => {
  const login = parseCommandLine([
    '--config',
    '/c',
    'login',
    '--username=bob',
    '--helper-timeout',
    '5',
    'h',
    '--debug',
  ]);
  assert.equal(login.command, 'login');
  assert.equal(login.global.config, '/c');
  assert.equal(login.global.helperTimeout, '5');
  assert.equal(login.global.debug, true);
  assert.equal(login.options.username, 'bob');
  assert.deepEqual(login.positionals, ['h']);

  const logout = parseCommandLine(['logout', '--all', '--config=/d']);
  assert.equal(logout.command, 'logout');
  assert.equal(logout.options.all, true);
  assert.equal(logout.global.config, '/d');
});

test('parseCommandLine() rejects login options before the command or elsewhere', () => {
  assert.throws(
    () => parseCommandLine(['--password-stdin', 'login']),
    /put it after the command name/,
  );
  assert.throws(() => parseCommandLine(['logout', '-u', 'x']), UsageError);
  assert.throws(
    () => parseCommandLine(['get', '--all']),
    /it is an option of 'logout'/,
  );
  assert.throws(() => parseCommandLine(['login', '--username']), UsageError);
});

test('a missing value names the option without a stray comma', () => {
  assert.throws(
    () => parseCommandLine(['login', '-u', 'alice', '-p']),
    (error: Error) => /The option '-p' needs a value/.test(error.message),
  );
});
