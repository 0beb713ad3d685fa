/**
 * Go's strings.TrimSpace, which Docker and its credential helpers apply
 * to a helper's input and output.
 *
 * @module
 */

/** Unicode White_Space, as Go's unicode.IsSpace has it. */
const GO_SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a' +
  '\\u2028\\u2029\\u202f\\u205f\\u3000';

const GO_TRIM_SPACE_REGEXP = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

/** Removes that white space from both ends of `text`. */
export function goTrimSpace(text: string): string {
  return text.replace(GO_TRIM_SPACE_REGEXP, '');
}
