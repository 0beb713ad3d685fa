/**
 * The `credential-helpers` list of containers-registries.conf(5): the
 * ordered places podman, skopeo and buildah look for credentials. The
 * reserved name `containers-auth.json` stands for the auth files (see
 * auth-files.ts); any other name is a `docker-credential-<name>` program,
 * asked with the registry host only. Without a list, only the auth files.
 *
 * Which files are read, as containers/image does: the main file is
 * `$CONTAINERS_REGISTRIES_CONF` if set (podman's variable; skopeo takes
 * `--registries-conf` instead), else `~/.config/containers/registries.conf`
 * if it exists, else `/etc/containers/registries.conf`; then the `*.conf`
 * drop-ins of `registries.conf.d` beside the system file (unless the
 * user's own file is the main one) and beside the user's, each directory
 * in name order. A later file that sets the key replaces the list, even
 * with `[]`, which means the default again.
 *
 * References: anchors.md §1 "Helpers"; checked against skopeo 1.9.3.
 *
 * @module
 */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigParseError } from '../errors.js';
import { readBoundedFile } from '../config/bounded-file.js';

/** The list entry that stands for the auth files. */
export const AUTH_FILES_HELPER = 'containers-auth.json';

/** Where to look; injected so tests never read the machine's files. */
export interface RegistriesConfContext {
  env: NodeJS.ProcessEnv;
  /** The home directory; defaults to `$HOME`, then the OS's answer. */
  home?: string;
  /** The system directory. @default '/etc/containers' */
  systemDir?: string;
}

/**
 * The largest registries.conf (or drop-in) read. Real ones are a few KiB,
 * mostly comments; even hundreds of `[[registry]]` tables with mirrors
 * stay far below 1 MiB. The cap keeps a huge or endless file (a device
 * behind the variable) from filling memory, and bounds the list.
 */
export const MAX_REGISTRIES_CONF_BYTES = 1024 * 1024;

/** The list and the files it was read from. */
export interface CredentialHelperList {
  /** The helpers in order; `containers-auth.json` for the auth files. */
  helpers: string[];
  /** The file that set the list, or null for the default. */
  source: string | null;
}

/**
 * Reads the `credential-helpers` list that applies.
 *
 * NOTE: only this one key is read; a registries.conf that
 * containers/image rejects for another reason (a bad `[[registry]]`
 * table, broken TOML elsewhere) is not noticed here.
 *
 * @throws {ConfigReadError} When a file exists but cannot be read, is
 *   not a regular file (a character device such as /dev/null is read), or
 *   is larger than {@link MAX_REGISTRIES_CONF_BYTES}.
 * @throws {ConfigParseError} When the `credential-helpers` value is not an
 *   array of strings, or the TOML around it cannot be read.
 */
export function credentialHelperList(
  context: RegistriesConfContext,
): CredentialHelperList {
  let list: CredentialHelperList = { helpers: [], source: null };
  for (const path of registriesConfFiles(context)) {
    const text = readIfExists(path, context.env);
    if (text === undefined) continue;
    const helpers = parseCredentialHelpers(text, path);
    if (helpers !== undefined) list = { helpers, source: path };
  }
  if (list.helpers.length > 0) return list;
  return { helpers: [AUTH_FILES_HELPER], source: list.source };
}

/** The files read, main file first, then drop-ins in order. */
export function registriesConfFiles(context: RegistriesConfContext): string[] {
  const { env } = context;
  const home = context.home || env.HOME || homedir();
  const systemDir = context.systemDir ?? '/etc/containers';
  const userFile = join(home, '.config', 'containers', 'registries.conf');
  const userDropIns = `${userFile}.d`;
  const systemFile = join(systemDir, 'registries.conf');
  const explicit = env.CONTAINERS_REGISTRIES_CONF;
  if (!explicit && isFile(userFile)) {
    return [userFile, ...dropIns(userDropIns)];
  }
  return [
    explicit || systemFile,
    ...dropIns(`${systemFile}.d`),
    ...dropIns(userDropIns),
  ];
}

function dropIns(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.conf'))
    .sort()
    .map((name) => join(dir, name))
    .filter(isFile);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The file's text, or undefined when there is none. A character device
 * is read as containers/image reads it: /dev/null is an empty file.
 */
function readIfExists(
  path: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const named = env.CONTAINERS_REGISTRIES_CONF === path;
  const bytes = readBoundedFile(path, {
    maxBytes: MAX_REGISTRIES_CONF_BYTES,
    usualSize: 'a registries.conf is normally a few KiB',
    remedy: named
      ? 'fix the file, or unset CONTAINERS_REGISTRIES_CONF'
      : 'fix the file, or move it away',
    missingCodes: ['ENOENT', 'ENOTDIR'],
    readDevices: true,
  });
  return bytes?.toString('utf8');
}

/**
 * Finds the top-level `credential-helpers` array in TOML text: before the
 * first `[table]`, a key `credential-helpers` (bare or quoted) set to an
 * array of strings. Undefined when the key is not there.
 *
 * @throws {ConfigParseError} When its value is not an array of strings.
 */
export function parseCredentialHelpers(
  text: string,
  path: string,
): string[] | undefined {
  const reader = new TomlReader(text, path);
  let found: string[] | undefined;
  for (;;) {
    reader.skipBlankAndComments();
    if (reader.done() || reader.peek() === '[') return found;
    const key = reader.readKey();
    reader.expect('=');
    if (key === 'credential-helpers') {
      found = reader.readStringArray();
    } else {
      reader.skipValue();
    }
  }
}

/** Just enough TOML to read keys and skip values of the top level. */
class TomlReader {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly path: string,
  ) {
    // a byte order mark may start the file: BurntSushi/toml skips it too
    if (text.startsWith('\uFEFF')) this.at = 1;
  }

  done(): boolean {
    return this.at >= this.text.length;
  }

  peek(): string {
    return this.text[this.at] ?? '';
  }

  fail(what: string): never {
    const before = this.text.slice(0, this.at);
    const line = before.split('\n').length;
    const column = this.at - before.lastIndexOf('\n');
    const offset = Buffer.byteLength(before);
    throw new ConfigParseError(this.path, what, { line, column, offset });
  }

  /** Skips spaces, newlines and comments. */
  skipBlankAndComments(): void {
    for (;;) {
      const char = this.peek();
      if (char === '#') {
        const end = this.text.indexOf('\n', this.at);
        this.at = end < 0 ? this.text.length : end + 1;
      } else if (char !== '' && ' \t\r\n'.includes(char)) {
        this.at++;
      } else {
        return;
      }
    }
  }

  private skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.at++;
  }

  expect(char: string): void {
    this.skipSpaces();
    if (this.peek() !== char) this.fail(`expected '${char}'`);
    this.at++;
  }

  readKey(): string {
    this.skipSpaces();
    if (this.peek() === '"' || this.peek() === "'") return this.readString();
    // sticky, so each key costs its own length, not the rest of the text
    const bareKey = /[A-Za-z0-9_.-]+/y;
    bareKey.lastIndex = this.at;
    const match = bareKey.exec(this.text);
    if (match === null) this.fail('expected a key');
    this.at += match[0].length;
    return match[0];
  }

  readString(): string {
    const quote = this.peek();
    if (this.text.startsWith(quote.repeat(3), this.at)) {
      return this.readMultilineString(quote);
    }
    this.at++;
    let value = '';
    for (;;) {
      const char = this.peek();
      if (char === '' || char === '\n') this.fail('unterminated string');
      this.at++;
      if (char === quote) return value;
      if (char === '\\' && quote === '"') {
        value += this.readEscape();
      } else {
        value += char;
      }
    }
  }

  private readMultilineString(quote: string): string {
    const end = this.text.indexOf(quote.repeat(3), this.at + 3);
    if (end < 0) this.fail('unterminated string');
    const value = this.text.slice(this.at + 3, end);
    this.at = end + 3;
    return value;
  }

  private readEscape(): string {
    const char = this.peek();
    this.at++;
    const simple: Record<string, string> = {
      '"': '"',
      '\\': '\\',
      n: '\n',
      t: '\t',
      r: '\r',
      b: '\b',
      f: '\f',
    };
    const known = simple[char];
    if (known !== undefined) return known;
    const size = char === 'u' ? 4 : char === 'U' ? 8 : 0;
    const hex = this.text.slice(this.at, this.at + size);
    if (size === 0 || !/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== size) {
      this.fail('bad escape in a string');
    }
    const codePoint = parseInt(hex, 16);
    const surrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
    if (codePoint > 0x10ffff || surrogate) {
      this.fail(`the escape \\${char}${hex} is not a Unicode scalar value`);
    }
    this.at += size;
    return String.fromCodePoint(codePoint);
  }

  readStringArray(): string[] {
    this.expect('[');
    const values: string[] = [];
    for (;;) {
      this.skipBlankAndComments();
      if (this.peek() === ']') break;
      if (this.peek() !== '"' && this.peek() !== "'") {
        this.fail('expected a string');
      }
      values.push(this.readString());
      this.skipBlankAndComments();
      if (this.peek() === ',') {
        this.at++;
      } else if (this.peek() !== ']') {
        this.fail("expected ',' or ']'");
      }
    }
    this.at++;
    return values;
  }

  /** Skips any value: a string, an array, an inline table, a scalar. */
  skipValue(): void {
    this.skipSpaces();
    const char = this.peek();
    if (char === '"' || char === "'") {
      this.readString();
    } else if (char === '[' || char === '{') {
      this.skipBracketed();
    } else {
      while (!'\n#'.includes(this.peek()) && !this.done()) this.at++;
    }
  }

  private skipBracketed(): void {
    let depth = 0;
    do {
      const char = this.peek();
      if (char === '') this.fail('unterminated array or table');
      if (char === '"' || char === "'") {
        this.readString();
        continue;
      }
      if (char === '#') {
        this.skipBlankAndComments();
        continue;
      }
      if (char === '[' || char === '{') depth++;
      if (char === ']' || char === '}') depth--;
      this.at++;
    } while (depth > 0);
  }
}
