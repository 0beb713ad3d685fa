// Runs a CommonJS bundle of dist/cli/ the way Node runs a module, but
// compiled with the V8 code cache saved beside it (FILE.cache) when that
// cache fits this Node.js: the CLI then skips most of its compiling.
'use strict';

const { isAscii } = require('node:buffer');
const { readFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

/**
 * The text of `file`. An ASCII file, as the bundles are, becomes a
 * one-byte string, which V8 makes faster than it decodes UTF-8.
 */
function readSource(file) {
  const bytes = readFileSync(file);
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * Compiles and runs `file` as a CommonJS module, with `requireFn` as its
 * `require`.
 *
 * @returns {{ exports: any, script: Script }} its exports, and the script
 *   (for making a code cache).
 */
function runCompiled(file, requireFn, useCache = true) {
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(`${file}.cache`);
    } catch {
      // no cache: compile without one
    }
  }
  const wrapped =
    '(function (exports, require, module, __filename, __dirname) {' +
    readSource(file) +
    '\n})';
  const script = new Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  const run = script.runInThisContext();
  run(module.exports, requireFn, module, file, dirname(file));
  return { exports: module.exports, script };
}

module.exports = { runCompiled };
