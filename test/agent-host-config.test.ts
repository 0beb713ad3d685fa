import assert from 'node:assert/strict';
import {
  mkdtempSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { HostConfig, SETTLE_MS } from '../src/agent/host-config.js';
import { CredentialResolver } from '../src/resolver.js';

const REGISTRY = 'registry.test';
const AN_HOUR_AGO = new Date(Date.now() - 3_600_000);

let dir: string;
let file: string;

/**
 * Writes config.json with one file-store entry, its mtime an hour ago (so
 * an mtime alone cannot tell versions apart; ctime is now).
 */
function writeConfig(password: string, path = file): void {
  const auth = Buffer.from(`alice:${password}`).toString('base64');
  writeFileSync(path, JSON.stringify({ auths: { [REGISTRY]: { auth } } }));
  utimesSync(path, AN_HOUR_AGO, AN_HOUR_AGO);
}

/** A HostConfig; settleMs 0 trusts even a file changed just now. */
function hostConfig(settleMs = 0): HostConfig {
  const resolver = new CredentialResolver({
    env: { PATH: '/nonexistent' },
    configDir: dir,
  });
  return new HostConfig(resolver, settleMs);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regcred-host-config-'));
  file = join(dir, 'config.json');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('HostConfig', () => {
  test('reads config.json once for requests while it is unchanged', async (t) => {
    writeConfig('one');
    const resolver = new CredentialResolver({
      env: { PATH: '/nonexistent' },
      configDir: dir,
    });
    const loads = t.mock.method(resolver, 'loadContext');
    const host = new HostConfig(resolver, 0);
    await host.resolveKey(REGISTRY);
    await host.resolveKey(REGISTRY);
    await host.resolveKey('other.test');
    assert.equal(loads.mock.callCount(), 1);
  });

  test('reuses the parsed config while the file is unchanged', async () => {
    writeConfig('one');
    const host = hostConfig();
    await host.resolveKey(REGISTRY);
    const first = await host.resolveKey(REGISTRY);
    const second = await host.resolveKey(REGISTRY);
    assert.equal(second, first);
    assert.equal(second.authConfig.password, 'one');
  });

  test('sees a rewrite in place with the same size and mtime', async () => {
    writeConfig('one');
    const host = hostConfig();
    await host.resolveKey(REGISTRY);
    await host.resolveKey(REGISTRY);
    // past the file system's timestamp tick, so ctime differs
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeConfig('two');
    const after = await host.resolveKey(REGISTRY);
    assert.equal(after.authConfig.password, 'two');
  });

  test('sees a new file renamed over the old one', async () => {
    writeConfig('one');
    const host = hostConfig();
    await host.resolveKey(REGISTRY);
    await host.resolveKey(REGISTRY);
    writeConfig('three', join(dir, 'config.json.new'));
    renameSync(join(dir, 'config.json.new'), file);
    const after = await host.resolveKey(REGISTRY);
    assert.equal(after.authConfig.password, 'three');
  });

  test('sees a config that appears and one that goes away', async () => {
    const host = hostConfig();
    await host.resolveKey(REGISTRY);
    assert.equal(
      (await host.resolveKey(REGISTRY)).authConfig.password,
      undefined,
    );
    writeConfig('four');
    assert.equal((await host.resolveKey(REGISTRY)).authConfig.password, 'four');
    rmSync(file);
    assert.equal(
      (await host.resolveKey(REGISTRY)).authConfig.password,
      undefined,
    );
  });

  test('reads a just-written file again on every request', async () => {
    writeFileSync(file, JSON.stringify({ auths: {} }));
    const host = hostConfig(SETTLE_MS);
    await host.resolveKey(REGISTRY);
    const first = await host.resolveKey(REGISTRY);
    const second = await host.resolveKey(REGISTRY);
    assert.notEqual(second, first);
  });
});
