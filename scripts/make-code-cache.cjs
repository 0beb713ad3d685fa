// Makes the V8 code caches bin/regcred uses when they fit:
// - dist/cli/regcred.cjs.cache, taken after a `get` from the file store
//   has run, so the functions on that path are compiled in it;
// - dist/cli/helper.cjs.cache, taken after docker-credential-regcred has
//   answered a `get` from DOCKER_AUTH_CONFIG;
// - dist/cli/vendor.cjs.cache, taken after undici and proper-lockfile
//   have been loaded and an HTTP agent made.
// Run by bundle.mjs with stdout discarded.
'use strict';

const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { runCompiled } = require('../bin/compiled-script.cjs');

const dir = join(__dirname, '..', 'dist', 'cli');

function saveCache(file, script) {
  writeFileSync(`${file}.cache`, script.createCachedData());
}

async function cacheCli() {
  const file = join(dir, 'regcred.cjs');
  const { exports: cli, script } = runCompiled(file, require, false);
  const home = mkdtempSync(join(tmpdir(), 'regcred-cache-'));
  try {
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ auths: { 'cache.example': { auth: 'dTpw' } } }),
    );
    const env = { PATH: '', HOME: home, DOCKER_CONFIG: home };
    await cli.main(['get', 'cache.example/app'], env);
    saveCache(file, script);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function cacheHelper() {
  const file = join(dir, 'helper.cjs');
  const { exports: helper, script } = runCompiled(file, require, false);
  const env = {
    DOCKER_AUTH_CONFIG: JSON.stringify({
      auths: { 'cache.example': { auth: 'dTpw' } },
    }),
  };
  const stdout = { write() {} };
  await helper.main(['get'], env, { stdin: 'cache.example', stdout });
  await helper.main(['list'], env, { stdin: 'unused', stdout });
  saveCache(file, script);
}

async function cacheVendor() {
  const file = join(dir, 'vendor.cjs');
  const { exports: vendor, script } = runCompiled(file, require, false);
  const { Agent } = vendor.undici;
  await new Agent({ connections: 1 }).close();
  void vendor['proper-lockfile'].lock;
  saveCache(file, script);
}

cacheCli()
  .then(cacheHelper)
  .then(cacheVendor)
  .catch((error) => {
    process.exitCode = 1;
    throw error;
  });
