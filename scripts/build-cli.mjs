// Bundles the CLI into one CommonJS file, dist/cli/regcred.cjs. Docker runs
// a credential helper on every pull, so the CLI's start-up matters: one
// CommonJS file starts markedly faster than many ES modules (see bench/).
// The library (dist/index.js and its modules) is built by tsc alone.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/regcred.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // the bundle is CommonJS: modules that ask for import.meta.url get the
  // bundle's own file URL
  banner: {
    js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  define: { 'import.meta.url': 'importMetaUrl' },
  // less text to compile at each start; names stay readable in traces
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

// V8's code cache for the bundle, made by running it once
const cache = spawnSync(process.execPath, ['scripts/make-code-cache.cjs'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (cache.status !== 0) throw new Error('making the code cache failed');
