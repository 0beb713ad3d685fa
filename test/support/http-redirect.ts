/**
 * A handler that makes a {@link startServer} server redirect every request
 * elsewhere, keeping the path and query.
 *
 * @module
 */
import type { Handler } from './http-server.js';

/** Redirects to `base` + the request's path and query. */
export function redirectingTo(base: string, status = 307): Handler {
  return (request) => ({
    status,
    headers: { location: `${base}${request.url}` },
  });
}
