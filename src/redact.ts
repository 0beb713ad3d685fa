/**
 * The one place where text is cleaned of secrets before anyone sees it.
 * Code never puts secrets into messages on purpose; this is the guard
 * against the accident.
 *
 * @module
 */

// A header value follows `Basic` or `Bearer`; the words regcred's own
// messages put there (`Bearer challenge`, `Basic auth`) are left alone.
const AUTHORIZATION_REGEXP =
  /\b(Basic|Bearer)\s+(?!(?:auth|authentication|challenge|challenges|token|tokens|realm|credentials|scheme)\b)[A-Za-z0-9._~+/=-]+/gi;
const SECRET_NAMES =
  'password|passwd|secret|auth|identitytoken|registrytoken|refresh_token|' +
  'access_token|token';
// `"name": "value"` (JSON) or `name = "value"`: the quoted value is masked.
const SECRET_FIELD_REGEXP = new RegExp(
  `("?(?:${SECRET_NAMES})"?\\s*[:=]\\s*)"[^"]*"`,
  'gi',
);
// `name=value` (a form or query field): the value is masked whatever it is.
// A name inside a URL path (`/token`) is not a field name.
const SECRET_FIELD_ASSIGNMENT_REGEXP = new RegExp(
  `(?<![/\\w.-])((?:${SECRET_NAMES})\\s*=\\s*)(?!\\[redacted\\])[^\\s&"',;]+`,
  'gi',
);
// `name: value` in prose: masked only when the value looks like a secret
// (it holds a digit or a symbol, or is long), so regcred's own sentences
// such as `no usable token: the answer is not JSON` or `password: set`
// stay readable.
const SECRET_COLON_REGEXP = new RegExp(
  `(?<![/\\w.-])((?:${SECRET_NAMES})\\s*:\\s*)` +
    `(?!\\[redacted\\])(?=[^\\s&"',;:]*[^A-Za-z\\s&"',;:]|[^\\s&"',;:]{20})` +
    `[^\\s&"',;:]+`,
  'gi',
);
// A scheme starts only where a run of scheme characters starts: with a
// word boundary instead, `a.a.a.…` was quadratic, every `a` after a dot
// starting another attempt that ran to the end.
const URL_USERINFO_REGEXP =
  /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

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
    .replace(SECRET_FIELD_ASSIGNMENT_REGEXP, `$1${REDACTED}`)
    .replace(SECRET_COLON_REGEXP, `$1${REDACTED}`)
    .replace(URL_USERINFO_REGEXP, `$1${REDACTED}@`);
}
