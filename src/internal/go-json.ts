/**
 * JSON text as Go's encoding/json writes it, where Docker's bytes must be
 * matched exactly: `<`, `>` and `&` escaped as \u003c, \u003e and \u0026,
 * and U+2028 and U+2029 escaped too.
 *
 * @module
 */

const GO_EXTRA_ESCAPES_REGEXP = /[<>&\u2028\u2029]/g;

/** Quotes a string the way Go's JSON encoder does. */
export function goQuote(value: string): string {
  // JSON.stringify already matches Go for quotes, backslashes and control
  // characters; Go additionally escapes HTML-sensitive characters.
  return JSON.stringify(value).replace(
    GO_EXTRA_ESCAPES_REGEXP,
    (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/**
 * Serialises an object of strings, in the given key order, compactly as Go
 * does for a struct. Keys whose value is empty or absent are left out when
 * `omitEmpty` is set.
 */
export function goCompactObject(
  fields: readonly (readonly [string, string | undefined])[],
  omitEmpty: boolean,
): string {
  const parts: string[] = [];
  for (const [key, value] of fields) {
    if (omitEmpty && !value) continue;
    parts.push(`${goQuote(key)}:${goQuote(value ?? '')}`);
  }
  return `{${parts.join(',')}}`;
}
