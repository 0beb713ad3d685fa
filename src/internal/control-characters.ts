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

/** `\xNN` for one character below U+0100. */
export function hexEscape(char: string): string {
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}
