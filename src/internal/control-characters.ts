/**
 * Text from files, programs and users, made safe to show: control
 * characters become `\xNN` instead of acting on the terminal.
 *
 * @module
 */

/* eslint-disable no-control-regex -- matching them is the point */
const CONTROL_REGEXP = /[\u0000-\u001f\u007f-\u009f]/g;
// the same, but LF and tab
const CONTROL_BUT_LINE_BREAKS_REGEXP =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/* eslint-enable no-control-regex */

/** Escapes every control character, newlines and tabs included. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_REGEXP, hexEscape);
}

/** Escapes control characters but newline and tab, which lay text out. */
export function escapeControlCharactersButLayout(text: string): string {
  return text.replace(CONTROL_BUT_LINE_BREAKS_REGEXP, hexEscape);
}

/** The longest piece of user text quoted by {@link displayText}: more
 * than the longest valid reference (a 255-character name, a tag, a
 * digest). */
const MAX_DISPLAYED_CHARS = 512;

/**
 * User text (a reference, an address) made fit to quote in a message or
 * a heading: control characters escaped, and cut to
 * {@link MAX_DISPLAYED_CHARS} characters, saying how long it was.
 */
export function displayText(text: string): string {
  // code points, so that no surrogate pair is cut; counted only as far as
  // needed, as the text may be huge
  let start = '';
  let count = 0;
  for (const char of text) {
    if (count === MAX_DISPLAYED_CHARS) {
      const whole = `${text.length} characters`;
      return `${escapeControlCharacters(start)}... (${whole})`;
    }
    start += char;
    count++;
  }
  return escapeControlCharacters(text);
}

/** `\xNN` for one character below U+0100. */
export function hexEscape(char: string): string {
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}
