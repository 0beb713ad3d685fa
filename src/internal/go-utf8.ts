/**
 * UTF-8 as Go decodes it, for the bytes Docker reads as JSON (config.json,
 * a helper's stdout): each byte that does not start a valid sequence
 * becomes one U+FFFD, where WHATWG decoders replace a broken sequence as a
 * whole, and a byte order mark is kept.
 *
 * Reference: https://pkg.go.dev/unicode/utf8#DecodeRune (Go 1.24, which
 * builds Docker 28).
 *
 * @module
 */

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 as Go turns bytes into text: each byte that does not
 * start a valid sequence becomes one U+FFFD (WHATWG decoders, and so
 * `Buffer#toString`, replace a broken sequence as a whole instead), and a
 * byte order mark is kept as U+FEFF.
 */
export function decodeUtf8LikeGo(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    // invalid somewhere: decode run by run below
  }
  let text = '';
  let runStart = 0;
  for (let i = 0; i < bytes.length;) {
    const width = utf8SequenceLength(bytes, i);
    if (width > 0) {
      i += width;
      continue;
    }
    text += STRICT_UTF8.decode(bytes.subarray(runStart, i)) + '\uFFFD';
    i++;
    runStart = i;
  }
  return text + STRICT_UTF8.decode(bytes.subarray(runStart));
}

/** The length of the valid UTF-8 sequence at `i`, or 0. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const [width, low, high] = utf8LeadByte(bytes[i] ?? 0);
  if (width <= 1) return width;
  const second = bytes[i + 1] ?? 0;
  if (second < low || second > high) return 0;
  for (let k = 2; k < width; k++) {
    const next = bytes[i + k] ?? 0;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return width;
}

/**
 * For a first byte: the sequence width and the range its second byte must
 * fall in (Go's accept ranges: no overlong forms, no surrogates, nothing
 * past U+10FFFF).
 */
function utf8LeadByte(first: number): [number, number, number] {
  if (first < 0x80) return [1, 0, 0];
  if (first >= 0xc2 && first <= 0xdf) return [2, 0x80, 0xbf];
  if (first === 0xe0) return [3, 0xa0, 0xbf];
  if (first === 0xed) return [3, 0x80, 0x9f];
  if (first >= 0xe1 && first <= 0xef) return [3, 0x80, 0xbf];
  if (first === 0xf0) return [4, 0x90, 0xbf];
  if (first >= 0xf1 && first <= 0xf3) return [4, 0x80, 0xbf];
  if (first === 0xf4) return [4, 0x80, 0x8f];
  return [0, 0, 0];
}
