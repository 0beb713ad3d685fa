/**
 * A stand-in for a Docker token service (the far side of Bearer auth), on
 * 127.0.0.1 with a random port, good enough for Debian's distribution 2.8
 * registry to accept its tokens.
 *
 * - `GET /token` with HTTP Basic credentials and the query `account`,
 *   `service`, `scope` (repeatable), `client_id` and `offline_token`, as
 *   the Docker CLI sends it. A refresh token comes back when
 *   `offline_token=true`.
 * - `POST /token` with an OAuth2 form: `grant_type=password` (`username`,
 *   `password`, `access_type=offline` for a refresh token) or
 *   `grant_type=refresh_token` (a refresh token this issuer gave out).
 *
 * Tokens are JWTs signed with the key from {@link makeTestCerts}: header
 * `x5c` (the signing certificate's DER) and/or a libtrust `kid`; claims
 * `iss`, `sub`, `aud` (a string: 2.8 rejects a list), `exp`, `nbf`, `iat`,
 * `jti` and `access`, which grants a known user everything it asked for.
 *
 * Every request is recorded (never a password or a token), and the
 * behaviour can change while it runs, to test a POST-only or GET-only
 * service, one without refresh tokens, or one that answers garbage.
 *
 * @example
 * ```ts
 * const certs = await makeTestCerts();
 * const issuer = await startTokenIssuer({ certs, users: [alice] });
 * t.after(() => issuer.stop());
 * issuer.update({ methods: 'post-only', refusedStatus: 405 });
 * ```
 *
 * @module
 */
import {
  createHash,
  randomBytes,
  randomUUID,
  sign,
  X509Certificate,
} from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCerts } from './certs.js';
import { registerTestSecret } from './leak-secrets.js';

/** A user the issuer knows. */
export interface TokenUser {
  name: string;
  password: string;
}

/** What the issuer does; every field can change with `update()`. */
export interface TokenIssuerBehaviour {
  /** Which methods `/token` serves. @default 'both' */
  methods: 'both' | 'get-only' | 'post-only';
  /** The status for a method that `methods` turns away. @default 404 */
  refusedStatus: 404 | 405;
  /** Whether a refresh token is given when asked for. @default true */
  refreshTokens: boolean;
  /**
   * A token, or a broken answer: status 200 with an HTML page, with a body
   * that is not JSON, or with JSON that holds no token; or status 500 with
   * an HTML page ('server-error'). @default 'token'
   */
  reply: 'token' | 'html' | 'not-json' | 'no-token' | 'server-error';
  /** How the JWT header names its key. @default 'x5c' */
  keyIdentifier: 'x5c' | 'kid' | 'x5c+kid';
  /** The tokens' lifetime, also sent as `expires_in`. @default 300 */
  expiresInSeconds: number;
  /** Whether a request without credentials gets a token. @default false */
  allowAnonymous: boolean;
}

/** Options for {@link startTokenIssuer}. */
export interface TokenIssuerOptions extends Partial<TokenIssuerBehaviour> {
  /** The signing key, and the server certificate when `tls` is set. */
  certs: TestCerts;
  /** The users and their passwords. */
  users: readonly TokenUser[];
  /** The `iss` claim. @default 'regcred-test-issuer' */
  issuer?: string;
  /**
   * The `aud` claim; the registry's `service`.
   * @default 'regcred-test-registry'
   */
  service?: string;
  /** Serve https with the server certificate. @default false */
  tls?: boolean;
}

/** One request the issuer answered; it never holds a secret. */
export interface TokenRequest {
  /** The HTTP method. */
  method: string;
  /** The path, without the query. */
  path: string;
  /** The query's name-value pairs, in order. */
  query: [string, string][];
  /** For a POST, the form's names and values, with secrets masked. */
  form?: [string, string][];
  /** Whether an `Authorization: Basic` header came. */
  basicAuth: boolean;
  /** The user name of that header. */
  basicUser?: string;
  /** The `User-Agent` header. */
  userAgent?: string;
  /** The status answered. */
  status: number;
}

/** A running issuer. */
export interface TokenIssuer {
  /** `http://127.0.0.1:PORT` (or https). */
  url: string;
  /** `<url>/token`: the registry's `realm`. */
  realm: string;
  /** The `iss` claim. */
  issuer: string;
  /** The `aud` claim; the registry's `service`. */
  service: string;
  /** The signing certificate: the registry's `rootcertbundle`. */
  rootCertFile: string;
  /** The users it knows. */
  users: readonly TokenUser[];
  /** The requests so far, oldest first (a copy). */
  requests(): TokenRequest[];
  /** Forgets the requests so far. */
  clearRequests(): void;
  /** Changes the behaviour from the next request on. */
  update(behaviour: Partial<TokenIssuerBehaviour>): void;
  /** The user a refresh token was given to, if this issuer gave it. */
  refreshTokenOwner(refreshToken: string): string | undefined;
  /** Signs a token as the issuer would, for tests that need one. */
  signToken(subject: string, scopes?: readonly string[]): string;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: TokenIssuerBehaviour = {
  methods: 'both',
  refusedStatus: 404,
  refreshTokens: true,
  reply: 'token',
  keyIdentifier: 'x5c',
  expiresInSeconds: 300,
  allowAnonymous: false,
};

/** Form fields whose values are secrets, masked in recorded requests. */
const SECRET_FIELDS = new Set(['password', 'refresh_token']);

/** More than any token request; a bigger body is refused. */
const MAX_FORM_BYTES = 64 * 1024;

/** One `access` entry of a token's claims. */
interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** What a valid request asked for, once its credentials are checked. */
interface Grant {
  subject: string;
  scopes: string[];
  /** The user to give a refresh token to, when one was asked for. */
  refreshFor?: string;
  /** OAuth2 answers (POST) have no `token` field. */
  oauth: boolean;
}

/** A refused request: its status and registry-style error. */
class Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;

  constructor(status: number, code: string, message: string) {
    this.status = status;
    this.code = code;
    this.message = message;
  }
}

/** Starts an issuer on 127.0.0.1 with a port the system picks. */
export async function startTokenIssuer(
  options: TokenIssuerOptions,
): Promise<TokenIssuer> {
  const {
    certs,
    users,
    issuer = 'regcred-test-issuer',
    service = 'regcred-test-registry',
    tls = false,
    ...behaviourPatch
  } = options;
  const behaviour = { ...DEFAULT_BEHAVIOUR, ...behaviourPatch };
  const signer = new TokenSigner(certs, issuer, service);
  const recorded: TokenRequest[] = [];
  const refreshOwners = new Map<string, string>();
  for (const user of users) {
    registerTestSecret(user.password, user.name, 'token issuer user');
  }
  const context = { behaviour, users, service, signer, refreshOwners };

  const handler = (request: IncomingMessage, response: ServerResponse) => {
    handle(context, request, response, recorded).catch(() =>
      response.destroy(),
    );
  };
  const server: Server = tls
    ? createHttpsServer(
        { cert: certs.serverCertPem, key: certs.serverKeyPem },
        handler,
      )
    : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    url,
    realm: `${url}/token`,
    issuer,
    service,
    rootCertFile: certs.signing.certFile,
    users,
    requests: () => recorded.map((entry) => structuredClone(entry)),
    clearRequests: () => void recorded.splice(0),
    update: (patch) => void Object.assign(behaviour, patch),
    refreshTokenOwner: (token) => refreshOwners.get(token),
    signToken: (subject, scopes = []) =>
      signer.sign(subject, scopes, behaviour),
    stop: () => stopServer(server),
  };
}

interface IssuerContext {
  behaviour: TokenIssuerBehaviour;
  users: readonly TokenUser[];
  service: string;
  signer: TokenSigner;
  refreshOwners: Map<string, string>;
}

async function handle(
  context: IssuerContext,
  request: IncomingMessage,
  response: ServerResponse,
  recorded: TokenRequest[],
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://issuer.invalid');
  const credentials = parseBasic(request.headers.authorization);
  const entry: TokenRequest = {
    method: request.method ?? '',
    path: url.pathname,
    query: [...url.searchParams],
    basicAuth: credentials !== undefined,
    status: 0,
  };
  if (credentials) entry.basicUser = credentials.name;
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) entry.userAgent = userAgent;

  // read the whole body before answering, so the record is complete
  let form: URLSearchParams | undefined;
  if (request.method === 'POST') {
    form = new URLSearchParams(await readBody(request));
    entry.form = [...form].map(([name, value]) => [
      name,
      SECRET_FIELDS.has(name) ? '(secret)' : value,
    ]);
  } else {
    request.resume();
  }

  const answer = route(context, request.method ?? '', url, form, credentials);
  entry.status = answer.status;
  recorded.push(entry);
  response.writeHead(answer.status, { 'Content-Type': answer.contentType });
  response.end(answer.body);
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function route(
  context: IssuerContext,
  method: string,
  url: URL,
  form: URLSearchParams | undefined,
  credentials: TokenUser | undefined,
): Answer {
  const { behaviour } = context;
  const served =
    (method === 'GET' && behaviour.methods !== 'post-only') ||
    (method === 'POST' && behaviour.methods !== 'get-only');
  if (url.pathname !== '/token') {
    return text(404, 'text/plain', '404 page not found\n');
  }
  if (!served) {
    return text(behaviour.refusedStatus, 'text/plain', 'not served\n');
  }
  if (behaviour.reply !== 'token') return brokenAnswer(behaviour.reply);

  try {
    const grant = form
      ? grantForm(context, form)
      : grantQuery(context, url.searchParams, credentials);
    return text(200, 'application/json', tokenBody(context, grant));
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    const errors = [{ code: error.code, message: error.message }];
    return text(error.status, 'application/json', JSON.stringify({ errors }));
  }
}

// NOTE: `account` is recorded but not compared with the Basic user, and a
// refresh grant returns no new refresh token: real services differ here
// and the Docker CLI relies on neither.
function grantQuery(
  context: IssuerContext,
  query: URLSearchParams,
  credentials: TokenUser | undefined,
): Grant {
  checkService(context, query.get('service'));
  const scopes = query.getAll('scope').flatMap(splitScopes);
  if (credentials === undefined) return anonymousGrant(context, scopes);
  const subject = checkUser(context, credentials);
  const wantsRefresh = query.get('offline_token') === 'true';
  return refreshable(context, { subject, scopes, oauth: false }, wantsRefresh);
}

function grantForm(context: IssuerContext, form: URLSearchParams): Grant {
  checkService(context, form.get('service'));
  const scopes = splitScopes(form.get('scope') ?? '');
  const grantType = form.get('grant_type');
  if (grantType === 'password') {
    const subject = checkUser(context, {
      name: form.get('username') ?? '',
      password: form.get('password') ?? '',
    });
    const wantsRefresh = form.get('access_type') === 'offline';
    return refreshable(context, { subject, scopes, oauth: true }, wantsRefresh);
  }
  if (grantType === 'refresh_token') {
    const owner = context.refreshOwners.get(form.get('refresh_token') ?? '');
    if (owner === undefined) {
      throw new Refusal(401, 'UNAUTHORIZED', 'invalid refresh token');
    }
    return { subject: owner, scopes, oauth: true };
  }
  throw new Refusal(400, 'UNSUPPORTED', `unsupported grant_type`);
}

function refreshable(
  context: IssuerContext,
  grant: Grant,
  wantsRefresh: boolean,
): Grant {
  if (!wantsRefresh || !context.behaviour.refreshTokens) return grant;
  return { ...grant, refreshFor: grant.subject };
}

function anonymousGrant(context: IssuerContext, scopes: string[]): Grant {
  if (!context.behaviour.allowAnonymous) {
    throw new Refusal(401, 'UNAUTHORIZED', 'authentication required');
  }
  // anonymous users may pull, as on a public registry, and nothing else
  const pullOnly = scopes.map((scope) =>
    scope.replace(/:[^:]*$/, (actions) =>
      actions.includes('pull') ? ':pull' : ':',
    ),
  );
  return { subject: '', scopes: pullOnly, oauth: false };
}

function checkService(context: IssuerContext, service: string | null): void {
  if (service !== null && service !== context.service) {
    throw new Refusal(400, 'UNSUPPORTED', `unknown service "${service}"`);
  }
}

function checkUser(context: IssuerContext, credentials: TokenUser): string {
  const known = context.users.some(
    (user) =>
      user.name === credentials.name && user.password === credentials.password,
  );
  if (!known) {
    throw new Refusal(401, 'UNAUTHORIZED', 'invalid username or password');
  }
  return credentials.name;
}

function tokenBody(context: IssuerContext, grant: Grant): string {
  const { behaviour, signer, refreshOwners } = context;
  const token = signer.sign(grant.subject, grant.scopes, behaviour);
  registerTestSecret(token, undefined, 'token issuer token');
  const body: Record<string, unknown> = grant.oauth
    ? { access_token: token, scope: grant.scopes.join(' ') }
    : { token, access_token: token };
  body.expires_in = behaviour.expiresInSeconds;
  body.issued_at = new Date().toISOString();
  if (grant.refreshFor !== undefined) {
    const refreshToken = randomBytes(24).toString('base64url');
    registerTestSecret(refreshToken, undefined, 'token issuer refresh token');
    refreshOwners.set(refreshToken, grant.refreshFor);
    body.refresh_token = refreshToken;
  }
  return JSON.stringify(body);
}

function brokenAnswer(reply: TokenIssuerBehaviour['reply']): Answer {
  switch (reply) {
    case 'html':
      return text(200, 'text/html', '<html><body>Welcome</body></html>\n');
    case 'not-json':
      return text(200, 'application/json', 'this is not JSON\n');
    case 'no-token':
      return text(200, 'application/json', '{"expires_in":300}');
    default:
      return text(500, 'text/html', '<html><body>Oops</body></html>\n');
  }
}

function text(status: number, contentType: string, body: string): Answer {
  return { status, contentType, body };
}

/**
 * Splits scopes as an OAuth2 form sends them (space-separated); a query
 * repeats `scope` instead, and each value may hold one or more.
 */
function splitScopes(value: string): string[] {
  return value.split(' ').filter((scope) => scope !== '');
}

/** Signs JWTs with the test signing key. */
class TokenSigner {
  readonly #certs: TestCerts;
  readonly #issuer: string;
  readonly #service: string;
  readonly #keyId: string;

  constructor(certs: TestCerts, issuer: string, service: string) {
    this.#certs = certs;
    this.#issuer = issuer;
    this.#service = service;
    this.#keyId = libtrustKeyId(certs.signing.certPem);
  }

  sign(
    subject: string,
    scopes: readonly string[],
    behaviour: TokenIssuerBehaviour,
  ): string {
    const { algorithm, keyPem, certDerBase64 } = this.#certs.signing;
    const header: Record<string, unknown> = { typ: 'JWT', alg: algorithm };
    if (behaviour.keyIdentifier !== 'kid') header.x5c = [certDerBase64];
    if (behaviour.keyIdentifier !== 'x5c') header.kid = this.#keyId;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: this.#issuer,
      sub: subject,
      aud: this.#service,
      exp: now + behaviour.expiresInSeconds,
      nbf: now,
      iat: now,
      jti: randomUUID(),
      access: scopes.flatMap(parseScope),
    };

    const signingInput = `${encodePart(header)}.${encodePart(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput), {
      key: keyPem,
      // JWS wants ES256 signatures as raw r || s, not DER
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}

function encodePart(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Parses `type:name:actions`, e.g. `repository:team/app:pull,push`. The
 * name may hold colons (a port), so type and actions are the outer parts.
 */
function parseScope(scope: string): Access[] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || first === last) return [];
  const actions = scope.slice(last + 1).split(',');
  return [
    {
      type: scope.slice(0, first),
      name: scope.slice(first + 1, last),
      actions: actions.filter((action) => action !== ''),
    },
  ];
}

/**
 * The key ID libtrust (and so distribution 2.8) gives a public key: the
 * first 240 bits of the SHA-256 of its DER SubjectPublicKeyInfo, in
 * unpadded base32, as twelve groups of four joined by ':'.
 */
export function libtrustKeyId(certPem: string): string {
  const publicKey = new X509Certificate(certPem).publicKey;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  const encoded = base32(digest);
  return encoded.match(/.{4}/g)?.join(':') ?? encoded;
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding; 30 bytes give exactly 48 characters. */
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function parseBasic(header: string | undefined): TokenUser | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return {
    name: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
