// Makes dist/cli/regcred.cjs.cache: V8's code cache for the CLI bundle,
// taken after a `get` from the file store has run, so the functions on
// that path are compiled in it. bin/regcred uses it when it fits. Run by
// bundle.mjs with stdout discarded.
'use strict';

const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Script } = require('node:vm');

const dir = join(__dirname, '..', 'dist', 'cli');
const file = join(dir, 'regcred.cjs');
const wrapped =
  '(function (exports, require, module, __filename, __dirname) {' +
  readFileSync(file, 'utf8') +
  '\n})';
const script = new Script(wrapped, { filename: file });
const cli = { exports: {} };
script.runInThisContext()(cli.exports, require, cli, file, dir);

const home = mkdtempSync(join(tmpdir(), 'regcred-cache-'));
writeFileSync(
  join(home, 'config.json'),
  JSON.stringify({ auths: { 'cache.example': { auth: 'dTpw' } } }),
);
const env = { PATH: '', HOME: home, DOCKER_CONFIG: home };
cli.exports
  .main(['get', 'cache.example/app'], env)
  .then(() => {
    writeFileSync(`${file}.cache`, script.createCachedData());
  })
  .finally(() => rmSync(home, { recursive: true, force: true }));
