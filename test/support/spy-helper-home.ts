/**
 * A throwaway home for running the real Docker CLI as a reference parser:
 * its config's credsStore is a spy helper that writes the key Docker asked
 * for to $SPY_KEY_FILE and answers "not found".
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes HOME with `config/config.json` and `bin/docker-credential-spy`;
 * the caller removes it. */
export function makeSpyHome(prefix: string): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(home, 'bin'));
  mkdirSync(join(home, 'config'));
  writeFileSync(
    join(home, 'config', 'config.json'),
    '{"auths":{"x":{}},"credsStore":"spy"}',
  );
  const helper = join(home, 'bin', 'docker-credential-spy');
  writeFileSync(
    helper,
    '#!/bin/sh\nPATH=/usr/bin:/bin\ncat > "$SPY_KEY_FILE"\n' +
      'echo "credentials not found in native keychain"\nexit 1\n',
  );
  chmodSync(helper, 0o755);
  return home;
}
