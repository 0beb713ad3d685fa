/**
 * A registry or token service that misbehaves on purpose, on a loopback
 * address, for tests of how regcred stands up to hostile servers.
 *
 * It speaks HTTP/1.1 on a raw TCP socket, so an answer can do what a
 * well-behaved HTTP library would not let it: repeat or garble headers,
 * send megabytes of them, trickle out byte by byte, or stream a body of
 * hundreds of megabytes (generated as it goes, never held in memory).
 *
 * Every request is recorded with its raw bytes, so a test can check that
 * no secret reached a host it was not meant for. A TLS handshake (the
 * https attempt regcred makes first on loopback) is cut at once.
 *
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';

/** One request the server received. */
export interface HostileRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Header names lowercased; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
  /** The request as it came on the wire, head and body. */
  raw: string;
}

/** How a body is sent. */
export interface StreamedBody {
  /** How many bytes of filler to send. */
  bytes: number;
  /** Say so in Content-Length (else the body is chunked). */
  declareLength: boolean;
  /** What the filler starts with (e.g. `{"token":"`). */
  prefix?: string;
}

/** What the server answers. */
export interface HostileAnswer {
  status: number;
  /** Header lines in order; a name may repeat. */
  headers?: Array<[string, string]>;
  body?: string | StreamedBody;
  /** Send the answer one byte at a time, this many ms apart. */
  dripMs?: number;
  /** Claim this Content-Length, whatever the body's real length. */
  claimedLength?: number;
  /** Leave the connection open after the body (never finish). */
  stall?: boolean;
  /** Send these bytes instead of an HTTP answer, then close. */
  raw?: string;
}

/** Decides the answer to one request. */
export type HostileHandler = (
  request: HostileRequest,
) => HostileAnswer | undefined;

/** A running hostile server. */
export interface HostileServer {
  /** `127.0.0.x:PORT`. */
  host: string;
  hostname: string;
  port: number;
  /** `http://host:port`. */
  url: string;
  /** Every request so far, oldest first. */
  requests: HostileRequest[];
  /** Body bytes written by streamed answers, summed. */
  readonly streamedBytes: number;
  /** Forgets the requests and streamed bytes so far. */
  reset(): void;
  handle(handler: HostileHandler): void;
  close(): Promise<void>;
}

const HEAD_END = '\r\n\r\n';
/** A chunk of filler: 64 KiB, sent again and again. */
const FILLER = Buffer.alloc(64 * 1024, 'a');

/** Starts a server on `address` (default 127.0.0.1). */
export async function startHostileServer(
  handler: HostileHandler,
  address = '127.0.0.1',
): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const state = { requests: [] as HostileRequest[], streamedBytes: 0 };
  let current = handler;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serve(
      socket,
      (request) => {
        state.requests.push(request);
        return current(request);
      },
      state,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as { port: number };
  const host = `${address}:${port}`;
  return {
    host,
    hostname: address,
    port,
    url: `http://${host}`,
    get requests() {
      return state.requests;
    },
    get streamedBytes() {
      return state.streamedBytes;
    },
    reset() {
      state.requests.length = 0;
      state.streamedBytes = 0;
    },
    handle(next) {
      current = next;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads one request from `socket`, answers it, and closes. */
function serve(
  socket: Socket,
  decide: HostileHandler,
  state: { streamedBytes: number },
): void {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    // a TLS ClientHello: this is no https server
    if (received.length === 0 && chunk[0] === 0x16) {
      socket.destroy();
      return;
    }
    received = Buffer.concat([received, chunk]);
    const request = parseRequest(received);
    if (request === undefined) return;
    socket.off('data', onData);
    const answer = decide(request);
    if (answer === undefined) return; // never answer
    void sendAnswer(socket, answer, state).catch(() => socket.destroy());
  };
  socket.on('data', onData);
}

/** The request in `bytes`, once head and body are complete. */
function parseRequest(bytes: Buffer): HostileRequest | undefined {
  const text = bytes.toString('latin1');
  const headEnd = text.indexOf(HEAD_END);
  if (headEnd === -1) return undefined;
  const [requestLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const bodyLength = Number(headers['content-length'] ?? 0);
  const bodyStart = headEnd + HEAD_END.length;
  if (text.length - bodyStart < bodyLength) return undefined;
  const [method = '', url = ''] = requestLine.split(' ');
  return {
    method,
    url,
    headers,
    body: text.slice(bodyStart, bodyStart + bodyLength),
    raw: text.slice(0, bodyStart + bodyLength),
  };
}

async function sendAnswer(
  socket: Socket,
  answer: HostileAnswer,
  state: { streamedBytes: number },
): Promise<void> {
  if (answer.raw !== undefined) {
    await write(socket, Buffer.from(answer.raw, 'latin1'));
    socket.end();
    return;
  }
  const lines = [`HTTP/1.1 ${answer.status} Hostile`];
  for (const [name, value] of answer.headers ?? []) {
    lines.push(`${name}: ${value}`);
  }
  lines.push('connection: close');
  const body = answer.body ?? '';
  if (typeof body === 'string') {
    const length = answer.claimedLength ?? Buffer.byteLength(body);
    lines.push(`content-length: ${length}`);
    const whole = `${lines.join('\r\n')}${HEAD_END}${body}`;
    await (answer.dripMs === undefined
      ? write(socket, Buffer.from(whole))
      : drip(socket, Buffer.from(whole), answer.dripMs));
    if (answer.stall !== true) socket.end();
    return;
  }

  const prefix = Buffer.from(body.prefix ?? '');
  if (body.declareLength) {
    lines.push(`content-length: ${prefix.length + body.bytes}`);
  } else {
    lines.push('transfer-encoding: chunked');
  }
  await write(socket, Buffer.from(`${lines.join('\r\n')}${HEAD_END}`));
  const frame = (data: Buffer): Buffer =>
    body.declareLength
      ? data
      : Buffer.concat([
          Buffer.from(`${data.length.toString(16)}\r\n`),
          data,
          Buffer.from('\r\n'),
        ]);
  if (prefix.length > 0) await write(socket, frame(prefix));
  for (let left = body.bytes; left > 0; left -= FILLER.length) {
    const piece = left >= FILLER.length ? FILLER : FILLER.subarray(0, left);
    await write(socket, frame(piece));
    state.streamedBytes += piece.length;
  }
  if (!body.declareLength) await write(socket, Buffer.from('0\r\n\r\n'));
  socket.end();
}

/** Writes and waits until the socket takes more (backpressure). */
function write(socket: Socket, data: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.reject(new Error('closed'));
  return new Promise((resolve, reject) => {
    const ok = socket.write(data, (error) => {
      if (error) reject(error);
    });
    if (ok) {
      resolve();
      return;
    }
    const onDrain = (): void => {
      socket.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      socket.off('drain', onDrain);
      reject(new Error('closed'));
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}

/** Sends `data` one byte at a time, `ms` apart. */
async function drip(socket: Socket, data: Buffer, ms: number): Promise<void> {
  for (const byte of data) {
    if (socket.destroyed) throw new Error('closed');
    socket.write(Buffer.of(byte));
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
