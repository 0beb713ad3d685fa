/**
 * The one place where text is cleaned of secrets before anyone sees it.
 * Code never puts secrets into messages on purpose; this is the guard
 * against the accident.
 *
 * @module
 */

const AUTHORIZATION_REGEXP = /\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
const SECRET_FIELD_REGEXP =
  /("?(?:password|secret|auth|identitytoken|registrytoken|refresh_token|access_token|token)"?\s*[:=]\s*)"[^"]*"/gi;
// The words regcred itself writes after such a name (`password: set`) are
// descriptions, not values, and are left alone.
const SECRET_ASSIGNMENT_REGEXP =
  /\b((?:password|passwd|secret|auth|identitytoken|registrytoken|refresh_token|access_token|token)\s*[=:]\s*)(?!\[redacted\]|(?:set|unset|none|empty|not|no)\b)[^\s&"',;]+/gi;
const URL_USERINFO_REGEXP = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/** The text that stands in for a removed secret. */
export const REDACTED = '[redacted]';

/**
 * Masks what looks like a secret in `text`: Authorization header values,
 * JSON fields, form fields and `name=value` words named like secrets, and
 * user info in URLs.
 */
export function redact(text: string): string {
  return text
    .replace(AUTHORIZATION_REGEXP, `$1 ${REDACTED}`)
    .replace(SECRET_FIELD_REGEXP, `$1"${REDACTED}"`)
    .replace(SECRET_ASSIGNMENT_REGEXP, `$1${REDACTED}`)
    .replace(URL_USERINFO_REGEXP, `$1${REDACTED}@`);
}
