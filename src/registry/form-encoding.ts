/**
 * Query strings and form bodies encoded as Go's `url.Values.Encode` encodes
 * them, so that token requests match Docker's byte for byte: keys sorted
 * (values of one key kept in order), every byte but `A-Z a-z 0-9 - _ . ~`
 * percent-encoded in upper case, and a space as `+`.
 *
 * References:
 * - Go 1.24 `net/url` (`Values.Encode`, `QueryEscape`)
 *
 * @module
 */

const UNRESERVED_REGEXP = /^[A-Za-z0-9\-_.~]$/;

/**
 * Encodes name/value pairs as Go's `url.Values.Encode` does.
 *
 * @example
 * ```ts
 * encodeForm([['service', 'my reg'], ['account', 'a+b']]);
 * // 'account=a%2Bb&service=my+reg'
 * ```
 */
export function encodeForm(pairs: ReadonlyArray<[string, string]>): string {
  // Array.prototype.sort is stable, so one key's values keep their order
  const sorted = [...pairs].sort(([left], [right]) =>
    left < right ? -1 : left > right ? 1 : 0,
  );
  return sorted
    .map(([name, value]) => `${queryEscape(name)}=${queryEscape(value)}`)
    .join('&');
}

/** Escapes one query component as Go's `url.QueryEscape` does. */
export function queryEscape(text: string): string {
  let escaped = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const character = String.fromCharCode(byte);
    if (UNRESERVED_REGEXP.test(character)) escaped += character;
    else if (character === ' ') escaped += '+';
    else escaped += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return escaped;
}
