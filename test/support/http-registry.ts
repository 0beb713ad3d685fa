/**
 * Handlers that make a {@link startServer} server act as a registry's
 * `/v2/` endpoint: Basic (htpasswd-like), Bearer (token service), or open.
 *
 * @module
 */
import {
  basicCredentials,
  json,
  type CannedAnswer,
  type Handler,
} from './http-server.js';
import { registerTestSecret } from './leak-secrets.js';

/** The error body distribution answers a refused request with. */
const UNAUTHORIZED_BODY = {
  errors: [
    { code: 'UNAUTHORIZED', message: 'authentication required', detail: null },
  ],
};

/** A registry with Basic auth for `users` (name to password). */
export function basicRegistry(users: Record<string, string>): Handler {
  for (const [user, password] of Object.entries(users)) {
    registerTestSecret(password, user, 'basic registry user');
  }
  return (request) => {
    const given = basicCredentials(request.headers);
    if (given !== undefined && users[given[0]] === given[1]) {
      return v2Ok();
    }
    return json(401, UNAUTHORIZED_BODY, {
      'www-authenticate': 'Basic realm="Registry Realm"',
    });
  };
}

/** Options of {@link bearerRegistry}. */
export interface BearerRegistryOptions {
  /** The token service URL the challenge names. */
  realm: string;
  service?: string;
  /** The tokens the registry accepts. */
  acceptedTokens: string[];
  /** More `WWW-Authenticate` lines, sent after the Bearer one. */
  moreChallenges?: string[];
}

/** A registry that sends clients to a token service. */
export function bearerRegistry(options: BearerRegistryOptions): Handler {
  for (const token of options.acceptedTokens) {
    registerTestSecret(token, undefined, 'bearer registry token');
  }
  return (request) => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (
      bearer?.[1] !== undefined &&
      options.acceptedTokens.includes(bearer[1])
    ) {
      return v2Ok();
    }
    const service =
      options.service === undefined ? '' : `,service="${options.service}"`;
    return json(401, UNAUTHORIZED_BODY, {
      'www-authenticate': [
        `Bearer realm="${options.realm}"${service}`,
        ...(options.moreChallenges ?? []),
      ],
    });
  };
}

/** A registry that lets everyone in. */
export function openRegistry(): Handler {
  return () => v2Ok();
}

function v2Ok(): CannedAnswer {
  return json(200, {}, { 'docker-distribution-api-version': 'registry/2.0' });
}
