/**
 * JSON text as Go's encoding/json writes it, where Docker's bytes must be
 * matched exactly: `<`, `>` and `&` escaped as \u003c, \u003e and \u0026,
 * U+2028 and U+2029 escaped, and bytes that are not UTF-8 written as
 * \ufffd. A JavaScript string stands for such a byte with a lone
 * surrogate (see {@link decodeBytesKeepingInvalid}).
 *
 * @module
 */

/** Short escapes Go writes for control characters and quotes. */
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

/** Characters Go escapes as \uXXXX although JSON does not require it. */
const UNICODE_ESCAPED = new Set([0x3c, 0x3e, 0x26, 0x2028, 0x2029]);

/** Quotes a string the way Go's JSON encoder does. */
export function goQuote(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += value.slice(i, i + 2);
        i++;
      } else {
        // a byte that was not UTF-8 in the Go string
        out += '\\ufffd';
      }
      continue;
    }
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined) out += short;
    else if (unit < 0x20 || UNICODE_ESCAPED.has(unit))
      out += unicodeEscape(unit);
    else out += value[i];
  }
  return `${out}"`;
}

function unicodeEscape(unit: number): string {
  return `\\u${unit.toString(16).padStart(4, '0')}`;
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

/**
 * Decodes bytes as UTF-8 the way a Go string holds them: valid sequences
 * become their characters, and each byte that is not part of one becomes
 * the lone surrogate U+DC00 plus the byte, so {@link goQuote} can write it
 * as Go does and {@link encodeBytesKeepingInvalid} can give it back.
 */
export function decodeBytesKeepingInvalid(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceLength(bytes, i);
    if (length === 0) {
      out += String.fromCharCode(0xdc00 + (bytes[i] ?? 0));
      i++;
    } else {
      out += Buffer.from(bytes.subarray(i, i + length)).toString('utf8');
      i += length;
    }
  }
  return out;
}

/** Encodes a string from {@link decodeBytesKeepingInvalid} back to bytes. */
export function encodeBytesKeepingInvalid(text: string): Buffer {
  const chunks: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const paired =
      unit >= 0xd800 &&
      unit <= 0xdbff &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (paired) {
      i++;
    } else if (unit >= 0xdc80 && unit <= 0xdcff) {
      chunks.push(Buffer.from(text.slice(start, i), 'utf8'));
      chunks.push(Buffer.of(unit - 0xdc00));
      start = i + 1;
    }
  }
  chunks.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(chunks);
}

/** Length of the valid UTF-8 sequence at `i`, or 0 when there is none. */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const first = bytes[i] ?? 0;
  if (first < 0x80) return 1;
  const [length, min, max] =
    first >= 0xc2 && first <= 0xdf
      ? [2, 0x80, 0xbf]
      : first === 0xe0
        ? [3, 0xa0, 0xbf]
        : first === 0xed
          ? [3, 0x80, 0x9f]
          : first >= 0xe1 && first <= 0xef
            ? [3, 0x80, 0xbf]
            : first === 0xf0
              ? [4, 0x90, 0xbf]
              : first >= 0xf1 && first <= 0xf3
                ? [4, 0x80, 0xbf]
                : first === 0xf4
                  ? [4, 0x80, 0x8f]
                  : [0, 0, 0];
  if (length === 0 || i + length > bytes.length) return 0;
  const second = bytes[i + 1] ?? 0;
  if (second < min || second > max) return 0;
  for (let k = 2; k < length; k++) {
    const next = bytes[i + k] ?? 0;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}
