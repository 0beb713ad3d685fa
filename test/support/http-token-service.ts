/**
 * A handler that makes a {@link startServer} server act as a token service
 * (distribution's token spec): `GET` with Basic credentials, and the OAuth2
 * `POST` forms regcred's extensions send.
 *
 * @module
 */
import { basicCredentials, json, type Handler } from './http-server.js';
import { registerTestSecret } from './leak-secrets.js';

/** Options of {@link tokenService}. */
export interface TokenServiceOptions {
  /** Accepted user names and passwords. */
  users: Record<string, string>;
  /** The token handed out. */
  token: string;
  /** A refresh token handed out with it, if any. */
  refreshToken?: string;
  /** Refresh tokens the POST refresh_token grant accepts. */
  acceptedRefreshTokens?: string[];
  /** Answer the GET with this status instead (e.g. 404 or 405). */
  getStatus?: number;
}

/** The token service; a refusal is distribution's 401 JSON. */
export function tokenService(options: TokenServiceOptions): Handler {
  for (const [user, password] of Object.entries(options.users)) {
    registerTestSecret(password, user, 'token service user');
  }
  const tokens = [
    options.token,
    options.refreshToken ?? '',
    ...(options.acceptedRefreshTokens ?? []),
  ];
  for (const token of tokens) {
    registerTestSecret(token, undefined, 'token service token');
  }
  const granted = (): ReturnType<Handler> =>
    json(200, {
      token: options.token,
      ...(options.refreshToken === undefined
        ? {}
        : { refresh_token: options.refreshToken }),
    });
  const refused = (): ReturnType<Handler> =>
    json(401, {
      errors: [
        { code: 'UNAUTHORIZED', message: 'invalid username or password' },
      ],
    });

  return (request) => {
    if (request.method === 'GET') {
      if (options.getStatus !== undefined) {
        return { status: options.getStatus, body: 'no GET here' };
      }
      const given = basicCredentials(request.headers);
      return given !== undefined && options.users[given[0]] === given[1]
        ? granted()
        : refused();
    }
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') === 'password') {
      const user = form.get('username') ?? '';
      return options.users[user] === form.get('password')
        ? granted()
        : json(400, { error: 'invalid_grant' });
    }
    if (form.get('grant_type') === 'refresh_token') {
      const accepted = options.acceptedRefreshTokens ?? [];
      return accepted.includes(form.get('refresh_token') ?? '')
        ? granted()
        : json(400, {
            error: 'invalid_grant',
            error_description: 'refresh token expired',
          });
    }
    return json(400, { error: 'unsupported_grant_type' });
  };
}
