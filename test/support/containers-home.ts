/**
 * A throwaway home laid out for containers/image (podman, skopeo) and
 * Docker at once: XDG folders, Docker's folder, an empty user
 * registries.conf (so the machine's is never read) and a PATH holding
 * only a helper folder and `cat`, so that no store is detected.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeFakeHelper } from './fake-helper.js';

export interface ContainersHome {
  dir: string;
  /** HOME, PATH, XDG_RUNTIME_DIR and XDG_CONFIG_HOME of this home. */
  env: NodeJS.ProcessEnv;
  binDir: string;
  runtimeFile: string;
  configFile: string;
  dockerFile: string;
  legacyFile: string;
  /** `~/.config/containers/registries.conf`, empty at first. */
  registriesConf: string;
  /** Stands for /etc/containers. */
  systemDir: string;
  /** Writes a file (an object as JSON), making its folders, mode 0600. */
  write(path: string, content: unknown): void;
  /** Writes an executable `docker-credential-NAME` shell script. */
  writeHelper(name: string, script: string): void;
}

/** Makes the home under the temp folder; the caller removes `dir`. */
export function makeContainersHome(prefix: string): ContainersHome {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const binDir = join(dir, 'bin');
  const toolsDir = join(dir, 'tools');
  for (const sub of [binDir, toolsDir, join(dir, 'run'), join(dir, 'etc')]) {
    mkdirSync(sub);
  }
  symlinkSync('/usr/bin/cat', join(toolsDir, 'cat'));
  const registriesConf = join(dir, '.config', 'containers', 'registries.conf');
  mkdirSync(dirname(registriesConf), { recursive: true });
  writeFileSync(registriesConf, '');
  return {
    dir,
    env: {
      HOME: dir,
      PATH: `${binDir}:${toolsDir}`,
      XDG_RUNTIME_DIR: join(dir, 'run'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    },
    binDir,
    runtimeFile: join(dir, 'run', 'containers', 'auth.json'),
    configFile: join(dir, 'config', 'containers', 'auth.json'),
    dockerFile: join(dir, '.docker', 'config.json'),
    legacyFile: join(dir, '.dockercfg'),
    registriesConf,
    systemDir: join(dir, 'etc'),
    write(path, content) {
      mkdirSync(dirname(path), { recursive: true });
      const text =
        typeof content === 'string' ? content : JSON.stringify(content);
      writeFileSync(path, text, { mode: 0o600 });
    },
    writeHelper(name, script) {
      makeFakeHelper(binDir, name, script);
    },
  };
}
