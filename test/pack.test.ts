import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// Installs what `npm pack` produces into a scratch project, as a user of
// the published package would, then runs the CLI and the library from it.
test('the packed package works as a CLI and as a library', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'regcred-pack-'));
  try {
    const npm = (args: string[], cwd: string) =>
      execFileSync('npm', args, {
        cwd,
        encoding: 'utf8',
        env: {
          ...process.env,
          npm_config_audit: 'false',
          npm_config_fund: 'false',
        },
      });
    // dist/ is already built by the test command; skip the prepare script
    const packed = JSON.parse(
      npm(
        ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch],
        process.cwd(),
      ),
    ) as { filename: string; files: { path: string }[] }[];
    const manifest = packed[0];
    assert.ok(manifest);
    const paths = manifest.files.map((file) => file.path);
    assert.ok(paths.includes('bin/regcred'));
    assert.ok(paths.includes('dist/index.d.ts'));
    assert.ok(
      !paths.some(
        (path) => path.startsWith('src/') || path.startsWith('test/'),
      ),
    );

    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      '{"name":"scratch","type":"module"}',
    );
    npm(
      [
        'install',
        '--offline',
        '--ignore-scripts',
        join(scratch, manifest.filename),
      ],
      project,
    );

    const configDir = join(scratch, 'docker');
    mkdirSync(configDir);
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify({ auths: { 'pack.example': { auth: 'dTpw' } } }),
    );
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: scratch,
      DOCKER_CONFIG: configDir,
    };
    const bin = join(project, 'node_modules', '.bin', 'regcred');
    const cli = execFileSync(bin, ['get', 'pack.example/app'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(
      cli,
      '{"username":"u","password":"p","serveraddress":"pack.example"}\n',
    );

    const script = join(project, 'use.mjs');
    writeFileSync(
      script,
      "import { getCredentials, encodeRegistryAuthHeader } from 'regcred';\n" +
        "const auth = await getCredentials('pack.example/app');\n" +
        'console.log(encodeRegistryAuthHeader(auth));\n',
    );
    const lib = execFileSync(process.execPath, [script], {
      env,
      encoding: 'utf8',
      cwd: project,
    });
    assert.equal(
      lib.trim(),
      Buffer.from(
        '{"username":"u","password":"p","serveraddress":"pack.example"}',
      )
        .toString('base64')
        .replace(/\+/g, '-')
        .replace(/\//g, '_'),
    );

    const cjs = join(project, 'use.cjs');
    writeFileSync(
      cjs,
      "const { getCredentials } = require('regcred');\n" +
        "getCredentials('pack.example/app').then((auth) => console.log(auth.username));\n",
    );
    const required = execFileSync(process.execPath, [cjs], {
      env,
      encoding: 'utf8',
      cwd: project,
    });
    assert.equal(required.trim(), 'u');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
