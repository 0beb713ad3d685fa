/**
 * A helper's answer read the way Docker's Go client reads it:
 * - not found: a non-zero exit whose stdout, trimmed as Go trims white
 *   space, is {@link HELPER_NOT_FOUND_MESSAGE};
 * - any other non-zero exit: an error quoting the output as Docker does,
 *   but capped, on one line, and with the call's secret masked;
 * - a `get` or `list` answer: the first JSON value, decoded as Go's
 *   json.Decoder fills Docker's types (keys matched regardless of case,
 *   `null` leaving a field empty, text after the value ignored), and
 *   described by shape and position when it does not fit, never quoted.
 *
 * References:
 * - https://github.com/docker/docker-credential-helpers/tree/v0.9.3/client
 * - docs/reference: docker-cli-auth.md §4.1 and §10.7
 *
 * @module
 */
import type { HelperError } from '../errors.js';
import {
  decodeGoValue,
  type GoType,
  type GoValue,
} from '../config/go-decode.js';
import { readJsonValue } from '../config/json-reader.js';
import { goQuote } from '../internal/go-json.js';
import { REDACTED, redact } from '../redact.js';
import type { HelperCredentials } from './helper-client.js';
import {
  helperError,
  type HelperCall,
  type HelperExit,
} from './helper-process.js';
import { goTrimSpace } from '../internal/go-strings.js';
import {
  CREDENTIALS_TYPE,
  credentialsFields,
  HELPER_NOT_FOUND_MESSAGE,
} from './helper-protocol.js';

export { HELPER_NOT_FOUND_MESSAGE };

/** How much of a helper's output an error message quotes. */
const EXCERPT_CHARS = 200;

/** Control characters, kept out of messages a terminal will show. */
// eslint-disable-next-line no-control-regex
const CONTROL_REGEXP = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Docker's not-found answer: a non-zero exit printing exactly the text. */
export function isNotFoundAnswer(exit: HelperExit): boolean {
  return goTrimSpace(exit.stdout) === HELPER_NOT_FOUND_MESSAGE;
}

/**
 * Describes a non-zero exit. Docker quotes the trimmed stdout, which holds
 * the helper's error text; it is quoted here too, capped, and cleaned of
 * the secret the call sent, if any.
 */
export function exitError(call: HelperCall, exit: HelperExit): HelperError {
  const how =
    exit.status === null
      ? `was killed by ${exit.signal ?? 'a signal'} before it finished`
      : `exited with status ${exit.status}`;
  const stdout = quotable(exit.stdout, call.secret);
  const stderr = quotable(exit.stderr, call.secret);
  const parts = [how];
  if (stdout !== '') parts.push(`printing ${stdout}`);
  if (stderr !== '') parts.push(`with stderr ${stderr}`);
  // "on stdout": the helper's stderr may have gone to the terminal
  if (parts.length === 1) parts[0] = `${how} and printed nothing on stdout`;
  if (exit.status === null) {
    // half an answer may hold half a secret: none of it is used
    parts.push(
      'so its answer is not used; check what stopped it (a crash, the ' +
        'out-of-memory killer) and try again',
    );
  }
  return helperError(call, 'exit', parts.join(', '));
}

function mask(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  const escaped = goQuote(secret).slice(1, -1);
  return text.split(secret).join('***').split(escaped).join('***');
}

/** A run of 24 or more characters that could be a token or a password. */
const TOKEN_LIKE_REGEXP = /[^\s'"`,;:(){}[\]<>]{24,}/g;

/**
 * What of a failed helper's output may be shown, quoted, or '' when it
 * printed nothing. Docker quotes it whole; regcred quotes only what reads
 * like an error message: output holding a JSON object is described, not
 * shown, secrets-looking words and the secret sent are masked, and the
 * excerpt is cut only after masking.
 *
 * NOTE: a helper that writes a short secret into a plain-text error
 * message still shows it; no rule can tell such a word from the rest.
 */
function quotable(text: string, secret: string | undefined): string {
  const trimmed = goTrimSpace(text);
  if (trimmed === '') return '';
  if (trimmed.includes('{')) {
    const size = Buffer.byteLength(trimmed);
    return `${size} bytes of JSON-like output (not shown: it may hold a secret)`;
  }
  const masked = redact(mask(trimmed, secret)).replace(
    TOKEN_LIKE_REGEXP,
    REDACTED,
  );
  return `\`${excerpt(masked)}\``;
}

/** Trimmed, one line, no control characters, at most EXCERPT_CHARS. */
function excerpt(text: string): string {
  const line = goTrimSpace(text.replace(CONTROL_REGEXP, ' '));
  const chars = Array.from(line);
  if (chars.length <= EXCERPT_CHARS) return line;
  return `${chars.slice(0, EXCERPT_CHARS).join('')}…`;
}

/** Docker's type for a `list` answer. */
const LISTING_TYPE: GoType = { kind: 'map', elem: { kind: 'string' } };

/**
 * Reads a `get` answer as Go's json.Decoder fills Docker's struct: keys
 * matched without regard to case and applied in document order, other
 * keys ignored, `null` leaving a field empty, text after the first JSON
 * value ignored.
 */
export function readCredentials(
  call: HelperCall,
  stdout: string,
): HelperCredentials {
  const expected = 'expected a JSON object with Username and Secret';
  const value = decodeReply(call, stdout, CREDENTIALS_TYPE, expected);
  const text = credentialsFields(value);
  return { username: text('Username'), secret: text('Secret') };
}

/** Reads a `list` answer: a JSON object of strings (`null` is empty). */
export function readListing(
  call: HelperCall,
  stdout: string,
): Map<string, string> {
  const expected = 'expected a JSON object mapping servers to usernames';
  const value = decodeReply(call, stdout, LISTING_TYPE, expected);
  const listing = new Map<string, string>();
  if (!(value instanceof Map)) return listing;
  for (const [server, username] of value) {
    listing.set(server, typeof username === 'string' ? username : '');
  }
  return listing;
}

/**
 * Decodes the first JSON value of a helper's output into a Go type, as
 * Docker's helper client does. Problems are described by shape and
 * position, never by quoting the output, which may hold a secret.
 */
function decodeReply(
  call: HelperCall,
  stdout: string,
  type: GoType,
  expected: string,
): GoValue {
  const read = readJsonValue(stdout);
  if (!read.ok) {
    const problem = 'exited 0 but printed text that is not JSON';
    throw helperError(call, 'bad-output', `${problem}; ${expected}`);
  }
  if (read.value === undefined) {
    const problem = 'exited 0 but printed nothing';
    throw helperError(call, 'bad-output', `${problem}; ${expected}`);
  }
  const decoded = decodeGoValue(read.value, type);
  if (!decoded.ok) {
    const problem = `printed JSON that does not fit: ${decoded.problem.reason}`;
    throw helperError(call, 'bad-output', `${problem}; ${expected}`);
  }
  return decoded.value;
}
