/**
 * What a token service's answer means: a token (and maybe a refresh token)
 * from a success, or why it refused, read as Docker's registry client reads
 * error answers.
 *
 * Success bodies are JSON objects with `token` or `access_token`
 * (`access_token` wins) and maybe `refresh_token`; keys match without
 * regard to case, as Go's JSON decoder matches them.
 *
 * NOTE: Go's decoder reads the first JSON value and ignores what follows
 * it; here the whole body must be one JSON value.
 *
 * Refusals, in the order Docker looks at them (only for 4xx):
 * 1. a 401 whose Bearer challenge says `error="invalid_token"`;
 * 2. `{"details": "..."}` (an old form some services still use);
 * 3. `{"errors": [{"code", "message", "detail"}]}` (the registry form);
 * 4. regcred adds the OAuth2 form `{"error", "error_description"}`;
 * 5. anything else: a 401 is "unauthorized: authentication required".
 *
 * References:
 * - docker/distribution v2.8 `registry/client/auth/session.go`
 *   (`getTokenResponse`), `registry/client/errors.go`
 *   (`HandleErrorResponse`, `parseHTTPErrorResponse`)
 * - RFC 6749 §5.2 (OAuth2 error answers), RFC 6750 §3.1
 *
 * @module
 */
import { challengesOf } from './challenge.js';
import { quoteServerText } from './server-text.js';

/** A token service's grant. */
export interface TokenGrant {
  /** The access token for the registry. */
  token: string;
  /** A refresh token, when the service gave one. */
  refreshToken?: string;
}

/** Why a token answer cannot be used. */
export type TokenAnswerProblem =
  | { kind: 'not-json'; contentType: string }
  | { kind: 'not-object' }
  | { kind: 'bad-field'; field: string }
  | { kind: 'no-token' }
  | { kind: 'unsafe-token' };

/** A refusal, as a message and whether it means "wrong credentials". */
export interface TokenRefusal {
  unauthorized: boolean;
  /** Docker-like text, e.g. `unauthorized: invalid username or password`;
   * server words in it are cleaned by {@link quoteServerText}. */
  message: string;
}

const TOKEN_FIELDS = ['token', 'access_token', 'refresh_token'] as const;

/**
 * A token regcred sends: visible ASCII, as RFC 6750's b64token is.
 *
 * NOTE: Docker takes any string and fails on the next request when it
 * cannot be a header value; a line break in a token could otherwise add
 * headers of the service's choice. regcred refuses it at once, naming the
 * token service.
 */
const SENDABLE_TOKEN_REGEXP = /^[\x21-\x7e]+$/;

/** OAuth2 error codes that mean the credentials were wrong. */
const OAUTH_REFUSALS = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'access_denied',
]);

/**
 * Reads a successful token answer.
 *
 * @returns The grant, or the problem that keeps it from being one.
 */
export function readTokenGrant(
  body: Buffer,
  contentType: string,
): TokenGrant | TokenAnswerProblem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'not-json', contentType };
  }
  if (parsed === null) return { kind: 'no-token' };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { kind: 'not-object' };
  }

  const fields: Partial<Record<(typeof TOKEN_FIELDS)[number], string>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const field = TOKEN_FIELDS.find((name) => name === key.toLowerCase());
    if (field === undefined || value === null) continue;
    if (typeof value !== 'string') return { kind: 'bad-field', field };
    fields[field] = value;
  }
  const token = fields.access_token || fields.token;
  if (token === undefined || token === '') return { kind: 'no-token' };
  if (!SENDABLE_TOKEN_REGEXP.test(token)) return { kind: 'unsafe-token' };
  const grant: TokenGrant = { token };
  if (fields.refresh_token) grant.refreshToken = fields.refresh_token;
  return grant;
}

/**
 * Reads a token service's refusal (a status of 400 or more).
 *
 * @param secrets Texts to mask should the server echo them.
 */
export function readTokenRefusal(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  secrets: ReadonlyArray<string>,
): TokenRefusal {
  const quote = (text: string): string => quoteServerText(text, secrets);
  if (status >= 500) {
    return { unauthorized: false, message: `unexpected HTTP status ${status}` };
  }

  const invalidToken = challengesOf(status, headers['www-authenticate']).find(
    (one) =>
      one.scheme === 'bearer' &&
      one.parameters.get('error') === 'invalid_token',
  );
  if (invalidToken !== undefined) {
    const description = quote(
      invalidToken.parameters.get('error_description') ?? '',
    );
    return {
      unauthorized: true,
      message: `unauthorized: ${description || 'authentication required'}`,
    };
  }

  const fromBody = refusalInBody(status, parseJson(body), quote);
  if (fromBody !== undefined) return fromBody;
  return status === 401
    ? { unauthorized: true, message: 'unauthorized: authentication required' }
    : { unauthorized: false, message: `unexpected HTTP status ${status}` };
}

function refusalInBody(
  status: number,
  json: unknown,
  quote: (text: string) => string,
): TokenRefusal | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { errors, ...fields } = json as Record<string, unknown>;
  // what the server said, cleaned; '' when nothing is left to show
  const said = (value: unknown): string =>
    typeof value === 'string' ? quote(value) : '';
  const details = said(fields.details);
  const error = said(fields.error);
  const unauthorized = status === 401;

  if (details !== '') {
    const code = unauthorized
      ? 'unauthorized'
      : status === 429
        ? 'toomanyrequests'
        : 'unknown';
    return { unauthorized, message: `${code}: ${details}` };
  }
  if (Array.isArray(errors) && errors.length > 0) {
    const described = errors.map((one) => describeRegistryError(one, quote));
    const anyUnauthorized = errors.some(
      (one) => (one as { code?: unknown } | null)?.code === 'UNAUTHORIZED',
    );
    return {
      unauthorized: unauthorized || anyUnauthorized,
      message: described.join('; '),
    };
  }
  if (error !== '') {
    const description = said(fields.error_description);
    return {
      unauthorized: unauthorized || OAUTH_REFUSALS.has(String(fields.error)),
      message: description === '' ? error : `${error}: ${description}`,
    };
  }
  return undefined;
}

/** One entry of `errors`, as Go's errcode prints it: `code: message`. */
function describeRegistryError(
  entry: unknown,
  quote: (text: string) => string,
): string {
  const { code, message } = (entry ?? {}) as Record<string, unknown>;
  const codeText =
    (typeof code === 'string' &&
      quote(code.toLowerCase().replaceAll('_', ' '))) ||
    'unknown';
  const messageText = typeof message === 'string' ? quote(message) : '';
  return messageText === '' ? codeText : `${codeText}: ${messageText}`;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
