/**
 * The HTTP client of a login: undici underneath, with Docker's habits and
 * regcred's limits on top.
 *
 * - TLS settings per endpoint (see tls-material.ts); a host name other
 *   than the registry's always has its certificate verified.
 * - Proxies from the environment with Go's rules (see proxy.ts).
 * - Redirects followed here, at most 10 as in Go: 301, 302 and 303 turn a
 *   POST into a GET without body, 307 and 308 keep both. `Authorization`
 *   and a form are sent only while the host name is the first request's
 *   and an https request has not been sent on to plain http.
 * - Every body read with a cap; 15 s for a request with its redirects and
 *   body, as Docker's client allows.
 * - Counts the answers received, per purpose (registry, token service).
 *
 * undici is loaded on first use (see lazy-modules.ts): it is left out of
 * the CLI's bundle so that commands which never log in do not pay for it.
 *
 * @module
 */
import type { Dispatcher } from 'undici';
import { RegistryLoginError } from '../errors.js';
import { debug } from '../debug.js';
import { loadUndici, undici } from './lazy-modules.js';
import { connectionFailure, timeoutFailure } from './network-errors.js';
import { proxyFor, proxySettingsFrom, type ProxySettings } from './proxy.js';
import type { TlsMaterial } from './tls-material.js';

/** How long a request may take with its redirects and body, as Docker's
 * client (`http.Client.Timeout`). */
const REQUEST_TIMEOUT_MS = 15_000;

/** How long a TCP connect plus TLS handshake may take (Go: 10 s for the
 * handshake). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The largest body read: token answers are a few KiB (a JWT with its
 * certificate chain); anything near this is not a token service.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How many redirects one request may follow (Go's http.Client). */
const MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Whom a request is for, for the request counts. */
export type RequestPurpose = 'registry' | 'tokenService';

/** One request. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  purpose: RequestPurpose;
  headers?: Record<string, string>;
  /** A form body (`application/x-www-form-urlencoded`) for a POST. */
  form?: string;
  /** Read the body (token answers); otherwise it is discarded. */
  readBody?: boolean;
}

/** An answer, after redirects. */
export interface HttpAnswer {
  status: number;
  /** Header names lowercased; a repeated header is an array. */
  headers: Record<string, string | string[] | undefined>;
  /** The URL that answered, after redirects. */
  url: string;
  /** The body when it was asked for, else empty. */
  body: Buffer;
}

/** What {@link HttpTransport} needs. */
export interface TransportOptions {
  userAgent: string;
  env: NodeJS.ProcessEnv;
  /** The registry's host name and its TLS settings. */
  registryHostname: string;
  registryTls: TlsMaterial;
  /** Settings for other host names (token services, redirects). */
  otherTls: TlsMaterial;
  signal?: AbortSignal | undefined;
  /** @default REQUEST_TIMEOUT_MS */
  timeoutMs?: number | undefined;
}

/** Sends the requests of one login endpoint; {@link close} when done. */
export class HttpTransport {
  /** Answers received so far, redirects included. */
  readonly requests: Record<RequestPurpose, number> = {
    registry: 0,
    tokenService: 0,
  };

  readonly #options: TransportOptions;
  readonly #proxies: ProxySettings;
  readonly #dispatchers = new Map<string, Dispatcher>();

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#proxies = proxySettingsFrom(options.env);
  }

  /**
   * Sends `request`, following redirects.
   *
   * @throws {RegistryLoginError} ERR_REGISTRY_UNREACHABLE or ERR_TLS when
   *   no answer came; ERR_TOKEN_SERVICE or ERR_LOGIN_FAILED for a body over
   *   the cap or a redirect that cannot be followed.
   * @throws the caller's abort reason when its signal fires.
   */
  async send(request: HttpRequest): Promise<HttpAnswer> {
    const timeoutMs = this.#options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const callerSignal = this.#options.signal;
    const signal = callerSignal
      ? AbortSignal.any([callerSignal, timeout])
      : timeout;
    try {
      return await this.#follow(request, signal);
    } catch (error) {
      const url = displayUrl(request.url);
      if (callerSignal?.aborted === true) throw callerSignal.reason;
      if (timeout.aborted) throw timeoutFailure(url, timeoutMs);
      if (error instanceof RegistryLoginError) throw error;
      // a failure while reading a body
      throw connectionFailure(error, url);
    }
  }

  /** Closes the connections this transport opened. */
  async close(): Promise<void> {
    const dispatchers = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.all(dispatchers.map((one) => one.destroy()));
  }

  async #follow(
    request: HttpRequest,
    signal: AbortSignal,
  ): Promise<HttpAnswer> {
    const first = new URL(request.url);
    let url = first;
    let method = request.method;
    let form = request.form;

    for (let redirects = 0; ; redirects += 1) {
      const headers = this.#headersFor(request, url, first, form);
      const answer = await this.#once(method, url, headers, form, signal);
      this.requests[request.purpose] += 1;
      debug(`${method} ${displayUrl(url.href)} -> ${answer.statusCode}`);

      const location = redirectLocation(answer);
      if (location === undefined) {
        return this.#finish(request, url, answer, signal);
      }
      await discard(answer, signal);
      if (redirects === MAX_REDIRECTS) {
        throw this.#redirectError(
          request,
          url,
          `it stopped after ${MAX_REDIRECTS} redirects`,
        );
      }
      const next = resolveLocation(location, url);
      if (next === undefined) {
        throw this.#redirectError(
          request,
          url,
          'it redirects to an unusable location',
        );
      }
      if (answer.statusCode <= 303) {
        if (method === 'POST') method = 'GET';
        form = undefined;
      } else if (form !== undefined && !keepsCredentials(first, next)) {
        // NOTE: Go re-sends the body; a token form holds a password or a
        // refresh token, so regcred does not send it to another host, nor
        // from https to plain http.
        throw this.#redirectError(
          request,
          url,
          next.hostname === first.hostname
            ? `it redirects the form from https to plain http (${next.host})`
            : `it redirects the form to another host (${next.host})`,
        );
      }
      url = next;
    }
  }

  #headersFor(
    request: HttpRequest,
    url: URL,
    first: URL,
    form: string | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': this.#options.userAgent,
    };
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      const lower = name.toLowerCase();
      // credentials stay with the host name they were meant for
      if (lower === 'authorization' && !keepsCredentials(first, url)) {
        continue;
      }
      headers[lower] = value;
    }
    if (form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    return headers;
  }

  async #once(
    method: string,
    url: URL,
    headers: Record<string, string>,
    form: string | undefined,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    const { request } = await loadUndici();
    const tls = this.#tlsFor(url);
    const dispatcher = this.#dispatcherFor(url, tls);
    try {
      return await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: form ?? null,
        dispatcher,
        signal,
        maxRedirections: 0,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const caAdvice = tls.verify ? tls.caAdvice : undefined;
      throw connectionFailure(error, displayUrl(url.href), { caAdvice });
    }
  }

  #tlsFor(url: URL): TlsMaterial {
    const { registryHostname, registryTls, otherTls } = this.#options;
    return url.hostname === registryHostname ? registryTls : otherTls;
  }

  #dispatcherFor(url: URL, tls: TlsMaterial): Dispatcher {
    const known = this.#dispatchers.get(url.origin);
    if (known !== undefined) return known;
    const { Agent, ProxyAgent } = undici();
    const connect = {
      timeout: Math.min(
        CONNECT_TIMEOUT_MS,
        this.#options.timeoutMs ?? REQUEST_TIMEOUT_MS,
      ),
      rejectUnauthorized: tls.verify,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.clientCertificate ?? {}),
    };

    const proxy = proxyFor(url, this.#proxies);
    let dispatcher: Dispatcher;
    // requests run one after another: one connection per origin, reused
    // (with more, undici may open a second before the first is idle)
    if (proxy === undefined) {
      dispatcher = new Agent({ connections: 1, connect });
    } else if ('invalid' in proxy || !isHttpProxy(proxy.url)) {
      // NOTE: Go also takes socks5:// proxies; undici has no SOCKS client
      throw new RegistryLoginError(
        'ERR_REGISTRY_UNREACHABLE',
        `Cannot reach ${displayUrl(url.href)}: ${proxy.variable} does not ` +
          'hold an http:// or https:// proxy URL regcred can use',
        { url: displayUrl(url.href) },
      );
    } else {
      debug(`${url.origin} through the proxy from ${proxy.variable}`);
      // proxyTunnel false: plain-http requests go to the proxy as
      // absolute URLs, as Go sends them; https ones through CONNECT
      dispatcher = new ProxyAgent({
        uri: proxy.url.href,
        connections: 1,
        requestTls: connect,
        proxyTunnel: false,
      });
    }
    this.#dispatchers.set(url.origin, dispatcher);
    return dispatcher;
  }

  async #finish(
    request: HttpRequest,
    url: URL,
    answer: Dispatcher.ResponseData,
    signal: AbortSignal,
  ): Promise<HttpAnswer> {
    const result: HttpAnswer = {
      status: answer.statusCode,
      headers: answer.headers,
      url: url.href,
      body: Buffer.alloc(0),
    };
    if (request.readBody !== true) {
      await discard(answer, signal);
      return result;
    }
    const body = await readCapped(answer, MAX_BODY_BYTES);
    if (body === undefined) {
      throw new RegistryLoginError(
        request.purpose === 'tokenService'
          ? 'ERR_TOKEN_SERVICE'
          : 'ERR_LOGIN_FAILED',
        `The answer of ${displayUrl(url.href)} is larger than ` +
          `${MAX_BODY_BYTES / 1024 / 1024} MiB, which no token answer needs; ` +
          'regcred stopped reading it. Check that it is the token ' +
          "service the registry's challenge should name",
        { url: displayUrl(url.href), status: answer.statusCode },
      );
    }
    result.body = body;
    return result;
  }

  #redirectError(
    request: HttpRequest,
    url: URL,
    why: string,
  ): RegistryLoginError {
    return new RegistryLoginError(
      request.purpose === 'tokenService'
        ? 'ERR_TOKEN_SERVICE'
        : 'ERR_LOGIN_FAILED',
      `Cannot follow the redirect of ${displayUrl(url.href)}: ${why}`,
      { url: displayUrl(url.href) },
    );
  }
}

/**
 * A URL as it may appear in messages and debug lines: scheme, host and
 * path. The query is left out (it may hold an account name or worse), and
 * so is user info.
 */
export function displayUrl(url: string): string {
  if (!URL.canParse(url)) return url.split(/[?#]/, 1)[0] ?? '';
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/**
 * Whether credentials meant for `first` may go to `next`, a redirect's
 * target: the same host name, and not from https down to plain http.
 *
 * NOTE: Go keeps `Authorization` on any redirect within the host name; a
 * downgrade would put credentials meant for https in the clear, which
 * the realm rule (realm.ts) refuses for other hosts, so regcred drops it.
 */
function keepsCredentials(first: URL, next: URL): boolean {
  const downgrade = first.protocol === 'https:' && next.protocol === 'http:';
  return next.hostname === first.hostname && !downgrade;
}

function redirectLocation(answer: Dispatcher.ResponseData): string | undefined {
  if (!REDIRECT_STATUSES.has(answer.statusCode)) return undefined;
  const location = answer.headers['location'];
  const value = Array.isArray(location) ? location[0] : location;
  // a 3xx without Location is an answer, as Go treats it
  return value === undefined || value === '' ? undefined : value;
}

function resolveLocation(location: string, base: URL): URL | undefined {
  if (!URL.canParse(location, base.href)) return undefined;
  const next = new URL(location, base);
  return next.protocol === 'http:' || next.protocol === 'https:'
    ? next
    : undefined;
}

function isHttpProxy(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}

/**
 * Drops a body that is not needed: undici reads up to 128 KiB of it to
 * keep the connection, else closes it. When the request times out, undici
 * ends a stalled body quietly; the check after makes that the timeout it
 * is, instead of letting the login go on as if the answer were complete.
 */
async function discard(
  answer: Dispatcher.ResponseData,
  signal: AbortSignal,
): Promise<void> {
  await answer.body.dump();
  signal.throwIfAborted();
}

/** The body, or undefined when it is longer than `limit` bytes. */
async function readCapped(
  answer: Dispatcher.ResponseData,
  limit: number,
): Promise<Buffer | undefined> {
  const declared = Number(answer.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    // destroying emits an abort error; with no reader, nothing would
    // catch it and it would end the process
    answer.body.on('error', () => undefined);
    answer.body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer.body) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > limit) {
      answer.body.destroy();
      return undefined;
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
