/**
 * Words a registry or token service sent, made fit to quote in an error
 * message: one line, short, and with no secret in it, even if a hostile or
 * careless server echoes the password or a token back.
 *
 * @module
 */
import { REDACTED, redact } from '../redact.js';

/** Secrets shorter than this are not masked by search; see below. */
const MIN_MASKED_LENGTH = 4;

/** The longest server text quoted, in characters. */
const MAX_QUOTED_LENGTH = 300;

// eslint-disable-next-line no-control-regex
const CONTROL_REGEXP = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * Cleans `text` for a message: control characters become spaces, the
 * `secrets` (as they are, URL-encoded, or in base64) and anything that
 * looks like a credential are masked, and it is cut at
 * {@link MAX_QUOTED_LENGTH} characters.
 *
 * NOTE: a secret of fewer than {@link MIN_MASKED_LENGTH} characters is not
 * searched for: masking every `e` in a message would garble it and tell
 * which letters the password holds.
 */
export function quoteServerText(
  text: string,
  secrets: ReadonlyArray<string> = [],
): string {
  // secrets first: a secret holding a control character would no longer
  // be found once that character is a space
  let clean = text;
  for (const form of secrets.flatMap(spellings)) {
    clean = clean.split(form).join(REDACTED);
  }
  clean = redact(clean.replace(CONTROL_REGEXP, ' ').trim());
  return clean.length > MAX_QUOTED_LENGTH
    ? `${clean.slice(0, MAX_QUOTED_LENGTH)}…`
    : clean;
}

/** The ways a server may echo a secret back. */
function spellings(secret: string): string[] {
  if (secret.length < MIN_MASKED_LENGTH) return [];
  const forms = [
    secret,
    encodeURIComponent(secret),
    // a form body encodes spaces as +
    encodeURIComponent(secret).replaceAll('%20', '+'),
    Buffer.from(secret).toString('base64'),
  ];
  // longest first, so no shorter form leaves a piece of a longer one
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}
