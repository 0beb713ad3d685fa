/**
 * A tiny HTTP proxy on 127.0.0.1 for proxy tests: `CONNECT host:port`
 * tunnels (for https) and absolute-form requests (for plain http). It
 * records where each client wanted to go and, being a test tool, only
 * ever connects to loopback targets.
 *
 * @module
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';

/** A running proxy. */
export interface TestProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Targets of CONNECT requests (`host:port`), oldest first. */
  tunnels: string[];
  /** Absolute URLs of forwarded plain-http requests, oldest first. */
  forwarded: string[];
  close(): Promise<void>;
}

const LOOPBACK_HOST_REGEXP =
  /^(?:127\.\d+\.\d+\.\d+|0\.0\.0\.0|localhost|\[::1\])$/;

/** Starts the proxy. */
export async function startProxy(): Promise<TestProxy> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const server = createServer((incoming, response) => {
    forwarded.push(incoming.url ?? '');
    forward(incoming, response);
  });
  server.on('connection', track);
  server.on('connect', (incoming: IncomingMessage, client: Socket) => {
    const target = incoming.url ?? '';
    tunnels.push(target);
    const colon = target.lastIndexOf(':');
    const host = target.slice(0, colon);
    if (!LOOPBACK_HOST_REGEXP.test(host)) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(target.slice(colon + 1)), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    forwarded,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function forward(incoming: IncomingMessage, response: ServerResponse): void {
  const target = URL.canParse(incoming.url ?? '')
    ? new URL(incoming.url ?? '')
    : undefined;
  if (target === undefined || !LOOPBACK_HOST_REGEXP.test(target.hostname)) {
    response.writeHead(403).end();
    return;
  }
  const upstream = httpRequest(
    target,
    { method: incoming.method, headers: incoming.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => response.writeHead(502).end());
  incoming.pipe(upstream);
}
