/**
 * The agent's audit trail: one line per request, never a secret.
 *
 * A line reads
 * `2026-12-04T17:01:55.123Z POST /v1/get registry=ghcr.io outcome=found
 * status=200 ms=3`, all on one line, with ` detail=…` at the end when
 * there is more to say. Values come from clients, so every character that
 * could forge a line or a field (controls, spaces, quotes, backslashes,
 * `=`) is written as `\xNN`.
 *
 * @module
 */
import { hexEscape } from '../internal/control-characters.js';

/** What became of a request, as its audit line says. */
export type AuditOutcome =
  /** Credentials were sent. */
  | 'found'
  /** The host holds nothing for the registry (or for none, for `list`). */
  | 'not-found'
  /** The agent said no: a registry off the allow-list, `store`, `erase`. */
  | 'refused'
  /** The request failed: malformed, too large, too slow, a failed helper. */
  | 'error'
  /** A ping or a list answered. */
  | 'ok';

/** One request, as audited. */
export interface AuditEntry {
  /** When the request arrived. */
  time: Date;
  /** The request's method, e.g. `POST`, or `-` for an unreadable one. */
  method: string;
  /** The request's path, e.g. `/v1/get`, or `-`. */
  path: string;
  /** The registry asked about (its key, never user info), or undefined. */
  registry?: string;
  outcome: AuditOutcome;
  /** The HTTP status answered; 0 when the client left first. */
  status: number;
  /** How long the request took, in milliseconds. */
  ms: number;
  /** More, for people: why a request failed. Never a secret. */
  detail?: string;
}

/** Where audit lines go; each call gets one line without its newline. */
export type AuditSink = (line: string) => void;

/** Longest value written into an audit line, in characters. */
const MAX_VALUE_LENGTH = 256;

// eslint-disable-next-line no-control-regex -- escaping them is the point
const UNSAFE_CHARACTER_REGEXP = /[\u0000-\u0020\u007f-\u009f"\\=]/g;
// eslint-disable-next-line no-control-regex -- the same set, to test for
const HAS_UNSAFE_CHARACTER_REGEXP = /[\u0000-\u0020\u007f-\u009f"\\=@]/;

/** Formats one audit line (without a newline). */
export function formatAuditLine(entry: AuditEntry): string {
  const registry =
    entry.registry === undefined ? '-' : auditValue(entry.registry);
  const fields = [
    entry.time.toISOString(),
    auditValue(entry.method),
    auditValue(entry.path),
    `registry=${registry}`,
    `outcome=${entry.outcome}`,
    `status=${entry.status}`,
    `ms=${Math.round(entry.ms)}`,
  ];
  if (entry.detail !== undefined) {
    fields.push(`detail=${auditValue(entry.detail)}`);
  }
  return fields.join(' ');
}

/**
 * Makes a client-given value safe for one field of one line: user info
 * before an `@` is masked, the length is capped, and unsafe characters
 * are escaped.
 */
export function auditValue(value: string): string {
  // the common case, e.g. `POST`, `/v1/get`, `ghcr.io`: nothing to change
  if (
    value.length <= MAX_VALUE_LENGTH &&
    !HAS_UNSAFE_CHARACTER_REGEXP.test(value)
  ) {
    return value;
  }
  const at = value.lastIndexOf('@');
  const masked = at === -1 ? value : `[redacted]${value.slice(at)}`;
  const capped =
    masked.length > MAX_VALUE_LENGTH
      ? `${masked.slice(0, MAX_VALUE_LENGTH)}...`
      : masked;
  return capped.replace(UNSAFE_CHARACTER_REGEXP, hexEscape);
}
