/**
 * A small HTTP or HTTPS server on a loopback address, for registry tests:
 * it records every request (method, path, headers, body) and answers with
 * a handler the test gives.
 *
 * @module
 */
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** One request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The common name of the client certificate, over TLS, if one came. */
  clientName?: string;
}

/** What a handler answers; `headers` values may be arrays (repeated). */
export interface CannedAnswer {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/** Decides the answer to one request. */
export type Handler = (
  request: RecordedRequest,
) => CannedAnswer | Promise<CannedAnswer>;

/** TLS key and certificate (PEM) for an HTTPS server. */
export interface ServerTls {
  key: string;
  cert: string;
  /** CAs to check client certificates with; asks for one when set. */
  ca?: string;
}

/** A running server. */
export interface TestServer {
  /** `127.0.0.1:PORT` (or the host it listens on). */
  host: string;
  port: number;
  /** `http://host:port` or `https://host:port`. */
  url: string;
  /** Every request so far, oldest first. */
  requests: RecordedRequest[];
  /** Replaces the handler. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** Starts a server on `address` (default 127.0.0.1), port chosen freely. */
export async function startServer(
  handler: Handler,
  options: { address?: string; tls?: ServerTls } = {},
): Promise<TestServer> {
  const address = options.address ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  let current = handler;
  const listener = (incoming: IncomingMessage, response: ServerResponse) => {
    void answer(incoming, response);
  };
  const answer = async (
    incoming: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const request: RecordedRequest = {
      method: incoming.method ?? '',
      url: incoming.url ?? '',
      headers: incoming.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    const peer = (incoming.socket as TLSSocket).getPeerCertificate?.();
    const clientName = peer?.subject?.CN;
    if (typeof clientName === 'string') request.clientName = clientName;
    requests.push(request);
    const canned = await current(request);
    response.writeHead(canned.status, canned.headers ?? {});
    response.end(canned.body ?? '');
  };

  const server: Server = options.tls
    ? createHttpsServer(
        {
          ...options.tls,
          requestCert: options.tls.ca !== undefined,
          rejectUnauthorized: false,
        },
        listener,
      )
    : createHttpServer(listener);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as { port: number };
  const host = `${address}:${port}`;

  return {
    host,
    port,
    url: `${options.tls ? 'https' : 'http'}://${host}`,
    requests,
    handle(next) {
      current = next;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Decodes a `Basic` Authorization header: [user, password], if any. */
export function basicCredentials(
  headers: IncomingHttpHeaders,
): [string, string] | undefined {
  const match = /^Basic (.+)$/.exec(headers.authorization ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** A JSON answer. */
export function json(
  status: number,
  value: unknown,
  headers: Record<string, string | string[]> = {},
): CannedAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}
