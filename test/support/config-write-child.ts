/**
 * A writer process for the config-update tests: adds `auths` entries to a
 * config.json through updateConfigFile, as a concurrent login would.
 *
 * Usage: node config-write-child.js CONFIG_PATH once KEY
 *        node config-write-child.js CONFIG_PATH count KEY
 *        node config-write-child.js CONFIG_PATH hold KEY
 * `once` adds KEY and exits. `count` waits for a
 * line on stdin (so that it can be started ahead of time), then keeps a
 * counter in KEY's password and raises it until killed, printing
 * "begin N" as it decides to write N and "done N" once N is written. `hold` takes the
 * lock, prints "holding" and waits under it until killed.
 */
import { once } from 'node:events';
import { updateConfigFile } from '../../src/config/config-update.js';
import type { ConfigFile } from '../../src/config/config-file.js';

const [path, mode, name] = process.argv.slice(2);
if (path === undefined || name === undefined) {
  throw new Error('usage: config-write-child.js PATH once|count|hold NAME');
}

/** Adds one entry; the credentials are made up, the same for every key. */
function addEntry(configPath: string, key: string): Promise<unknown> {
  return updateConfigFile(configPath, () => ({
    auths: new Map([[key, { username: 'writer', password: key }]]),
  }));
}

/** The counter KEY's entry holds, or 0 when there is none. */
function counterOf(config: ConfigFile, key: string): number {
  const auth = config.auths.get(key)?.auth ?? '';
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  return Number(decoded.split(':')[1] ?? 0);
}

async function count(configPath: string, key: string): Promise<never> {
  await import('proper-lockfile'); // loaded on the first write otherwise
  // a test that stops early closes stdin without a word: nothing to do
  let told = false;
  process.stdin.once('data', () => (told = true));
  process.stdin.once('end', () => told || process.exit(0));
  await once(process.stdin, 'data');
  for (;;) {
    let next = 0;
    await updateConfigFile(configPath, (current) => {
      next = counterOf(current, key) + 1;
      process.stdout.write(`begin ${next}\n`);
      return {
        auths: new Map([[key, { username: 'writer', password: `${next}` }]]),
      };
    });
    process.stdout.write(`done ${next}\n`);
  }
}

async function hold(configPath: string): Promise<void> {
  await updateConfigFile(configPath, () => {
    process.stdout.write('holding\n');
    // blocks the event loop, so the lock is not refreshed either: as
    // after a SIGKILL, its age alone tells it was abandoned
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    return undefined;
  });
}

if (mode === 'once') {
  await addEntry(path, name);
} else if (mode === 'count') {
  await count(path, name);
} else if (mode === 'hold') {
  await hold(path);
} else {
  throw new Error(`unknown mode '${mode}'`);
}
