// Configs and stores written by the real Docker CLI, read by regcred.
// `docker login` runs client-side here (no daemon), against a stand-in
// registry on loopback that accepts any credentials (an open registry).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findExecutable } from '../src/internal/find-executable.js';
import { runCli } from './support/cli.js';
import {
  createPassStore,
  PASS_UNAVAILABLE,
  type PassStore,
} from './support/pass-fixture.js';

const DOCKER = findExecutable('docker', {
  PATH: '/usr/local/bin:/usr/bin:/bin',
});
const SKIP =
  DOCKER === undefined
    ? 'docker CLI not on PATH: skipping Docker-written configs'
    : false;

let registry: Server;
let address: string;

before(async () => {
  registry = createServer((request, response) => {
    response.writeHead(request.url === '/v2/' ? 200 : 404).end('{}');
  });
  await new Promise<void>((done) => registry.listen(0, '127.0.0.1', done));
  address = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
});
after(() => registry.close());

// The registry runs in this process, so docker must run asynchronously.
async function dockerLogin(
  env: NodeJS.ProcessEnv,
  configDir: string,
  user: string,
  password: string,
): Promise<void> {
  const child = spawn(
    DOCKER ?? 'docker',
    ['--config', configDir, 'login', '-u', user, '--password-stdin', address],
    { env: { ...env, DOCKER_HOST: `unix://${configDir}/no-daemon.sock` } },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  child.stdin.end(password);
  const [status] = (await once(child, 'close')) as [number | null];
  assert.equal(status, 0, `docker login failed: ${stderr}`);
}

describe('a file-store config written by docker login', { skip: SKIP }, () => {
  test('get and list read what Docker wrote', async () => {
    const home = mkdtempSync(join(tmpdir(), 'regcred-dw-'));
    const configDir = join(home, 'docker');
    // a PATH without pass, so Docker stores in the file
    const env = { PATH: '/usr/local/bin', HOME: home };
    try {
      await dockerLogin(env, configDir, 'alice', 'pw:with:colons');
      assert.match(
        readFileSync(join(configDir, 'config.json'), 'utf8'),
        /"auth": "/,
      );
      const get = await runCli(
        ['--config', configDir, 'get', `${address}/team/app:1`],
        env,
      );
      assert.equal(
        get.stdout,
        `{"username":"alice","password":"pw:with:colons","serveraddress":"${address}"}\n`,
      );
      const list = await runCli(['list', '--json', '--config', configDir], env);
      const listed = JSON.parse(list.stdout) as { credentials: unknown[] };
      assert.deepEqual(listed.credentials, [
        {
          serverAddress: address,
          username: 'alice',
          identityToken: false,
          store: 'file',
        },
      ]);
      assert.doesNotMatch(list.stdout, /colons/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe(
  'a pass store written by docker login',
  { skip: SKIP || PASS_UNAVAILABLE },
  () => {
    let store: PassStore;
    before(async () => (store = await createPassStore()));
    after(() => store.cleanup());

    test("get reads through docker-credential-pass, Docker's default store", async () => {
      const configDir = join(store.dir, 'docker');
      await dockerLogin(store.env, configDir, 'bob', 's3cr:et');
      // Docker detected pass by itself and recorded it
      const written = JSON.parse(
        readFileSync(join(configDir, 'config.json'), 'utf8'),
      );
      assert.equal(written.credsStore, 'pass');
      assert.deepEqual(written.auths, { [address]: {} });

      const get = await runCli(
        ['get', `${address}/x`, '--config', configDir],
        store.env,
      );
      assert.equal(get.status, 0, get.stderr);
      assert.equal(
        get.stdout,
        `{"username":"bob","password":"s3cr:et","serveraddress":"${address}"}\n`,
      );
      const list = await runCli(['--config', configDir, 'list'], store.env);
      assert.match(
        list.stdout,
        new RegExp(`${address.replace(/\./g, '\\.')}\\s+bob\\s+pass`),
      );
    });
  },
);
