/**
 * The harness of the login/logout differential test: a scenario (a
 * starting config.json, maybe a scripted credential helper, and a list of
 * `login`/`logout` steps) runs once with the real Docker CLI and once with
 * regcred, each in a fresh sandbox, and everything both leave behind is
 * recorded step by step so the two can be compared: config.json's bytes,
 * mode and symlink, the config dir's mode and listing, each helper call's
 * argv and stdin, exit codes, stdout and the stderr lines that matter.
 *
 * The stand-in registries (Basic, and Bearer with a token service on the
 * same loopback port) live in the test process, so both programs run
 * asynchronously. Everything listens on and talks to 127.0.0.1 only.
 *
 * @example
 * ```ts
 * const registry = await startStandInRegistry({
 *   scheme: 'basic', users: { alice: ['pw'] },
 * });
 * const { docker, regcred } = await runBoth({
 *   name: 'fresh dir',
 *   steps: [{ args: loginArgs('alice', registry.address), stdin: 'pw\n' }],
 * }, { docker: '/usr/local/bin/docker', regcredBin: BIN });
 * assert.deepEqual(comparable(regcred), comparable(docker));
 * ```
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HELPER_NOT_FOUND_MESSAGE } from '../../src/stores/helper-client.js';
import { readRecordedCalls, recording, shellQuote } from './fake-helper.js';
import { watchProductRun } from './leak-log.js';

// ---------------------------------------------------------------------------
// Stand-in registries

/** How a stand-in registry authenticates. */
export interface StandInOptions {
  /** `basic`: 401 with a Basic challenge, then 200 for a known user;
   * `bearer`: 401 with a Bearer challenge whose realm is this server's
   * `/token`, which swaps Basic credentials for a token. */
  scheme: 'basic' | 'bearer';
  /** User name → the passwords accepted for it. */
  users: Readonly<Record<string, readonly string[]>>;
  /** Bearer only: the token service also returns a `refresh_token`,
   * which Docker stores as an identity token. */
  refreshToken?: boolean;
}

/** One request a stand-in received (never its credentials). */
export interface StandInRequest {
  method: string;
  /** Path and query. */
  url: string;
  userAgent: string;
}

/** A running stand-in registry. */
export interface StandInRegistry {
  /** `127.0.0.1:PORT`. */
  address: string;
  /** Every request so far, in order. */
  requests: StandInRequest[];
  close(): Promise<void>;
}

/** The `service` the Bearer stand-in names in its challenge. */
export const STAND_IN_SERVICE = 'stand-in-registry';

/** Starts a stand-in registry on 127.0.0.1 with a free port. */
export async function startStandInRegistry(
  options: StandInOptions,
): Promise<StandInRegistry> {
  const requests: StandInRequest[] = [];
  const server = createServer((request, response) => {
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      userAgent: request.headers['user-agent'] ?? '',
    });
    answer(options, request, response, address);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function answer(
  options: StandInOptions,
  request: IncomingMessage,
  response: ServerResponse,
  address: string,
): void {
  const path = (request.url ?? '').split('?')[0];
  const authorization = request.headers.authorization ?? '';
  if (path === '/token' && options.scheme === 'bearer') {
    answerToken(options, authorization, response);
  } else if (path === '/v2/' && isAllowed(options, authorization)) {
    sendJson(response, 200, {});
  } else if (path === '/v2/') {
    const challenge =
      options.scheme === 'basic'
        ? 'Basic realm="x"'
        : `Bearer realm="http://${address}/token",service="${STAND_IN_SERVICE}"`;
    response.setHeader('WWW-Authenticate', challenge);
    sendJson(
      response,
      401,
      registryError('UNAUTHORIZED', 'authentication required'),
    );
  } else {
    sendJson(response, 404, registryError('NOT_FOUND', 'not found'));
  }
}

function answerToken(
  options: StandInOptions,
  authorization: string,
  response: ServerResponse,
): void {
  const user = checkBasic(options, authorization);
  if (user === undefined) {
    sendJson(
      response,
      401,
      registryError('UNAUTHORIZED', 'invalid username or password'),
    );
    return;
  }
  // deterministic tokens, so both programs write the same bytes
  const reply: Record<string, unknown> = {
    token: `access-${user}`,
    expires_in: 300,
  };
  if (options.refreshToken === true) reply.refresh_token = `refresh-${user}`;
  sendJson(response, 200, reply);
}

function isAllowed(options: StandInOptions, authorization: string): boolean {
  if (options.scheme === 'basic') {
    return checkBasic(options, authorization) !== undefined;
  }
  const token = /^Bearer access-(.+)$/.exec(authorization)?.[1];
  return token !== undefined && Object.hasOwn(options.users, token);
}

/** The user whose Basic credentials are valid, or undefined. */
function checkBasic(
  options: StandInOptions,
  authorization: string,
): string | undefined {
  const encoded = /^Basic (.*)$/.exec(authorization)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  const passwords = Object.hasOwn(options.users, user)
    ? options.users[user]
    : undefined;
  const ok = colon > 0 && passwords?.includes(decoded.slice(colon + 1));
  return ok === true ? user : undefined;
}

function registryError(code: string, message: string): unknown {
  return { errors: [{ code, message, detail: null }] };
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.setHeader('Content-Type', 'application/json');
  response.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  response.writeHead(status).end(JSON.stringify(body));
}

// ---------------------------------------------------------------------------
// Scenarios

/** config.json before the first step. */
export interface InitialConfig {
  /** The file's bytes, exactly; none for a dangling symlink. */
  text?: string;
  /** @default 0o600 */
  mode?: number;
  /** config.json is a relative symlink to `../elsewhere/config.json`,
   * which holds the text and has the mode (or does not exist). */
  viaSymlink?: boolean;
}

/** A scripted `docker-credential-NAME` backed by a directory of files. */
export interface FakeHelperSetup {
  /** The suffix: `fake` installs `docker-credential-fake`. */
  name: string;
  /** Credentials the helper holds before the first step, by server URL. */
  entries?: Readonly<Record<string, HelperEntry>>;
  /** Every `erase` fails with `fake failure` (exit 1), as a broken
   * keychain would. */
  failErase?: boolean;
}

/** One credential as the helper protocol carries it. */
export interface HelperEntry {
  Username: string;
  Secret: string;
}

/** One command of a scenario, run as `PROGRAM --config DIR ...args`. */
export interface ScenarioStep {
  args: readonly string[];
  /** @default '' */
  stdin?: string;
}

/** What a scenario starts from and what it runs. */
export interface LoginScenario {
  name: string;
  /** No config.json at all when undefined. */
  config?: InitialConfig;
  /** The config dir does not exist either (ignored with `config`). */
  noConfigDir?: boolean;
  helper?: FakeHelperSetup;
  steps: readonly ScenarioStep[];
}

/** `login -u USER --password-stdin SERVER`. */
export function loginArgs(user: string, server: string): string[] {
  return ['login', '-u', user, '--password-stdin', server];
}

// ---------------------------------------------------------------------------
// Outcomes

/** The state of the config dir after a step. */
export interface ConfigState {
  /** The dir's permission bits in octal (`0700`), or undefined when it
   * does not exist. */
  dirMode: string | undefined;
  /** The names in the dir, sorted: a left-over temp or lock file shows. */
  listing: string[];
  /** config.json's link text when it is a symlink. */
  link: string | undefined;
  /** The permission bits of config.json (of its target, for a link), in
   * octal. */
  mode: string | undefined;
  /** config.json's bytes (its target's, for a link), as UTF-8. */
  text: string | undefined;
  /** True when the file was replaced or changed during the step
   * (another inode or another mtime), or appeared or vanished. */
  written: boolean;
}

/** One helper call: `action` is argv[0]. */
export interface HelperCall {
  argv: string[];
  /** Stdin as UTF-8, exactly. */
  stdin: string;
}

/** Everything compared for one step. */
export interface ComparableStep {
  /** The step's arguments, for reading a failure. */
  command: string;
  exitCode: number | null;
  /** With the sandbox's path replaced by `<sandbox>`. */
  stdout: string;
  /** The stderr lines of {@link NOTICE_REGEXPS}, in order. */
  notices: string[];
  helperCalls: HelperCall[];
  /** The helper's server URLs after the step, sorted. */
  helperStore: string[];
  config: ConfigState;
}

/** A step's outcome, with the whole stderr (not compared). */
export interface StepOutcome extends ComparableStep {
  /** With the sandbox's path replaced by `<sandbox>`. */
  stderr: string;
}

/**
 * Stderr lines compared between the two programs. Docker's other lines
 * (logrus `level=info` endpoint fallbacks, error wording) are its own.
 */
export const NOTICE_REGEXPS: readonly RegExp[] = [
  /^WARNING! Your credentials are stored unencrypted in '.*'\.$/,
  /^Configure a credential helper to remove this warning\. See$/,
  /^https:\/\/docs\.docker\.com\/go\/credential-store\/$/,
  /^WARNING! Using --password via the CLI is insecure\. Use --password-stdin\.$/,
  /^WARNING: could not erase credentials:/,
  /^Login Succeeded$/,
  /^Removing login credentials for /,
];

/** Where the two programs are. */
export interface ProgramPaths {
  /** Docker CLI 28.x. */
  docker: string;
  /** bin/regcred. */
  regcredBin: string;
  /** A command regcred runs under, e.g. `unshare --net`. */
  regcredPrefix?: readonly string[];
}

/** Which program runs a scenario. */
export type Program = 'docker' | 'regcred';

/** How long one command may take before it is killed. */
const STEP_TIMEOUT_MS = 15_000;

/** Programs the scripted helper runs (besides /bin/sh builtins). */
const HELPER_TOOLS = ['base64', 'cat', 'rm', 'tr'];

/** Runs a scenario with Docker and with regcred, at once. */
export async function runBoth(
  scenario: LoginScenario,
  paths: ProgramPaths,
): Promise<{ docker: StepOutcome[]; regcred: StepOutcome[] }> {
  const [docker, regcred] = await Promise.all([
    runScenario(scenario, 'docker', paths),
    runScenario(scenario, 'regcred', paths),
  ]);
  return { docker, regcred };
}

/** Runs a scenario with one program in a fresh sandbox, removed after. */
export async function runScenario(
  scenario: LoginScenario,
  program: Program,
  paths: ProgramPaths,
): Promise<StepOutcome[]> {
  const root = await mkdtemp(join(tmpdir(), `regcred-ld-${program}-`));
  try {
    const sandbox = await layOut(scenario, root, paths.docker);
    const outcomes: StepOutcome[] = [];
    let callsBefore = 0;
    for (const step of scenario.steps) {
      const before = await snapshotFile(sandbox.configFile);
      const run = await runStep(step, program, sandbox, paths);
      const calls = readHelperCalls(sandbox.helperLog);
      const stderr = hideSandbox(run.stderr, root);
      outcomes.push({
        command: step.args.join(' '),
        exitCode: run.exitCode,
        stdout: hideSandbox(run.stdout, root),
        notices: selectNotices(stderr),
        stderr,
        helperCalls: calls.slice(callsBefore),
        helperStore: await listHelperStore(sandbox.helperStore),
        config: await readConfigState(sandbox, before),
      });
      callsBefore = calls.length;
    }
    return outcomes;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The outcomes without what is not compared (the whole stderr). */
export function comparable(outcomes: readonly StepOutcome[]): ComparableStep[] {
  return outcomes.map(({ stderr: _stderr, ...rest }) => rest);
}

/** A compared field to leave out: a step's, or its config state's. */
export type IgnoredField =
  | Exclude<keyof ComparableStep, 'command' | 'config'>
  | `config.${keyof ConfigState}`;

/**
 * Asserts that both programs did the same at every step, leaving out the
 * `ignore`d fields (an allowed difference is then asserted on its own).
 * A failure shows the difference and both programs' stderr.
 */
export function assertSameOutcomes(
  docker: readonly StepOutcome[],
  regcred: readonly StepOutcome[],
  ignore: readonly IgnoredField[] = [],
): void {
  const leaveOut = (steps: readonly StepOutcome[]): unknown[] =>
    comparable(steps).map((step) => withoutFields(step, ignore));
  try {
    assert.deepEqual(leaveOut(regcred), leaveOut(docker));
  } catch (error) {
    if (error instanceof Error) {
      error.message += `\n${describeRuns(docker, regcred)}`;
    }
    throw error;
  }
}

function withoutFields(
  step: ComparableStep,
  ignore: readonly IgnoredField[],
): unknown {
  const config: Record<string, unknown> = { ...step.config };
  const copy: Record<string, unknown> = { ...step, config };
  for (const field of ignore) {
    const [first, second] = field.split('.');
    if (second === undefined) copy[field] = '(ignored)';
    else if (first === 'config') config[second] = '(ignored)';
  }
  return copy;
}

/** Both programs' stderr, step by step, to explain a failed comparison. */
export function describeRuns(
  docker: readonly StepOutcome[],
  regcred: readonly StepOutcome[],
): string {
  return docker
    .map((step, index) =>
      [
        `step ${index + 1}: ${step.command}`,
        `  docker  stderr: ${JSON.stringify(step.stderr)}`,
        `  regcred stderr: ${JSON.stringify(regcred[index]?.stderr)}`,
      ].join('\n'),
    )
    .join('\n');
}

// ---------------------------------------------------------------------------
// Sandbox

interface Sandbox {
  root: string;
  configDir: string;
  configFile: string;
  helperLog: string;
  helperStore: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Lays out `root`: `home/`, `bin/` (the helper and the tools its script
 * uses), `config/` (maybe with config.json), `elsewhere/` (a symlink's
 * target), `helper-store/` and `helper.log`.
 */
async function layOut(
  scenario: LoginScenario,
  root: string,
  docker: string,
): Promise<Sandbox> {
  const binDir = join(root, 'bin');
  const sandbox: Sandbox = {
    root,
    configDir: join(root, 'config'),
    configFile: join(root, 'config', 'config.json'),
    helperLog: join(root, 'helper.log'),
    helperStore: join(root, 'helper-store'),
    // only docker's dir and the helper's: Docker's default-store
    // detection must not find the machine's pass
    env: {
      HOME: join(root, 'home'),
      PATH: `${binDir}:${dirname(docker)}`,
      DOCKER_HOST: `unix://${join(root, 'no-daemon.sock')}`,
    },
  };
  for (const dir of ['home', 'bin', 'elsewhere', 'helper-store']) {
    await mkdir(join(root, dir));
  }
  if (scenario.config !== undefined || scenario.noConfigDir !== true) {
    await mkdir(sandbox.configDir, { mode: 0o755 });
    await chmod(sandbox.configDir, 0o755);
  }
  if (scenario.config !== undefined) {
    await writeInitialConfig(scenario.config, sandbox);
  }
  if (scenario.helper !== undefined) {
    await installHelper(scenario.helper, sandbox, binDir);
  }
  return sandbox;
}

async function writeInitialConfig(
  config: InitialConfig,
  sandbox: Sandbox,
): Promise<void> {
  const target =
    config.viaSymlink === true
      ? join(sandbox.root, 'elsewhere', 'config.json')
      : sandbox.configFile;
  if (config.text !== undefined) {
    await writeFile(target, config.text);
    await chmod(target, config.mode ?? 0o600);
  }
  if (config.viaSymlink === true) {
    await symlink('../elsewhere/config.json', sandbox.configFile);
  }
}

async function installHelper(
  helper: FakeHelperSetup,
  sandbox: Sandbox,
  binDir: string,
): Promise<void> {
  for (const tool of HELPER_TOOLS) {
    await symlink(`/usr/bin/${tool}`, join(binDir, tool));
  }
  const script = recording(
    sandbox.helperLog,
    fileBackedHelper(sandbox.helperStore, helper.failErase === true),
  );
  const path = join(binDir, `docker-credential-${helper.name}`);
  await writeFile(path, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  for (const [serverURL, entry] of Object.entries(helper.entries ?? {})) {
    const stored = JSON.stringify({ ServerURL: serverURL, ...entry });
    await writeFile(
      join(sandbox.helperStore, storeFileName(serverURL)),
      stored,
    );
  }
}

/** The helper's file for a server URL: base64url keeps any URL a name. */
function storeFileName(serverURL: string): string {
  return Buffer.from(serverURL)
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

/**
 * A helper behaviour (for {@link recording}) keeping one file per server
 * URL in `storeDir`, holding the `store` request's JSON. `get` prints it,
 * `erase` deletes it; both give Docker's not-found answer when there is
 * none. `list` maps URLs to user names.
 */
function fileBackedHelper(storeDir: string, failErase: boolean): string {
  const dir = shellQuote(storeDir);
  const notFound = `echo '${HELPER_NOT_FOUND_MESSAGE}'; exit 1`;
  const erase = failErase
    ? `cat >/dev/null; echo 'fake failure'; exit 1`
    : `f=${dir}/$(key "$(cat)"); [ -f "$f" ] || { ${notFound}; }; rm "$f"`;
  return [
    `key() { printf %s "$1" | base64 -w0 | tr '/+' '_-'; }`,
    // the text between the quotes after "NAME":, enough for our values
    `field() { v=\${1#*\\"$2\\":\\"}; printf %s "\${v%%\\"*}"; }`,
    'case "$1" in',
    `store) input=$(cat); f=${dir}/$(key "$(field "$input" ServerURL)")`,
    `  printf %s "$input" > "$f" ;;`,
    `get) f=${dir}/$(key "$(cat)"); [ -f "$f" ] || { ${notFound}; }; cat "$f" ;;`,
    `erase) ${erase} ;;`,
    `list) cat >/dev/null; printf '{'; sep=''`,
    `  for f in ${dir}/*; do [ -f "$f" ] || continue; e=$(cat "$f")`,
    `    printf '%s"%s":"%s"' "$sep" "$(field "$e" ServerURL)" \\`,
    `      "$(field "$e" Username)"; sep=,`,
    `  done; printf '}' ;;`,
    `*) cat >/dev/null; echo "unknown action $1"; exit 1 ;;`,
    'esac',
  ].join('\n');
}

// NOTE: stdin is compared as UTF-8 text, which is exact for the ASCII and
// UTF-8 the scenarios send; invalid UTF-8 would be compared loosely.
function readHelperCalls(logFile: string): HelperCall[] {
  return readRecordedCalls(logFile).map((call) => ({
    argv: call.argv,
    stdin: call.stdin.toString('utf8'),
  }));
}

async function listHelperStore(storeDir: string): Promise<string[]> {
  const names = await readdir(storeDir);
  return names
    .map((name) => Buffer.from(name, 'base64url').toString('utf8'))
    .sort();
}

// ---------------------------------------------------------------------------
// Running and observing

interface ProcessOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

async function runStep(
  step: ScenarioStep,
  program: Program,
  sandbox: Sandbox,
  paths: ProgramPaths,
): Promise<ProcessOutcome> {
  const args = ['--config', sandbox.configDir, ...step.args];
  const [command = '', ...argv] =
    program === 'docker'
      ? [paths.docker, ...args]
      : [
          ...(paths.regcredPrefix ?? []),
          process.execPath,
          paths.regcredBin,
          ...args,
        ];
  const watched =
    program === 'regcred'
      ? watchProductRun('regcred', args, sandbox.env, step.stdin ?? '')
      : undefined;
  const child = spawn(command, argv, { env: sandbox.env, cwd: sandbox.root });
  const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // a program may not read it
  child.stdin.end(step.stdin ?? '');
  const [exitCode] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  watched?.finish([
    { stream: 'stdout', text: stdout },
    { stream: 'stderr', text: stderr },
  ]);
  return { exitCode, stdout, stderr };
}

function hideSandbox(text: string, root: string): string {
  return text.replaceAll(root, '<sandbox>');
}

function selectNotices(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => NOTICE_REGEXPS.some((regexp) => regexp.test(line)));
}

interface FileSnapshot {
  ino: bigint;
  mtimeNs: bigint;
}

async function snapshotFile(path: string): Promise<FileSnapshot | undefined> {
  try {
    const { ino, mtimeNs } = await stat(path, { bigint: true });
    return { ino, mtimeNs };
  } catch {
    return undefined;
  }
}

async function readConfigState(
  sandbox: Sandbox,
  before: FileSnapshot | undefined,
): Promise<ConfigState> {
  const after = await snapshotFile(sandbox.configFile);
  const written =
    before?.ino !== after?.ino || before?.mtimeNs !== after?.mtimeNs;
  const dirMode = await modeOf(sandbox.configDir);
  const listing =
    dirMode === undefined ? [] : (await readdir(sandbox.configDir)).sort();
  const link = await readlink(sandbox.configFile).catch(() => undefined);
  const text = await readFile(sandbox.configFile, 'utf8').catch(
    () => undefined,
  );
  const mode = await modeOf(sandbox.configFile);
  return { dirMode, listing, link, mode, text, written };
}

async function modeOf(path: string): Promise<string | undefined> {
  try {
    const bits = (await stat(path)).mode & 0o7777;
    return `0${bits.toString(8)}`;
  } catch {
    return undefined;
  }
}
