// The bundles esbuild makes after tsc has built the ES modules of dist/:
// - dist/cli/regcred.cjs, the CLI in one CommonJS file. Docker runs a
//   credential helper on every pull, so the CLI's start-up matters: one
//   CommonJS file starts markedly faster than many ES modules (see bench/);
// - dist/index.cjs, the library for CommonJS programs (`require('regcred')`);
// - dist/cli/helper.cjs, docker-credential-regcred alone: Docker runs it
//   on every pull, so it carries only the helper's own modules;
// - dist/cli/vendor.cjs, undici and proper-lockfile for the CLI's login and
//   logout, apart so that the other commands never read them.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // the bundles are CommonJS: modules that ask for import.meta.url get
  // their bundle's own file URL, made when first asked for (few runs do)
  banner: {
    js:
      'const importMeta = { get url() { ' +
      "return require('node:url').pathToFileURL(__filename).href; } };",
  },
  define: { 'import.meta.url': 'importMeta.url' },
  // ASCII (esbuild escapes the rest of the code, not licence comments, so
  // vendor.cjs stays UTF-8): bin/compiled-script.cjs then reads an ASCII
  // bundle as one-byte text, V8's fastest
  charset: 'ascii',
  // less text to compile at each start; names stay readable in traces
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // only login and logout need these; left out of the bundle, they are
  // loaded from node_modules when those commands run, so the start-up of
  // the helper-facing commands does not pay for them
  external: ['undici', 'proper-lockfile'],
  // bin/regcred runs the bundle in a vm.Script, where import() has no
  // loader; a dynamic import of those externals must become a require
  supported: { 'dynamic-import': false },
};

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/regcred.cjs',
});
await build({
  ...common,
  entryPoints: ['src/helper/regcred-helper.ts'],
  outfile: 'dist/cli/helper.cjs',
});
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.cjs',
});
// undici and proper-lockfile for the CLI, precompiled apart (see
// vendor-entry.cjs)
await build({
  ...common,
  external: [],
  entryPoints: ['scripts/vendor-entry.cjs'],
  outfile: 'dist/cli/vendor.cjs',
});

// V8's code caches for the bundles, made by running them once
const cache = spawnSync(process.execPath, ['scripts/make-code-cache.cjs'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (cache.status !== 0) throw new Error('making the code cache failed');
