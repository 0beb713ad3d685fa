/**
 * The `auth` field of an `auths` entry: base64 of `username:password`,
 * decoded and encoded exactly as Docker 28 does.
 *
 * References: docker/cli v28.2.2 `cli/config/configfile/file.go`
 * (`decodeAuth`, `encodeAuth`); Go's `encoding/base64` (`StdEncoding`).
 *
 * @module
 */
import {
  decodeBytesKeepingInvalid,
  encodeBytesKeepingInvalid,
} from '../internal/go-json.js';

/** The outcome of {@link decodeAuthField}. */
export type DecodedAuth =
  | { ok: true; username: string; password: string }
  /** `reason` is in words and never holds any of the decoded text. */
  | { ok: false; reason: string };

const BASE64_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Map(
  [...BASE64_ALPHABET].map((char, value) => [char.charCodeAt(0), value]),
);
const PAD = 0x3d; // '='
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/**
 * Decodes an `auth` field into user name and password, as Docker does on
 * loading config.json:
 * 1. standard base64 (`+` and `/`), padding required; CR and LF anywhere
 *    are skipped; any other character, `-` and `_` included, is an error,
 *    and so is anything after the padding. Leftover bits in the last
 *    character need not be zero (Go's StdEncoding is not strict);
 * 2. the bytes are split at the first `:`, so a password may hold `:`
 *    and a user name cannot; no `:`, or nothing before it, is an error;
 * 3. NUL bytes are trimmed from both ends of the password (not the user
 *    name), because Go decodes into a zero-filled buffer sized for the
 *    input and trims what it did not fill.
 *
 * Go keeps decoded bytes that are not UTF-8 as they are, and its JSON
 * encoder turns each such byte into U+FFFD when the credentials are sent
 * on; this returns the text in that sent form.
 *
 * @param auth The field's value, non-empty (Docker only decodes non-empty
 *   values; an empty one is reported as not ok here).
 * @example
 * ```ts
 * decodeAuthField('YTpiOmM='); // { ok: true, username: 'a', password: 'b:c' }
 * decodeAuthField('dXNlcg=='); // { ok: false, reason: "... no ':' ..." }
 * ```
 */
export function decodeAuthField(auth: string): DecodedAuth {
  if (auth === '') return { ok: false, reason: 'the auth value is empty' };
  const decoded = decodeStdBase64(Buffer.from(auth, 'utf8'));
  if (typeof decoded === 'number') {
    return {
      ok: false,
      reason:
        'the auth value is not padded standard base64 ' +
        `(illegal base64 data at input byte ${decoded})`,
    };
  }

  // split at the first colon
  const colon = decoded.indexOf(COLON);
  if (colon === -1) {
    return {
      ok: false,
      reason:
        "the decoded auth value has no ':' between user name and password",
    };
  }
  if (colon === 0) {
    return {
      ok: false,
      reason: 'the decoded auth value has an empty user name',
    };
  }
  // Bytes that are not UTF-8 stay as they are, as in Go's strings: Docker
  // later writes each of them as \ufffd, not as one replacement character.
  return {
    ok: true,
    username: decodeBytesKeepingInvalid(decoded.subarray(0, colon)),
    password: decodeBytesKeepingInvalid(trimNul(decoded.subarray(colon + 1))),
  };
}

/**
 * Encodes credentials as an `auth` field: standard padded base64 of the
 * UTF-8 bytes of `username:password`, or '' when both are empty (Docker
 * then leaves the field out).
 *
 * @throws {RangeError} When `username` contains `:`: the password would
 *   absorb part of it on the next read.
 * @example
 * ```ts
 * encodeAuthField('alice', ''); // 'YWxpY2U6'
 * ```
 */
export function encodeAuthField(username: string, password: string): string {
  if (username.includes(':')) {
    throw new RangeError(
      "Cannot encode credentials whose user name contains ':': " +
        'Docker splits the decoded value at the first colon, so it would ' +
        'not read the same user name back',
    );
  }
  if (username === '' && password === '') return '';
  return encodeBytesKeepingInvalid(`${username}:${password}`).toString(
    'base64',
  );
}

/**
 * Decodes base64 with Go's `StdEncoding.Decode` rules, returning the bytes,
 * or the input byte offset Go names in its "illegal base64 data" error.
 */
export function decodeStdBase64(src: Uint8Array): Uint8Array | number {
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    // gather one quantum of up to four symbols, skipping CR and LF
    const quantum: number[] = [];
    while (quantum.length < 4) {
      if (si === src.length) {
        if (quantum.length === 0) return Uint8Array.from(out);
        return si - quantum.length; // unpadded, or a single symbol
      }
      const byte = src[si++] ?? 0;
      const value = BASE64_VALUES.get(byte);
      if (value !== undefined) quantum.push(value);
      else if (byte === CR || byte === LF) continue;
      else if (byte !== PAD || quantum.length < 2) return si - 1;
      else return finishPadded(src, si, quantum, out);
    }
    appendQuantum(out, quantum);
  }
  return Uint8Array.from(out);
}

/** After the first '=' of a quantum: checks the rest, as Go does. */
function finishPadded(
  src: Uint8Array,
  afterPad: number,
  quantum: number[],
  out: number[],
): Uint8Array | number {
  let si = afterPad;
  if (quantum.length === 2) {
    // "==" expected; the second '=' may follow line breaks
    si = skipLineBreaks(src, si);
    if (si === src.length) return src.length;
    if (src[si] !== PAD) return si - 1;
    si++;
  }
  si = skipLineBreaks(src, si);
  if (si < src.length) return si; // data after the padding
  appendQuantum(out, quantum);
  return Uint8Array.from(out);
}

function skipLineBreaks(src: Uint8Array, from: number): number {
  let si = from;
  while (si < src.length && (src[si] === CR || src[si] === LF)) si++;
  return si;
}

/** Appends the bytes of 2 to 4 symbols; leftover low bits are dropped. */
function appendQuantum(out: number[], quantum: number[]): void {
  const [a = 0, b = 0, c = 0, d = 0] = quantum;
  const bits = (a << 18) | (b << 12) | (c << 6) | d;
  const bytes = [(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff];
  out.push(...bytes.slice(0, quantum.length - 1));
}

function trimNul(bytes: Uint8Array): Uint8Array {
  let start = 0;
  let end = bytes.length;
  while (start < end && bytes[start] === 0) start++;
  while (end > start && bytes[end - 1] === 0) end--;
  return bytes.subarray(start, end);
}
