/**
 * A small stand-in registry for login tests, on 127.0.0.1 and a free
 * port: `GET /v2/` answers 401 with a Basic or Bearer challenge, and 200
 * to known credentials. The Bearer kind serves its own token service at
 * `/token` on the same port: Basic credentials (GET, Docker's way) or a
 * refresh token (POST, grant_type=refresh_token) buy an access token and
 * a new refresh token. Every request is recorded with the credentials it
 * carried, so tests can check exactly what a login sent.
 *
 * @example
 * ```ts
 * const registry = await startLoginRegistry({ users: { alice: 'pw' } });
 * // regcred login -u alice --password-stdin ${registry.host}
 * assert.equal(registry.basicLogins().at(-1)?.password, 'pw');
 * await registry.close();
 * ```
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerTestSecret } from './leak-secrets.js';

/** What the stand-in accepts. */
export interface LoginRegistryOptions {
  /** User name to password. */
  users: Record<string, string>;
  /** 'basic' (default) or 'bearer' with a token service. */
  scheme?: 'basic' | 'bearer';
  /** Refresh tokens the token service accepts, to the user they stand for. */
  refreshTokens?: Record<string, string>;
}

/** One request the stand-in received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Basic credentials, when the request carried them. */
  basic?: { username: string; password: string };
  /** A Bearer token, when the request carried one. */
  bearer?: string;
  /** The form body of a POST. */
  form?: URLSearchParams;
}

/** A running stand-in; see {@link startLoginRegistry}. */
export interface LoginRegistry {
  /** `127.0.0.1:PORT`, the address to log in to. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  requests: RecordedRequest[];
  /** The Basic credentials each request carried, in order. */
  basicLogins(): { username: string; password: string }[];
  /** Refresh tokens handed out so far, in order. */
  issuedRefreshTokens: string[];
  close(): Promise<void>;
}

/** Starts a stand-in registry; close() it when done. */
export async function startLoginRegistry(
  options: LoginRegistryOptions,
): Promise<LoginRegistry> {
  for (const [user, password] of Object.entries(options.users)) {
    registerTestSecret(password, user, 'login registry user');
  }
  for (const token of Object.keys(options.refreshTokens ?? {})) {
    registerTestSecret(token, undefined, 'login registry refresh token');
  }
  const requests: RecordedRequest[] = [];
  const issuedRefreshTokens: string[] = [];
  const accessTokens = new Set<string>();
  const refreshTokens = new Map(Object.entries(options.refreshTokens ?? {}));
  const scheme = options.scheme ?? 'basic';
  let host = '';

  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const recorded = record(request, body);
      requests.push(recorded);
      const path = recorded.path.split('?')[0];
      if (path === '/v2/' || path === '/v2') {
        answerV2(recorded, response);
      } else if (path === '/token' && scheme === 'bearer') {
        answerToken(recorded, response);
      } else {
        reply(response, 404, { errors: [{ message: 'not found' }] });
      }
    });
  });

  const known = (creds: RecordedRequest['basic']): boolean =>
    creds !== undefined && options.users[creds.username] === creds.password;

  function answerV2(request: RecordedRequest, response: ServerResponse): void {
    const ok =
      scheme === 'basic'
        ? known(request.basic)
        : request.bearer !== undefined && accessTokens.has(request.bearer);
    if (ok) return reply(response, 200, {});
    const challenge =
      scheme === 'basic'
        ? 'Basic realm="login-registry"'
        : `Bearer realm="http://${host}/token",service="login-registry"`;
    response.setHeader('WWW-Authenticate', challenge);
    reply(response, 401, {
      errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
    });
  }

  function answerToken(
    request: RecordedRequest,
    response: ServerResponse,
  ): void {
    let user: string | undefined;
    if (request.method === 'POST') {
      const token = request.form?.get('refresh_token') ?? '';
      if (request.form?.get('grant_type') === 'refresh_token') {
        user = refreshTokens.get(token);
      }
    } else if (known(request.basic)) {
      user = request.basic?.username;
    }
    if (user === undefined) {
      return reply(response, 401, {
        errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }],
      });
    }
    const access = `access-${accessTokens.size + 1}`;
    const refresh = `refresh-${issuedRefreshTokens.length + 1}-${user}`;
    accessTokens.add(access);
    registerTestSecret(access, undefined, 'login registry access token');
    registerTestSecret(refresh, undefined, 'login registry refresh token');
    refreshTokens.set(refresh, user);
    issuedRefreshTokens.push(refresh);
    reply(response, 200, {
      token: access,
      access_token: access,
      refresh_token: refresh,
      expires_in: 300,
    });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  return {
    host,
    url: `http://${host}`,
    requests,
    issuedRefreshTokens,
    basicLogins: () =>
      requests.flatMap((request) => (request.basic ? [request.basic] : [])),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function record(request: IncomingMessage, body: string): RecordedRequest {
  const recorded: RecordedRequest = {
    method: request.method ?? '',
    path: request.url ?? '',
  };
  const authorization = request.headers.authorization ?? '';
  const [kind, value = ''] = authorization.split(' ', 2);
  if (kind === 'Basic') {
    const text = Buffer.from(value, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    recorded.basic = {
      username: text.slice(0, colon),
      password: text.slice(colon + 1),
    };
  } else if (kind === 'Bearer') {
    recorded.bearer = value;
  }
  if (request.method === 'POST') recorded.form = new URLSearchParams(body);
  return recorded;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  request.setEncoding('utf8');
  for await (const chunk of request) body += chunk;
  return body;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json');
  response.end(JSON.stringify(body));
}
