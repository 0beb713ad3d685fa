/**
 * One case of the differential test: a config.json, the credential helpers
 * on PATH and how each answers `get`, and an image reference; and how to
 * lay it out on disk for `docker` and `regcred` to read.
 *
 * @module
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What a fake credential helper does when asked to `get`. */
export type HelperBehaviour =
  | {
      /** Text printed on stdout; `{key}` stands for the key asked for,
       * `{xHH}` for the byte HH (which need not be UTF-8). */
      stdout: string;
      /** Text printed on stderr. @default '' */
      stderr?: string;
      /** The exit status. */
      exitCode: number;
    }
  | { absent: true }
  | { notExecutable: true };

/** The catalogue of helper behaviours cases choose from, by name. */
export const HELPER_BEHAVIOURS = {
  /** Found, with a user name that names the key asked for. */
  found: answer(
    `{"ServerURL":"ignored","Username":"u-{key}","Secret":"pw-1"}\n`,
  ),
  /** Found, with characters Go escapes and a colon in the secret. */
  'found-escapes': answer(
    `{"ServerURL":"","Username":"b<o>b","Secret":"s3cr:et&\\u2028"}`,
  ),
  /** Found, as an identity token. */
  token: answer(
    `{"ServerURL":"{key}","Username":"<token>","Secret":"idt-{key}"}\n`,
  ),
  /** An identity token with an empty secret. */
  'token-empty': answer(`{"Username":"<token>","Secret":""}`),
  /** Field names in another case: Go matches them anyway. */
  'lower-case-fields': answer(
    `{"serverurl":"x","username":"lc-user","secret":"pw-lc"}\n`,
  ),
  /** Unknown fields and a different order. */
  'extra-fields': answer(
    `{"Secret":"pw-x","Extra":1,"Username":"u-x","ServerURL":"x"}\n`,
  ),
  /** A user name with no secret. */
  'user-only': answer(`{"ServerURL":"","Username":"solo","Secret":""}\n`),
  /** A JSON null where a string belongs: Go leaves the field empty. */
  'null-field': answer(`{"Username":null,"Secret":"pw-null"}\n`),
  /** Blank lines and spaces around the JSON. */
  'padded-json': answer(`\n  {"Username":"u-pad","Secret":"pw-pad"}  \n\n`),
  /** A second JSON value after the first. */
  'trailing-data': answer(
    `{"Username":"u-t","Secret":"pw-t"} trailing words\n`,
  ),
  /** Two JSON objects. */
  'two-objects': answer(
    `{"Username":"u-1","Secret":"s-1"}{"Username":"u-2","Secret":"s-2"}`,
  ),
  /** A number where a string belongs. */
  'type-error': answer(`{"Username":7,"Secret":"pw-7"}\n`),
  /** All fields empty, exit 0, as Debian's pass 0.6.4 for an unknown key. */
  'empty-fields': answer(`{"ServerURL":"","Username":"","Secret":""}\n`),
  /** An empty JSON object. */
  'empty-object': answer(`{}\n`),
  /** The protocol's not-found message, exit 1. */
  'not-found': answer(`credentials not found in native keychain\n`, 1),
  /** The not-found message with spaces and blank lines around it, exit 1. */
  'not-found-padded': answer(
    `  credentials not found in native keychain \n\n`,
    1,
  ),
  /** The not-found message with exit 0, which is then not JSON. */
  'not-found-exit-0': answer(`credentials not found in native keychain\n`),
  /** Another message, exit 1. */
  fails: answer(`the keychain is locked\n`, 1),
  /** Nothing on stdout, exit 3. */
  'fails-silently': answer('', 3),
  /** Text that is not JSON, exit 0. */
  garbage: answer(`this is not json\n`),
  /** Nothing at all, exit 0. */
  'empty-output': answer(''),
  /** JSON escapes of lone surrogates, which Go reads as U+FFFD. */
  'lone-surrogate': answer(`{"Username":"u\\ud800x","Secret":"s\\udc00"}\n`),
  /** Bytes that are not UTF-8 inside the strings. */
  'invalid-utf8': answer(
    `{"Username":"u-{xe2}{x82}","Secret":"pw{xff}{xc0}{x80}"}`,
  ),
  /** The same field three times, in two cases: Go keeps the last. */
  'duplicate-fields': answer(
    `{"username":"u-first","Username":"u-second","username":"u-third","Secret":"s"}`,
  ),
  /** Names Go folds onto the fields: the long s and the Kelvin sign. */
  'folded-fields': answer(`{"u\u017fername":"u-fold","\u017fecret":"pw-fold"}`),
  /** Escapes where plain characters would do. */
  'escaped-json': answer(`{"Username":"\\u003cu\\u003e","Secret":"p\\/w\\n"}`),
  /** Braces inside strings and nested unknown values, then more text. */
  'nested-json': answer(
    `{"Meta":{"a":[1,{"b":"}"}]},"Username":"u}{","Secret":"s\\"}"} tail`,
  ),
  /** `<TOKEN>` is not `<token>`. */
  'token-upper-case': answer(`{"Username":"<TOKEN>","Secret":"not-a-token"}`),
  /** A number where ServerURL's string belongs. */
  'server-url-number': answer(`{"ServerURL":5,"Username":"u","Secret":"s"}`),
  /** JSON null. */
  'null-json': answer('null\n'),
  /** A JSON array. */
  'array-json': answer('[]\n'),
  /** Credentials, but exit 1. */
  'json-exit-1': answer(`{"Username":"u","Secret":"s"}\n`, 1),
  /** The not-found message and a CR LF, exit 1. */
  'not-found-crlf': answer(`credentials not found in native keychain\r\n`, 1),
  /** The not-found message and a no-break space (Go trims it), exit 1. */
  'not-found-nbsp': answer(`credentials not found in native keychain\u00a0`, 1),
  /** The not-found message on stderr, nothing on stdout, exit 1. */
  'not-found-on-stderr': {
    stdout: '',
    stderr: 'credentials not found in native keychain\n',
    exitCode: 1,
  },
  /** Not on PATH. */
  absent: { absent: true },
  /** On PATH but not executable. */
  'not-executable': { notExecutable: true },
} as const satisfies Record<string, HelperBehaviour>;

/** The name of a behaviour in {@link HELPER_BEHAVIOURS}. */
export type HelperBehaviourName = keyof typeof HELPER_BEHAVIOURS;

/**
 * Where the config directory is given: `--config` or `DOCKER_CONFIG` with
 * an absolute path, the same with a path relative to the working
 * directory (the case's directory; `--config` with a trailing slash), or
 * `$HOME/.docker`.
 */
export type ConfigLocation =
  'flag' | 'env' | 'flag-relative' | 'env-relative' | 'home';

/**
 * How PATH finds the case's programs: an absolute directory; a relative
 * one (Go refuses what it finds there, Docker 28 runs no helper from it);
 * or an empty entry, the working directory, where the programs are put
 * instead (refused the same way).
 */
export type PathStyle = 'absolute' | 'relative' | 'empty-entry';

/** One differential case. */
export interface DifferentialCase {
  /** A short name to find the case by, e.g. `seed 1 #17`. */
  name: string;
  /** The text of config.json, or undefined for no file at all; see
   * {@link encodeWithRawBytes} for bytes that are not UTF-8. */
  config: string | undefined;
  /** Each helper's suffix (`docker-credential-<suffix>`) and behaviour. */
  helpers: Readonly<Record<string, HelperBehaviourName>>;
  /** Other programs to put on PATH, e.g. `pass` for the default store. */
  executables?: readonly string[];
  /** The image reference to pull. */
  reference: string;
  /** How the config directory is given. @default 'flag' */
  location?: ConfigLocation;
  /** How PATH finds the helpers. @default 'absolute' */
  pathStyle?: PathStyle;
  /**
   * What config.json is on disk: a regular file, a symlink to one, or a
   * symlink to nothing (the config text is then not written).
   * @default 'regular'
   */
  configFile?: 'regular' | 'symlink' | 'dangling-symlink';
  /** More environment variables, e.g. GNUPGHOME for the real pass. */
  env?: Readonly<Record<string, string>>;
  /** Directories searched after the case's own. @default SYSTEM_PATH */
  systemPath?: string;
  /** For hand-picked cases: the JSON Docker sends. */
  expected?: string;
}

/** A case laid out on disk. */
export interface CaseLayout {
  /** The config directory. */
  configDir: string;
  /** The environment both programs run with (nothing inherited). */
  env: Record<string, string>;
  /** The arguments before the subcommand, e.g. `['--config', dir]`. */
  globalArgs: string[];
  /** The working directory both programs run in: the case's directory. */
  cwd: string;
}

/** Directories searched after the case's own, where `docker` lives. */
export const SYSTEM_PATH = '/usr/local/bin';

/**
 * Writes a case under `dir`: config.json, the fake helpers and programs,
 * and an empty home directory.
 *
 * @param testCase The case.
 * @param dir An empty directory for it.
 * @param dockerHost The value for `DOCKER_HOST`.
 */
export async function layOutCase(
  testCase: DifferentialCase,
  dir: string,
  dockerHost: string,
): Promise<CaseLayout> {
  const location = testCase.location ?? 'flag';
  const pathStyle = testCase.pathStyle ?? 'absolute';
  const home = join(dir, 'home');
  const bin = pathStyle === 'empty-entry' ? dir : join(dir, 'bin');
  const configDir =
    location === 'home' ? join(home, '.docker') : join(dir, 'config');
  await mkdir(configDir, { recursive: true });
  await mkdir(bin, { recursive: true });

  await writeConfigFile(testCase, configDir, dir);
  for (const [suffix, name] of Object.entries(testCase.helpers)) {
    // a name with a slash is a path from the working directory, not PATH
    const helperDir = suffix.includes('/') ? dir : bin;
    await writeHelper(helperDir, suffix, HELPER_BEHAVIOURS[name]);
  }
  for (const program of testCase.executables ?? []) {
    await writeScript(join(bin, program), 'exit 1\n', 0o755);
  }

  const pathDirs = {
    absolute: bin,
    relative: 'bin',
    'empty-entry': '',
  };
  const systemPath = testCase.systemPath ?? SYSTEM_PATH;
  const env: Record<string, string> = {
    ...testCase.env,
    PATH: `${pathDirs[pathStyle]}:${systemPath}`,
    HOME: home,
    DOCKER_HOST: dockerHost,
  };
  const { globalArgs, dockerConfig } = configArgs(location, configDir);
  if (dockerConfig !== undefined) env.DOCKER_CONFIG = dockerConfig;
  return { configDir, env, globalArgs, cwd: dir };
}

async function writeConfigFile(
  testCase: DifferentialCase,
  configDir: string,
  dir: string,
): Promise<void> {
  const file = join(configDir, 'config.json');
  const kind = testCase.configFile ?? 'regular';
  if (kind === 'dangling-symlink') {
    await symlink(join(dir, 'missing', 'config.json'), file);
    return;
  }
  if (testCase.config === undefined) return;
  const bytes = encodeWithRawBytes(testCase.config);
  if (kind === 'regular') {
    await writeFile(file, bytes, { mode: 0o600 });
    return;
  }
  const target = join(dir, 'elsewhere', 'real-config.json');
  await mkdir(dirname(target));
  await writeFile(target, bytes, { mode: 0o600 });
  await symlink(target, file);
}

function configArgs(
  location: ConfigLocation,
  configDir: string,
): { globalArgs: string[]; dockerConfig?: string } {
  switch (location) {
    case 'flag':
      return { globalArgs: ['--config', configDir] };
    case 'flag-relative':
      return { globalArgs: ['--config', 'config/'] };
    case 'env':
      return { globalArgs: [], dockerConfig: configDir };
    case 'env-relative':
      return { globalArgs: [], dockerConfig: './config' };
    case 'home':
      return { globalArgs: [] };
  }
}

/**
 * The shell script of a fake helper: it reads the key from stdin, prints
 * the behaviour's stdout with `{key}` filled in, and exits with its
 * status. Any action other than `get` fails.
 */
export function helperScript(behaviour: {
  stdout: string;
  stderr?: string;
  exitCode: number;
}): string {
  const parts = behaviour.stdout.split('{key}').map(printfFormat);
  const keyArgs = parts.length > 1 ? ' "$key"'.repeat(parts.length - 1) : '';
  const stderr = behaviour.stderr ?? '';
  return (
    '# a fake credential helper for the differential test\n' +
    '[ "$1" = get ] || exit 64\n' +
    'IFS= read -r key\n' +
    `printf '${parts.join('%s')}'${keyArgs}\n` +
    (stderr === '' ? '' : `printf '${printfFormat(stderr)}' >&2\n`) +
    `exit ${behaviour.exitCode}\n`
  );
}

/**
 * The bytes of a text in which lone surrogates U+DC80 to U+DCFF stand for
 * the raw bytes 0x80 to 0xFF (as Python's "surrogateescape" has them), so
 * that a case can hold bytes that are not UTF-8.
 */
export function encodeWithRawBytes(text: string): Buffer {
  const chunks: Buffer[] = [];
  let run = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      chunks.push(Buffer.from(run, 'utf8'), Buffer.from([code - 0xdc00]));
      run = '';
    } else {
      run += char;
    }
  }
  chunks.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(chunks);
}

function answer(stdout: string, exitCode = 0): HelperBehaviour {
  return { stdout, exitCode };
}

async function writeHelper(
  bin: string,
  suffix: string,
  behaviour: HelperBehaviour,
): Promise<void> {
  if ('absent' in behaviour) return;
  const path = join(bin, `docker-credential-${suffix}`);
  await mkdir(dirname(path), { recursive: true });
  if ('notExecutable' in behaviour) {
    await writeScript(path, 'exit 0\n', 0o644);
    return;
  }
  await writeScript(path, helperScript(behaviour), 0o755);
}

async function writeScript(path: string, body: string, mode: number) {
  await writeFile(path, `#!/bin/sh\n${body}`, { mode });
  await chmod(path, mode);
}

/** Escapes text for a single-quoted printf format: octal for anything
 * but plain characters, so quotes, `%`, `\` and bytes pass unchanged.
 * `{xHH}` in the text is the byte HH. */
function printfFormat(text: string): string {
  const withBytes = text.replace(/\{x([0-9a-f]{2})\}/g, (_, hex: string) =>
    String.fromCharCode(0xdc00 + parseInt(hex, 16)),
  );
  let format = '';
  for (const byte of encodeWithRawBytes(withBytes)) {
    const char = String.fromCharCode(byte);
    format += /[A-Za-z0-9 .,:{}<>"@_+=-]/.test(char)
      ? char
      : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return format;
}
