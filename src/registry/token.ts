/**
 * Getting a registry token from the token service a Bearer challenge names,
 * as `docker login` does, with two regcred extensions.
 *
 * Docker's login sends exactly one request: `GET <realm>` with the query
 * `account`, `client_id=docker`, `offline_token=true`, `service` (sorted,
 * as Go encodes them; `account` and a Basic header only when there is a
 * user name and password) and no scope. The answer's `access_token` (or
 * `token`) is the token; its `refresh_token` becomes the identity token.
 *
 * Extensions (not in Docker's login):
 * 1. With a stored identity token and no password, the token comes from
 *    an OAuth2 POST, `grant_type=refresh_token`; a refusal is
 *    ERR_LOGIN_UNAUTHORIZED so the caller can ask for a password instead.
 * 2. When the GET is answered 404 or 405 (a service that speaks only
 *    OAuth2), the password goes in an OAuth2 POST, `grant_type=password`
 *    with `access_type=offline`.
 *
 * References:
 * - docker/distribution v2.8 `registry/client/auth/session.go`
 *   (`fetchTokenWithBasicAuth`, `fetchTokenWithOAuth`)
 * - distribution spec `docs/spec/auth/token.md`, `oauth.md`
 * - docker-28-observed.md "Token auth" (shared/reference)
 *
 * @module
 */
import { RegistryLoginError } from '../errors.js';
import { quoteServerText } from './server-text.js';
import type { Challenge } from './challenge.js';
import { encodeForm } from './form-encoding.js';
import { checkRealm } from './realm.js';
import {
  readTokenGrant,
  readTokenRefusal,
  type TokenGrant,
} from './token-answer.js';
import {
  displayUrl,
  type HttpAnswer,
  type HttpTransport,
} from './transport.js';

/** The `client_id` Docker sends. */
const CLIENT_ID = 'docker';

/** What {@link fetchToken} needs. */
export interface TokenRequest {
  transport: HttpTransport;
  /** The Bearer challenge. */
  challenge: Challenge;
  /** The registry's `/v2/` URL, whose answer held the challenge. */
  registry: URL;
  username: string;
  password: string;
  /** A refresh token to use instead of the password (extension 1). */
  identityToken?: string | undefined;
}

/**
 * Asks the token service for a token.
 *
 * @throws {RegistryLoginError} ERR_LOGIN_UNAUTHORIZED when the service
 *   refuses the credentials; ERR_TOKEN_SERVICE for a realm regcred will
 *   not use or an answer that is no token; network errors as the
 *   transport reports them.
 */
export async function fetchToken(request: TokenRequest): Promise<TokenGrant> {
  const { challenge, registry, username, password, identityToken } = request;
  const hasPassword = username !== '' && password !== '';
  const usesIdentityToken =
    identityToken !== undefined && identityToken !== '' && password === '';
  const realm = checkRealm(
    challenge.parameters.get('realm'),
    registry,
    hasPassword || usesIdentityToken,
  );
  const service = challenge.parameters.get('service') ?? '';

  if (usesIdentityToken) {
    return postForToken(request, realm, [
      ['grant_type', 'refresh_token'],
      ['refresh_token', identityToken],
      ['client_id', CLIENT_ID],
      ['service', service],
      ['scope', ''],
    ]);
  }

  const answer = await getToken(request, realm, service, hasPassword);
  if (answer.status >= 200 && answer.status < 400) {
    return grantOf(answer, request);
  }
  if ((answer.status === 404 || answer.status === 405) && hasPassword) {
    return postForToken(request, realm, [
      ['grant_type', 'password'],
      ['username', username],
      ['password', password],
      ['client_id', CLIENT_ID],
      ['service', service],
      ['scope', ''],
      ['access_type', 'offline'],
    ]);
  }
  throw refusalError(answer, request);
}

/** Docker's one token request: a GET with Basic credentials. */
async function getToken(
  request: TokenRequest,
  realm: URL,
  service: string,
  hasPassword: boolean,
): Promise<HttpAnswer> {
  // the realm's own query is kept, as Go's url.Values keeps it
  const query: Array<[string, string]> = [...realm.searchParams];
  if (service !== '') query.push(['service', service]);
  query.push(['offline_token', 'true'], ['client_id', CLIENT_ID]);
  const headers: Record<string, string> = {};
  if (hasPassword) {
    query.push(['account', request.username]);
    const pair = `${request.username}:${request.password}`;
    headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
  }

  const url = new URL(realm.href);
  url.hash = '';
  url.search = encodeForm(query);
  return request.transport.send({
    method: 'GET',
    url: url.href,
    purpose: 'tokenService',
    headers,
    readBody: true,
  });
}

/** An OAuth2 token request (extensions 1 and 2). */
async function postForToken(
  request: TokenRequest,
  realm: URL,
  form: Array<[string, string]>,
): Promise<TokenGrant> {
  const answer = await request.transport.send({
    method: 'POST',
    url: realm.href,
    purpose: 'tokenService',
    form: encodeForm(form),
    readBody: true,
  });
  if (answer.status >= 200 && answer.status < 400) {
    return grantOf(answer, request);
  }
  const usedIdentityToken = form.some(
    ([name, value]) => name === 'grant_type' && value === 'refresh_token',
  );
  if (usedIdentityToken && answer.status < 500) {
    const { message } = readTokenRefusal(
      answer.status,
      answer.headers,
      answer.body,
      secretsOf(request),
    );
    throw new RegistryLoginError(
      'ERR_LOGIN_UNAUTHORIZED',
      `The token service ${displayUrl(answer.url)} refused the stored ` +
        `identity token for ${displayUrl(request.registry.href)} ` +
        `(${answer.status}: ${message}); log in with a password again`,
      { url: displayUrl(answer.url), status: answer.status },
    );
  }
  throw refusalError(answer, request);
}

function grantOf(answer: HttpAnswer, request: TokenRequest): TokenGrant {
  const contentType = String(answer.headers['content-type'] ?? 'none');
  const grant = readTokenGrant(answer.body, contentType);
  if ('token' in grant) return grant;

  let why: string;
  switch (grant.kind) {
    case 'not-json':
      // the server's own header, quoted as all server text is
      why =
        'its answer is not JSON (content type ' +
        `${quoteServerText(contentType)})`;
      break;
    case 'not-object':
      why = 'its answer is JSON but not an object';
      break;
    case 'bad-field':
      why = `the field '${grant.field}' of its answer is not a string`;
      break;
    case 'no-token':
      why = 'its answer holds no token (neither access_token nor token)';
      break;
    case 'unsafe-token':
      why =
        'its token holds spaces, control or non-ASCII characters, which ' +
        'no HTTP header may carry';
      break;
  }
  return tokenServiceFailure(
    answer,
    request,
    `${why}; is the realm a token service?`,
  );
}

/** The error for an answer with a status of 400 or more. */
function refusalError(
  answer: HttpAnswer,
  request: TokenRequest,
): RegistryLoginError {
  const refusal = readTokenRefusal(
    answer.status,
    answer.headers,
    answer.body,
    secretsOf(request),
  );
  const url = displayUrl(answer.url);
  const registry = displayUrl(request.registry.href);
  if (refusal.unauthorized) {
    return new RegistryLoginError(
      'ERR_LOGIN_UNAUTHORIZED',
      `Login to ${registry} refused by the token service ${url}: ` +
        refusal.message,
      { url, status: answer.status },
    );
  }
  return new RegistryLoginError(
    'ERR_TOKEN_SERVICE',
    `The token service ${url} of ${registry} failed: ${refusal.message}`,
    { url, status: answer.status },
  );
}

function tokenServiceFailure(
  answer: HttpAnswer,
  request: TokenRequest,
  why: string,
): never {
  const url = displayUrl(answer.url);
  throw new RegistryLoginError(
    'ERR_TOKEN_SERVICE',
    `The token service ${url} of ${displayUrl(request.registry.href)} ` +
      `gave no usable token: ${why}`,
    { url, status: answer.status },
  );
}

function secretsOf(request: TokenRequest): string[] {
  return [request.password, request.identityToken ?? ''];
}
