/**
 * A stand-in for `regcred agent` in tests: a node:http server on a unix
 * socket that speaks docs/agent-protocol.md over a fixed table of
 * credentials. Built on Node's defaults (no half-open sockets), as the real
 * agent is, so a client that half-closes its request shows up in tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the agent holds for one server URL. */
export interface FakeCredential {
  Username: string;
  Secret: string;
}

/** How the fake agent behaves. */
export interface FakeAgentOptions {
  /** Server URL → credentials; anything else is not found. */
  credentials?: Record<string, FakeCredential>;
  /** Answer every request with this status and one-line message. */
  failWith?: { status: number; message: string };
  /** Wait this long before answering, in milliseconds. */
  delayMs?: number;
}

/** One request the fake agent received. */
export interface FakeAgentRequest {
  method: string;
  path: string;
  body: string;
}

/** A running fake agent. */
export interface FakeAgent {
  /** The socket path (in a temp folder of its own). */
  socket: string;
  /** Requests received so far. */
  requests: FakeAgentRequest[];
  /** The exact body a `get` answer carries for `serverUrl`. */
  getBody(serverUrl: string): string;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;
const NOT_FOUND = 'credentials not found in native keychain\n';

/** Starts a fake agent on a new socket. */
export async function startFakeAgent(
  options: FakeAgentOptions = {},
): Promise<FakeAgent> {
  const { credentials = {}, failWith, delayMs = 0 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'regcred-fa-'));
  const socket = join(dir, 'agent.sock');
  const requests: FakeAgentRequest[] = [];
  const getBody = (serverUrl: string): string => {
    const found = credentials[serverUrl];
    if (found === undefined) return NOT_FOUND;
    const { Username, Secret } = found;
    return `${JSON.stringify({ ServerURL: serverUrl, Username, Secret })}\n`;
  };

  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, body: body ?? '' });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const [status, type, text] =
        body === undefined
          ? [413, 'text/plain', 'request body over 4096 bytes\n']
          : route(req.method ?? '', path, body);
      const answer = failWith
        ? [failWith.status, 'text/plain', `${failWith.message}\n`]
        : [status, type, text];
      res.writeHead(answer[0] as number, { 'Content-Type': answer[1] });
      res.end(answer[2]);
    });
  });
  const route = (method: string, path: string, body: string) => {
    const key = `${method} ${path}`;
    if (key === 'POST /v1/get') {
      const text = getBody(body);
      const found = text !== NOT_FOUND;
      return [found ? 200 : 404, found ? JSON_TYPE : 'text/plain', text];
    }
    if (key === 'GET /v1/list') {
      const names = Object.fromEntries(
        Object.entries(credentials).map(([url, c]) => [url, c.Username]),
      );
      return [200, JSON_TYPE, `${JSON.stringify(names)}\n`];
    }
    if (key === 'POST /v1/store' || key === 'POST /v1/erase') {
      return [403, 'text/plain', 'the regcred agent is read-only\n'];
    }
    if (key === 'GET /v1/ping') return [200, 'text/plain', 'regcred-agent 1\n'];
    return [404, 'text/plain', `no such request: ${key}\n`];
  };

  await listen(server, socket);
  return {
    socket,
    requests,
    getBody,
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const JSON_TYPE = 'application/json';

/** Reads a request body; undefined when it is over the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, socket: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(socket, () => done());
  });
}
