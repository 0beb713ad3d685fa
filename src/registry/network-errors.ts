/**
 * Turns a failed connection (refused, unknown host, TLS, timeout, proxy)
 * into a {@link RegistryLoginError} that names the URL, says why in words
 * and, for an untrusted certificate, where to put the CA.
 *
 * @module
 */
import { RegistryLoginError } from '../errors.js';
import { redact } from '../redact.js';
import { http } from '../internal/lazy-builtins.js';

/** What the message of a connection failure may add. */
export interface FailureContext {
  /** Where a CA for this host belongs (see tls-material.ts), or nothing
   * when certificates are not verified. */
  caAdvice?: string | undefined;
}

/** OpenSSL's codes for a chain that ends at no trusted CA. */
const UNKNOWN_AUTHORITY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** What OpenSSL says when the server answered TLS with plain HTTP. */
const PLAIN_HTTP_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
]);

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const CLOSED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * Describes a request to `url` that got no HTTP answer.
 *
 * @param error What the HTTP client threw.
 * @param url The URL, without query, as it may be shown.
 */
export function connectionFailure(
  error: unknown,
  url: string,
  context: FailureContext = {},
): RegistryLoginError {
  const code = errorCode(error);
  const hostname = hostnameOf(url);
  const tls = tlsFailure(code, url, hostname, context);
  if (tls !== undefined) return fail('ERR_TLS', tls, url, error);

  let reason: string;
  if (code === 'ECONNREFUSED') {
    reason = 'connection refused; check the address and that it is running';
  } else if (code === 'ENOTFOUND' || code?.startsWith('EAI_') === true) {
    reason = `the host name ${hostname} cannot be resolved`;
  } else if (code !== undefined && TIMEOUT_CODES.has(code)) {
    reason = 'no answer in time';
  } else if (code === 'UND_ERR_HEADERS_OVERFLOW') {
    reason =
      'the headers of its answer are larger than regcred reads ' +
      `(${http().maxHeaderSize / 1024} KiB); check that the address is a registry`;
  } else if (
    code?.startsWith('HPE_') === true ||
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'
  ) {
    reason =
      `its answer is no valid HTTP (${messageOf(error)}); check that the ` +
      'address is a registry';
  } else if (code !== undefined && CLOSED_CODES.has(code)) {
    reason = 'the connection was closed before an answer came';
  } else if (isProxyRefusal(error)) {
    reason = `the proxy refused to connect: ${messageOf(error)}`;
  } else {
    reason = messageOf(error);
  }
  return fail(
    'ERR_REGISTRY_UNREACHABLE',
    `Cannot reach ${url}: ${reason}`,
    url,
    error,
  );
}

/** The error for a request that ran out of time. */
export function timeoutFailure(url: string, ms: number): RegistryLoginError {
  return new RegistryLoginError(
    'ERR_REGISTRY_UNREACHABLE',
    `Cannot reach ${url}: no complete answer within ${ms / 1000} s; ` +
      'check that it is up and answers, or allow more time ' +
      '(REGCRED_LOGIN_TIMEOUT, in seconds)',
    { url },
  );
}

function tlsFailure(
  code: string | undefined,
  url: string,
  hostname: string,
  context: FailureContext,
): string | undefined {
  if (code === undefined) return undefined;
  const advice = context.caAdvice === undefined ? '' : `; ${context.caAdvice}`;
  if (UNKNOWN_AUTHORITY_CODES.has(code)) {
    return (
      `TLS verification of ${url} failed: the certificate is signed by an ` +
      `unknown authority (${code})${advice}`
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return (
      `TLS verification of ${url} failed: the certificate is not valid ` +
      `for ${hostname}; use the name the certificate was issued for`
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return (
      `TLS verification of ${url} failed: the certificate is outside ` +
      `its validity period (${code})`
    );
  }
  if (PLAIN_HTTP_CODES.has(code)) {
    return (
      `TLS handshake with ${url} failed: the server answered in plain ` +
      'HTTP, not HTTPS'
    );
  }
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') {
    return `TLS handshake with ${url} failed (${code})`;
  }
  return undefined;
}

/** The first error code along the error, its `cause` and its `errors`. */
function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null) {
    if (seen.has(current)) break;
    seen.add(current);
    const { code, errors, cause } = current as {
      code?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') return code;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  return undefined;
}

function isProxyRefusal(error: unknown): boolean {
  return /\bProxy\b/.test(messageOf(error));
}

function messageOf(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

function hostnameOf(url: string): string {
  return URL.canParse(url) ? new URL(url).hostname : url;
}

function fail(
  code: 'ERR_TLS' | 'ERR_REGISTRY_UNREACHABLE',
  message: string,
  url: string,
  cause: unknown,
): RegistryLoginError {
  return new RegistryLoginError(code, message, { url }, { cause });
}
