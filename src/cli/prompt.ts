/**
 * What `login` reads from the user: a password piped on stdin, and, on a
 * terminal, a user name (echoed) and a password (not echoed). Prompts go
 * to stdout, as Docker puts them, through the CLI's Output.
 *
 * @module
 */
import { LoginFlagError } from '../errors.js';
import { isatty } from '../internal/lazy-builtins.js';
import type { Output } from './output.js';
import { readCapped } from '../internal/read-capped.js';

/** The most `--password-stdin` reads: a password or a token is a few KiB;
 * more is a mistake (a file piped by accident), not a secret. */
const MAX_STDIN_BYTES = 1024 * 1024;

/** True when stdin is a terminal, where prompting is possible. */
export function stdinIsTerminal(): boolean {
  return isatty(0);
}

/**
 * Reads all of stdin (`--password-stdin`) and removes exactly one line
 * ending (CRLF, LF or CR) from its end; every other character is kept.
 *
 * @throws {LoginFlagError} when stdin holds more than
 *   {@link MAX_STDIN_BYTES}.
 */
export async function readSecretFromStdin(
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  const bytes = await readCapped(
    stdin as AsyncIterable<Buffer | string>,
    MAX_STDIN_BYTES,
  );
  if (bytes === undefined) {
    throw new LoginFlagError(
      `More than ${MAX_STDIN_BYTES} bytes on stdin for --password-stdin; ` +
        'pipe only the password or token',
    );
  }
  return dropOneLineEnding(bytes.toString('utf8'));
}

/**
 * Removes one trailing CRLF, LF or CR.
 *
 * NOTE: Docker 28.2.2 also trims white space around the password (so a
 * password cannot begin or end with a space); regcred keeps it, as Docker
 * 29.3 and later do.
 */
export function dropOneLineEnding(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n') || text.endsWith('\r')) return text.slice(0, -1);
  return text;
}

/** An answer typed at a prompt, or Ctrl-C. */
export type PromptAnswer =
  { kind: 'answer'; text: string } | { kind: 'interrupted' };

/** Text read from the terminal but not yet used (typed ahead). */
let typedAhead = '';

/**
 * Writes `prompt` to stdout and reads one line from the terminal, which
 * echoes it. At end of input, returns what was typed ('' for nothing).
 * Ctrl-C here is the terminal's own: SIGINT ends regcred.
 */
export async function promptLine(
  out: Output,
  prompt: string,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<string> {
  out.result(prompt);
  return new Promise((resolve, reject) => {
    let text = typedAhead;
    typedAhead = '';
    const finish = (line: string): void => {
      stop();
      resolve(line.replace(/\r$/, ''));
    };
    const take = (): boolean => {
      const end = text.indexOf('\n');
      if (end === -1) return false;
      typedAhead = text.slice(end + 1);
      finish(text.slice(0, end));
      return true;
    };
    const onData = (chunk: string): void => {
      text += chunk;
      take();
    };
    const onEnd = (): void => {
      // Ctrl-D: no Enter moved the cursor to the next line
      out.result('\n');
      finish(text);
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const stop = listen(stdin, { onData, onEnd, onError });
    take();
  });
}

/**
 * Writes `prompt` to stdout and reads a secret from the terminal with echo
 * off (raw mode): Enter ends it, Backspace deletes a character, Ctrl-U the
 * whole line, Ctrl-D ends the input, Ctrl-C cancels; escape sequences
 * (arrow keys, paste markers) are ignored. The terminal's mode is restored
 * in every case, and a newline is written for the Enter nobody saw.
 *
 * @throws {Error} when stdin is not a terminal.
 */
export async function promptSecret(
  out: Output,
  prompt: string,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<PromptAnswer> {
  if (typeof stdin.setRawMode !== 'function') {
    throw new Error('Cannot turn off echo: stdin is not a terminal');
  }
  // echo goes off before the prompt shows, so nothing typed after it is
  // ever echoed; an exit or a signal in raw mode must not leave it so
  const restore = (): void => void stdin.setRawMode(false);
  const restoreOnSignal = (signal: NodeJS.Signals): void => {
    restore();
    // the signal's usual end, unless someone else handles it
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  stdin.setRawMode(true);
  process.once('exit', restore);
  // first in line: the CLI's own handler ends the process at once
  for (const signal of STOP_SIGNALS) {
    process.prependOnceListener(signal, restoreOnSignal);
  }
  out.result(prompt);

  const editor = new SecretEditor();
  const pending = typedAhead;
  typedAhead = '';
  const answer = await new Promise<PromptAnswer>((resolve, reject) => {
    const feed = (chunk: string): boolean => {
      const result = editor.feed(chunk);
      if (result === undefined) return false;
      typedAhead = editor.rest;
      stop();
      resolve(result);
      return true;
    };
    const onEnd = (): void => {
      stop();
      resolve({ kind: 'answer', text: editor.text });
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const stop = listen(stdin, { onData: feed, onEnd, onError });
    if (pending !== '') feed(pending);
  }).finally(() => {
    restore();
    process.removeListener('exit', restore);
    for (const signal of STOP_SIGNALS) {
      process.removeListener(signal, restoreOnSignal);
    }
  });
  out.result('\n');
  return answer;
}

/** Signals that end regcred while the terminal may be in raw mode. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const ENTER = new Set(['\r', '\n']);
const BACKSPACE = new Set(['\u007f', '\b']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const ESCAPE = '\u001b';

/** The line editing of a hidden prompt, one character at a time. */
class SecretEditor {
  /** The characters typed so far (code points). */
  readonly #chars: string[] = [];
  /** 0: plain; 1: after ESC; 2: inside a CSI or SS3 sequence. */
  #escape: 0 | 1 | 2 = 0;
  /** What followed the end of the answer (typed ahead). */
  rest = '';

  get text(): string {
    return this.#chars.join('');
  }

  /** Takes input; returns the answer once it is complete. */
  feed(chunk: string): PromptAnswer | undefined {
    const chars = Array.from(chunk);
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i] ?? '';
      if (this.#skipEscape(char)) continue;
      if (char === CTRL_C) return { kind: 'interrupted' };
      if (ENTER.has(char) || char === CTRL_D) {
        // a CRLF pasted in one piece is one Enter
        const next = char === '\r' && chars[i + 1] === '\n' ? i + 2 : i + 1;
        this.rest = chars.slice(next).join('');
        return { kind: 'answer', text: this.text };
      }
      if (BACKSPACE.has(char)) this.#chars.pop();
      else if (char === CTRL_U) this.#chars.length = 0;
      else if (char === ESCAPE) this.#escape = 1;
      else if (char >= ' ') this.#chars.push(char);
    }
    return undefined;
  }

  /** Swallows the characters of an escape sequence. */
  #skipEscape(char: string): boolean {
    if (this.#escape === 1) {
      this.#escape = char === '[' || char === 'O' ? 2 : 0;
      return true;
    }
    if (this.#escape === 2) {
      // parameters until a final byte from '@' to '~'
      if (char >= '@' && char <= '~') this.#escape = 0;
      return true;
    }
    return false;
  }
}

/** Reads `stdin` as text until the returned function is called. */
function listen(
  stdin: NodeJS.ReadStream,
  handlers: {
    onData: (chunk: string) => unknown;
    onEnd: () => void;
    onError: (error: Error) => void;
  },
): () => void {
  stdin.setEncoding('utf8');
  stdin.on('data', handlers.onData);
  stdin.on('end', handlers.onEnd);
  stdin.on('error', handlers.onError);
  stdin.resume();
  // Ctrl-D at an earlier prompt ended the input: 'end' will not come again
  if (stdin.readableEnded) queueMicrotask(handlers.onEnd);
  return () => {
    stdin.removeListener('data', handlers.onData);
    stdin.removeListener('end', handlers.onEnd);
    stdin.removeListener('error', handlers.onError);
    stdin.pause();
  };
}
