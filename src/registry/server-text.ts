/**
 * Words a registry or token service sent, made fit to quote in an error
 * message: one line, short, and with no secret in it, even if a hostile or
 * careless server echoes the password or a token back.
 *
 * @module
 */
import { REDACTED, redact } from '../redact.js';

/** The longest server text quoted, in characters. */
const MAX_QUOTED_LENGTH = 300;

// eslint-disable-next-line no-control-regex
const CONTROL_REGEXP = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * Cleans `text` for a message: control characters become spaces, the
 * `secrets` (and anything that looks like a credential) are masked, and it
 * is cut at {@link MAX_QUOTED_LENGTH} characters.
 */
export function quoteServerText(
  text: string,
  secrets: ReadonlyArray<string>,
): string {
  let clean = text.replace(CONTROL_REGEXP, ' ').trim();
  for (const secret of secrets) {
    if (secret !== '') clean = clean.split(secret).join(REDACTED);
  }
  clean = redact(clean);
  return clean.length > MAX_QUOTED_LENGTH
    ? `${clean.slice(0, MAX_QUOTED_LENGTH)}…`
    : clean;
}
