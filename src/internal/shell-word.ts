/**
 * Quoting for the command lines regcred prints for pasting into a POSIX
 * shell.
 *
 * @module
 */

/** Characters a shell takes literally: a word of these needs no quotes. */
const PLAIN_SHELL_REGEXP = /^[A-Za-z0-9_./:@%+=,-]+$/;

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  return PLAIN_SHELL_REGEXP.test(word)
    ? word
    : `'${word.replaceAll("'", `'\\''`)}'`;
}
