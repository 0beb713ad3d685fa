/**
 * The inside of the file-system fault tests: runs in a mount namespace
 * (mount-namespace.ts) whose setup mounted the fault, does what a user
 * would (a library write, `regcred login` or `logout`), and prints one
 * JSON report of what happened for the test to check. Everything it
 * looks at is gone once the namespace ends, so it looks from inside.
 *
 * Usage: node fs-fault-child.js SCENARIO DIR [REGISTRY_HOST]
 * SCENARIO is full-disk, read-only, symlink-other-fs or bind-mounted.
 * DIR holds `docker/` (DOCKER_CONFIG) and `start.json`, the config each
 * scenario starts from; see each scenario for the rest.
 */
import {
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { updateConfigFile } from '../../src/config/config-update.js';
import { runCli, type CliRun } from './cli.js';

const [scenario = '', dir = '', registryHost = ''] = process.argv.slice(2);
const configDir = join(dir, 'docker');
const configPath = join(configDir, 'config.json');
const env: NodeJS.ProcessEnv = {
  PATH: '/usr/bin:/bin',
  HOME: dir,
  DOCKER_CONFIG: configDir,
};

/** The config every scenario starts from, as the test wrote it. */
const START_CONFIG = readFileSync(join(dir, 'start.json'), 'utf8');

/** What a failed library write threw. */
interface Thrown {
  name: string;
  code: string | undefined;
  message: string;
  causeCode: string | undefined;
}

/** Adds c.example through the library; the error, or undefined. */
async function libraryWrite(path: string): Promise<Thrown | undefined> {
  try {
    await updateConfigFile(path, () => ({
      auths: new Map([['c.example', { username: 'c', password: 'pw' }]]),
    }));
    return undefined;
  } catch (error) {
    const { name, message } = error as Error;
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    const code = (error as { code?: string }).code;
    return { name, code, message, causeCode: cause?.code };
  }
}

function logout(server: string): Promise<CliRun> {
  return runCli(['logout', server], env);
}

function login(server: string): Promise<CliRun> {
  return runCli(
    ['login', '-u', 'alice', '--password-stdin', server],
    env,
    'pw\n',
  );
}

/** The names in `folder` other than those given. */
function others(folder: string, ...known: string[]): string[] {
  return readdirSync(folder).filter((name) => !known.includes(name));
}

/** Fills the file system holding `folder` until a write fails. */
function fillUp(folder: string): string {
  const filler = join(folder, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  } finally {
    closeSync(fd);
  }
}

/** DIR/docker is a small tmpfs, filled up before anything is written. */
async function fullDisk(): Promise<unknown> {
  writeFileSync(configPath, START_CONFIG);
  const fillError = fillUp(configDir);
  const library = await libraryWrite(configPath);
  const libraryKept = readFileSync(configPath, 'utf8') === START_CONFIG;
  const libraryLeft = others(configDir, 'config.json', 'filler');
  const cli = await logout('a.example');
  const cliKept = readFileSync(configPath, 'utf8') === START_CONFIG;
  const cliLeft = others(configDir, 'config.json', 'filler');
  // with room again, the next write works
  unlinkSync(join(configDir, 'filler'));
  const recovered = (await libraryWrite(configPath)) === undefined;
  const recoveredLeft = others(configDir, 'config.json');
  return {
    fillError,
    library,
    libraryKept,
    libraryLeft,
    cli,
    cliKept,
    cliLeft,
    recovered,
    recoveredLeft,
  };
}

/** DIR/docker is bind-mounted read-only over itself. */
async function readOnly(): Promise<unknown> {
  const loginRun = await login(registryHost);
  const logoutRun = await logout('a.example');
  const nothingToDo = await logout('z.example');
  const kept = readFileSync(configPath, 'utf8') === START_CONFIG;
  return { login: loginRun, logout: logoutRun, nothingToDo, kept };
}

/**
 * DIR/docker/config.json is a link to DIR/other/real/config.json, and
 * DIR/other is a tmpfs: another file system than the link's.
 */
async function symlinkOtherFs(): Promise<unknown> {
  const realDir = join(dir, 'other', 'real');
  const target = join(realDir, 'config.json');
  writeFileSync(target, START_CONFIG);
  const linkText = readlinkSync(configPath);
  const before = statSync(target);
  const library = await libraryWrite(configPath);
  const afterLibrary = statSync(target);
  const cli = await logout('a.example');
  return {
    library,
    cli,
    devices: [lstatSync(configPath).dev, before.dev],
    stillLink: lstatSync(configPath).isSymbolicLink(),
    linkKept: readlinkSync(configPath) === linkText,
    replaced: afterLibrary.ino !== before.ino,
    mode: afterLibrary.mode & 0o777,
    target: JSON.parse(readFileSync(target, 'utf8')) as unknown,
    linkFolderLeft: others(configDir, 'config.json'),
    targetFolderLeft: others(realDir, 'config.json'),
  };
}

/** DIR/host.json is bind-mounted over DIR/docker/config.json. */
async function bindMounted(): Promise<unknown> {
  const library = await libraryWrite(configPath);
  const cli = await logout('a.example');
  const nothingToDo = await logout('z.example');
  const hostFile = join(dir, 'host.json');
  return {
    library,
    cli,
    nothingToDo,
    kept: readFileSync(configPath, 'utf8') === START_CONFIG,
    hostKept: readFileSync(hostFile, 'utf8') === START_CONFIG,
    left: others(configDir, 'config.json'),
  };
}

const scenarios: Record<string, () => Promise<unknown>> = {
  'full-disk': fullDisk,
  'read-only': readOnly,
  'symlink-other-fs': symlinkOtherFs,
  'bind-mounted': bindMounted,
};
const run = scenarios[scenario];
if (run === undefined) throw new Error(`unknown scenario '${scenario}'`);
process.stdout.write(`${JSON.stringify(await run())}\n`);
