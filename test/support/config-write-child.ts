/**
 * A writer process for the config-update tests: adds `auths` entries to a
 * config.json through updateConfigFile, as a concurrent login would.
 *
 * Usage: node config-write-child.js CONFIG_PATH once KEY
 *        node config-write-child.js CONFIG_PATH loop PREFIX
 * `once` adds KEY and exits. `loop` adds PREFIX-0, PREFIX-1, ... until
 * killed, printing "ready" after the first one.
 */
import { updateConfigFile } from '../../src/config/config-update.js';

const [path, mode, name] = process.argv.slice(2);
if (path === undefined || name === undefined) {
  throw new Error('usage: config-write-child.js PATH once|loop NAME');
}

/** Adds one entry; the credentials are made up, the same for every key. */
function addEntry(configPath: string, key: string): Promise<unknown> {
  return updateConfigFile(configPath, () => ({
    auths: new Map([[key, { username: 'writer', password: key }]]),
  }));
}

if (mode === 'once') {
  await addEntry(path, name);
} else {
  for (let index = 0; ; index++) {
    await addEntry(path, `${name}-${index}`);
    if (index === 0) process.stdout.write('ready\n');
  }
}
