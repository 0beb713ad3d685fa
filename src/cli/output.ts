/**
 * Where the CLI writes: stdout for results, stderr for people. The only
 * module allowed to print.
 *
 * @module
 */
import { styleText } from 'node:util';
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
 * when NO_COLOR is set to anything.
 */
export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const colours =
    env.NO_COLOR === undefined && stdout.isTTY === true && env.TERM !== 'dumb';
  const errColours = env.NO_COLOR === undefined && stderr.isTTY === true;
  const paintIf = (
    on: boolean,
    color: Parameters<typeof styleText>[0],
    text: string,
  ) => (on ? styleText(color, text) : text);
  // Messages for people pass through redact as a last guard; results are
  // what the user asked for and are written as they are.
  const toStderr = (label: string, text: string): void =>
    void stderr.write(`${label}${redact(text)}\n`);
  return {
    result: (text) => void stdout.write(text),
    message: (text) => toStderr('', text),
    warn: (text) =>
      toStderr(`${paintIf(errColours, 'yellow', 'warning:')} `, text),
    error: (text) => toStderr(`${paintIf(errColours, 'red', 'error:')} `, text),
    stdoutIsTerminal: stdout.isTTY === true,
    paint: (color, text) => paintIf(colours, color, text),
  };
}
