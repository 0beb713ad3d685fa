// serveCredentialHelper with the real Docker CLI as its client: `docker
// login` stores through a helper built on it, and `docker logout` erases
// through it. Docker logs in client-side here (no daemon), against a
// stand-in registry on 127.0.0.1 that accepts any credentials.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { findDocker28 } from './support/docker.js';

const DOCKER = findDocker28();
const SKIP =
  DOCKER === undefined ? 'Docker CLI 28 not on PATH: skipping' : false;

/** The compiled library the fake helper is built on. */
const SERVE_MODULE = pathToFileURL(resolve('build/src/helper/serve.js')).href;

/**
 * A helper over a JSON file, `{"entries":{URL:{username,secret}},
 * "calls":["ACTION URL",…]}`, served by serveCredentialHelper.
 */
const FAKE_HELPER = `
import { readFileSync, writeFileSync } from 'node:fs';
import { serveCredentialHelper } from ${JSON.stringify(SERVE_MODULE)};

const file = process.env.TSFAKE_STORE;
const load = () => JSON.parse(readFileSync(file, 'utf8'));
const save = (data) => writeFileSync(file, JSON.stringify(data));
const record = (call) => {
  const data = load();
  data.calls.push(call);
  save(data);
  return data;
};
process.exitCode = await serveCredentialHelper(
  {
    async get(serverURL) {
      return record('get ' + serverURL).entries[serverURL];
    },
    async store(serverURL, credentials) {
      const data = record('store ' + serverURL);
      data.entries[serverURL] = credentials;
      save(data);
    },
    async erase(serverURL) {
      const data = record('erase ' + serverURL);
      const found = serverURL in data.entries;
      delete data.entries[serverURL];
      save(data);
      return found;
    },
    async list() {
      const listing = {};
      for (const [key, value] of Object.entries(load().entries)) {
        listing[key] = value.username;
      }
      return listing;
    },
  },
  { name: 'docker-credential-tsfake', version: '1.0.0' },
);
`;

interface StoreFile {
  entries: Record<string, { username: string; secret: string }>;
  calls: string[];
}

describe(
  'a helper built on serveCredentialHelper, used by docker',
  {
    skip: SKIP,
  },
  () => {
    let registry: Server;
    let address: string;
    let sandbox: string;
    let configDir: string;
    let storeFile: string;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      registry = createServer((request, response) => {
        response.writeHead(request.url === '/v2/' ? 200 : 404).end('{}');
      });
      await new Promise<void>((done) => registry.listen(0, '127.0.0.1', done));
      address = `127.0.0.1:${(registry.address() as AddressInfo).port}`;

      sandbox = mkdtempSync(join(tmpdir(), 'regcred-helper-docker-'));
      configDir = join(sandbox, 'docker');
      const binDir = join(sandbox, 'bin');
      mkdirSync(configDir);
      mkdirSync(binDir);
      writeFileSync(
        join(configDir, 'config.json'),
        JSON.stringify({ credsStore: 'tsfake' }),
      );
      storeFile = join(sandbox, 'store.json');
      writeFileSync(storeFile, JSON.stringify({ entries: {}, calls: [] }));
      const script = join(sandbox, 'tsfake.mjs');
      writeFileSync(script, FAKE_HELPER);
      const helper = join(binDir, 'docker-credential-tsfake');
      writeFileSync(
        helper,
        `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`,
      );
      chmodSync(helper, 0o755);
      env = {
        PATH: `${binDir}:${dirname(DOCKER ?? '/')}`,
        HOME: sandbox,
        TSFAKE_STORE: storeFile,
        // no daemon: docker logs in client-side
        DOCKER_HOST: `unix://${join(sandbox, 'no-daemon.sock')}`,
      };
    });
    after(() => {
      registry?.close();
      if (sandbox !== undefined)
        rmSync(sandbox, { recursive: true, force: true });
    });

    // the registry runs in this process, so docker must run asynchronously
    async function docker(
      args: string[],
      input = '',
    ): Promise<{ status: number | null; output: string }> {
      const child = spawn(
        DOCKER ?? 'docker',
        ['--config', configDir, ...args],
        { env },
      );
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
      child.stdin.end(input);
      const [status] = (await once(child, 'close')) as [number | null];
      return { status, output };
    }

    async function dockerOk(args: string[], input = ''): Promise<void> {
      const { status, output } = await docker(args, input);
      assert.equal(status, 0, `docker ${args.join(' ')} failed: ${output}`);
    }

    const readStore = (): StoreFile =>
      JSON.parse(readFileSync(storeFile, 'utf8')) as StoreFile;

    test('docker login stores, reads back and logout erases', async () => {
      await dockerOk(
        ['login', '-u', 'alice', '--password-stdin', address],
        'pw"<with>&\\odd:chars\n',
      );
      assert.deepEqual(readStore().entries, {
        [address]: { username: 'alice', secret: 'pw"<with>&\\odd:chars' },
      });

      // without -u, docker reads the stored credentials back with `get`;
      // checking them would then need a daemon, and there is none
      const again = await docker(['login', address]);
      assert.match(again.output, /existing credentials.*\[Username: alice\]/);
      assert.ok(readStore().calls.includes(`get ${address}`));

      await dockerOk(['logout', address]);
      const after = readStore();
      assert.deepEqual(after.entries, {});
      assert.ok(after.calls.includes(`erase ${address}`));
    });
  },
);
