/**
 * Where the CLI writes: stdout for results, stderr for people. The only
 * module allowed to print.
 *
 * @module
 */
import { writeSync } from 'node:fs';
import { styleText } from 'node:util';
import { isatty } from '../internal/lazy-builtins.js';
import { OutputError } from '../errors.js';
import {
  escapeControlCharacters,
  escapeControlCharactersButLayout,
} from '../internal/control-characters.js';
import { redact } from '../redact.js';

/** The CLI's two streams, and whether to colour them. */
export interface Output {
  /** Writes a result to stdout. */
  result(text: string): void;
  /** Writes a message for people to stderr. */
  message(text: string): void;
  /** Writes a warning to stderr. */
  warn(text: string): void;
  /** Writes an error to stderr. */
  error(text: string): void;
  /** True when stdout is a terminal. */
  readonly stdoutIsTerminal: boolean;
  /** Colours `text` when colours are on. */
  paint(
    color: 'green' | 'yellow' | 'red' | 'bold' | 'dim',
    text: string,
  ): string;
}

/** Options of {@link createOutput}; defaults are the process's own. */
export interface OutputOptions {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/**
 * Creates the CLI's output. Colours are used only on a terminal, and never
 * when NO_COLOR is set to anything but the empty string.
 *
 * Whether a stream is a terminal is asked only when it matters, and the
 * process's streams are built only when first written to: loading the
 * terminal and stream modules costs the CLI's start-up more than the rest
 * of a `get`.
 */
export function createOutput(options: OutputOptions = {}): Output {
  const env = options.env ?? process.env;
  // NO_COLOR counts when set to anything but the empty string (no-color.org)
  const noColour = Boolean(env.NO_COLOR) || env.TERM === 'dumb';
  const stderr = () => options.stderr ?? process.stderr;
  const isTerminal = (fd: 1 | 2, stream: NodeJS.WriteStream | undefined) =>
    stream === undefined ? isatty(fd) : stream.isTTY === true;
  const paintIf = (on: boolean, color: Colour, text: string) =>
    on && !noColour ? styleText(color, text) : text;
  // Messages for people pass through redact as a last guard; results are
  // what the user asked for and are written as they are.
  const toStderr = (label: string, text: string): void =>
    void stderr().write(`${label}${printable(redact(text))}\n`);
  const errorLabel = (color: Colour, word: string) =>
    `${paintIf(isTerminal(2, options.stderr), color, word)} `;
  return {
    result: (text) =>
      options.stdout === undefined
        ? writeToStdout(text)
        : void options.stdout.write(text),
    message: (text) => toStderr('', text),
    warn: (text) => toStderr(errorLabel('yellow', 'warning:'), text),
    error: (text) => toStderr(errorLabel('red', 'error:'), text),
    get stdoutIsTerminal() {
      return isTerminal(1, options.stdout);
    },
    paint: (color, text) => paintIf(isTerminal(1, options.stdout), color, text),
  };
}

type Colour = Parameters<typeof styleText>[0];

/**
 * Writes to file descriptor 1 directly, without building `process.stdout`
 * (the start-up of a `get` is on the path of every pull when regcred is a
 * helper). Falls back to the stream when the descriptor would block.
 */
function writeToStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) {
      written += writeSync(1, bytes, written);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // a reader that went away (`regcred list | head -1`) is no failure
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') {
      throw new OutputError(`Cannot write to standard output: ${code}`, {
        cause: error,
      });
    }
    process.stdout.on('error', () => undefined);
    process.stdout.write(bytes.subarray(written));
  }
}

/**
 * Makes text safe for a terminal: control characters other than newline
 * and tab (escape sequences among them) are shown as `\xNN` instead of
 * being acted on. Keys, references and helper output come from files and
 * programs regcred does not control.
 */
export function printable(text: string): string {
  return escapeControlCharactersButLayout(text);
}

/**
 * {@link printable} for a value shown inside one line (a table cell, a
 * user name in a sentence): newlines and tabs are escaped too, so a value
 * cannot forge a line of its own.
 */
export function printableInline(text: string): string {
  return escapeControlCharacters(text);
}
