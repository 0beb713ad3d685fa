/**
 * The agent's server: HTTP over a unix socket, one request per
 * connection, read-only answers from the host's own credential lookup.
 * The protocol is docs/agent-protocol.md; the choices are in docs/agent.md.
 *
 * @module
 */
import { lstat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { RegcredError } from '../errors.js';
import { http } from '../internal/lazy-builtins.js';
import { CredentialResolver, DEFAULT_CACHE_TTL_MS } from '../resolver.js';
import {
  checkTimeoutMs,
  DEFAULT_HELPER_TIMEOUT_MS,
  HELPER_KILL_GRACE_MS,
  MAX_TIMER_MS,
} from '../timeout.js';
import { formatAuditLine, type AuditEntry, type AuditSink } from './audit.js';
import { answerGet, answerList, timedOut, type Reply } from './lookup.js';
import { answerClientError } from './client-error.js';
import { HostConfig } from './host-config.js';
import { closer, listenPrivately } from './listener.js';
import { AllowList } from './policy.js';
import { readBody } from './request-body.js';
import { claimSocketPath, defaultSocketPath } from './socket-path.js';
import { grantUidAccess, type RevokeUidAccess } from './uid-access.js';

/** The largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024;

/** How many requests may be in flight at once; more get 503. */
export const MAX_IN_FLIGHT = 64;

/** Longest request head (request line and headers) accepted, in bytes. */
const MAX_HEADER_BYTES = 8 * 1024;

/** How long after a helper's timeout and kill grace the agent itself
 * gives up on a lookup (answering 504). */
const LOOKUP_GUARD_MARGIN_MS = 500;

/** Open connections the agent keeps; see createAgentServer. */
const MAX_CONNECTIONS = 512;

/** What {@link startAgent} needs. */
export interface AgentOptions {
  /** Registries to answer for, as `docker login` takes them. */
  allow: readonly string[] | AllowList;
  /** Where to listen. @default $XDG_RUNTIME_DIR/regcred-agent.sock, else
   * `<tmp>/regcred-<uid>/agent.sock` */
  socketPath?: string;
  /** Other uids that may connect (POSIX ACLs; see uid-access.ts). */
  allowUids?: readonly number[];
  /** The config directory to resolve from, as `docker --config DIR`. */
  configDir?: string;
  /** The environment of lookups and helpers. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Kill a helper after this long; such a lookup answers 504.
   * @default 30 s */
  helperTimeoutMs?: number;
  /** How long helper answers are reused; 0 for not at all.
   * @default 5 s ({@link DEFAULT_CACHE_TTL_MS}) */
  cacheTtlMs?: number;
  /** Receives one audit line per request. @default none (silent) */
  audit?: AuditSink;
  /** @default {@link MAX_BODY_BYTES} */
  maxBodyBytes?: number;
  /** @default {@link MAX_IN_FLIGHT} */
  maxInFlight?: number;
  /** How long in-flight requests may finish after close(). @default 1 s */
  graceMs?: number;
}

/** A running agent. */
export interface RunningAgent {
  /** The socket it listens on. */
  socketPath: string;
  /** Stops accepting, ends in-flight requests within the grace time, and
   * removes the socket. Safe to call more than once. */
  close(): Promise<void>;
}

/** The settings one request needs. */
interface Served {
  resolver: HostConfig;
  allowList: AllowList;
  audit: AuditSink;
  maxBodyBytes: number;
  maxInFlight: number;
  /** The guard over a whole lookup: the helper timeout and a second. */
  lookupTimeoutMs: number;
  inFlight: number;
  /** Connections whose request reached {@link serve}, audited there. */
  auditedSockets: WeakSet<Duplex>;
}

/**
 * Starts an agent: claims the socket path, listens (mode 0600), grants
 * `allowUids` access, and serves until {@link RunningAgent.close}.
 *
 * @throws {UsageError} for an empty allow-list.
 * @throws {InvalidAddressError} for an allowed address naming no registry.
 * @throws {AgentError} when the socket cannot be set up.
 *
 * @example
 * ```ts
 * const agent = await startAgent({ allow: ['ghcr.io'] });
 * process.stdout.write(shellExportLine(agent.socketPath));
 * await agent.close();
 * ```
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const allowList =
    options.allow instanceof AllowList
      ? options.allow
      : new AllowList(options.allow);
  const env = options.env ?? process.env;
  const helperTimeoutMs = checkTimeoutMs(
    options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS,
    'helperTimeoutMs',
  );
  const served: Served = {
    resolver: new HostConfig(
      new CredentialResolver({
        env,
        helperTimeoutMs,
        cacheTtlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
        helperStderr: 'capture',
        ...(options.configDir === undefined
          ? {}
          : { configDir: options.configDir }),
      }),
    ),
    allowList,
    audit: safeSink(options.audit),
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    maxInFlight: options.maxInFlight ?? MAX_IN_FLIGHT,
    // past the helper's own limit and its kill grace, so that the helper's
    // timeout answers first; within what a timer holds
    lookupTimeoutMs: Math.min(
      helperTimeoutMs + HELPER_KILL_GRACE_MS + LOOKUP_GUARD_MARGIN_MS,
      MAX_TIMER_MS,
    ),
    inFlight: 0,
    auditedSockets: new WeakSet(),
  };

  const socketPath = options.socketPath ?? (await defaultSocketPath(env));
  await claimSocketPath(socketPath);
  const server = createAgentServer(served, helperTimeoutMs);
  await listenPrivately(server, socketPath);
  const { ino } = await lstat(socketPath);
  const closeServer = closer(server, socketPath, ino, options.graceMs);
  const revokes: RevokeUidAccess[] = [];
  const close = async (): Promise<void> => {
    await closeServer();
    // splice: each is taken back once, however often close() is called
    for (const revoke of revokes.splice(0)) await revoke();
  };
  try {
    for (const uid of options.allowUids ?? []) {
      revokes.push(await grantUidAccess(socketPath, uid));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { socketPath, close };
}

function createAgentServer(served: Served, helperTimeoutMs: number): Server {
  const server = http().createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      // a client has this long to send its whole request; checked each s
      requestTimeout: Math.max(helperTimeoutMs, 5_000),
      headersTimeout: Math.max(helperTimeoutMs, 5_000),
      connectionsCheckingInterval: 1_000,
      // a unix socket has no host to name; `nc -U` clients often send none
      requireHostHeader: false,
    },
    (request, response) => void serve(served, request, response),
  );
  server.on('clientError', (error, socket) =>
    answerClientError(error, socket, served),
  );
  // connections past this are closed at once, so that idle ones cannot
  // use up the process's file descriptors (requests in flight are capped
  // apart, at maxInFlight)
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}

/** An audit sink whose failures (a full disk) never stop the agent. */
function safeSink(sink: AuditSink | undefined): AuditSink {
  return (line) => {
    try {
      sink?.(line);
    } catch {
      // NOTE: an audit line that cannot be written is lost; stopping the
      // agent for it would break every pull instead.
    }
  };
}

/** Serves one request; never rejects. */
async function serve(
  served: Served,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const entry: Omit<AuditEntry, 'ms' | 'status'> = {
    time: new Date(),
    method: request.method ?? '-',
    path: request.url ?? '-',
    outcome: 'error',
  };
  served.inFlight++;
  served.auditedSockets.add(request.socket);
  let reply: Reply | undefined;
  response.once('close', () => {
    served.inFlight--;
    const answered = reply !== undefined && response.writableFinished;
    served.audit(
      formatAuditLine({
        ...entry,
        ...(reply === undefined ? {} : auditFields(reply)),
        ...(answered ? {} : { detail: 'client-left' }),
        status: answered ? (reply?.status ?? 0) : 0,
        ms: performance.now() - started,
      }),
    );
  });
  request.on('error', () => undefined);
  response.on('error', () => undefined);

  try {
    reply =
      served.inFlight > served.maxInFlight
        ? textReply(503, 'Too many requests in flight; try again')
        : await route(served, request);
  } catch (error) {
    // e.g. a config.json that cannot be parsed; the audit line says which
    const code = error instanceof RegcredError ? error.code : 'unexpected';
    reply = textReply(500, `The agent failed to answer (${code})`);
    reply.detail = code;
  }
  send(response, reply);
}

function auditFields(reply: Reply): Partial<AuditEntry> {
  return {
    outcome: reply.outcome,
    ...(reply.registry === undefined ? {} : { registry: reply.registry }),
    ...(reply.detail === undefined ? {} : { detail: reply.detail }),
  };
}

/** Each path, and the method it takes. */
const ROUTES: ReadonlyMap<string, string> = new Map([
  ['/v1/get', 'POST'],
  ['/v1/list', 'GET'],
  ['/v1/ping', 'GET'],
  ['/v1/store', 'POST'],
  ['/v1/erase', 'POST'],
]);

async function route(served: Served, request: IncomingMessage): Promise<Reply> {
  const path = request.url ?? '';
  const method = ROUTES.get(path);
  if (method === undefined) return textReply(404, `Unknown path '${path}'`);
  if (path === '/v1/store' || path === '/v1/erase') {
    const reply = textReply(
      403,
      'The regcred agent is read-only: it does not store or erase ' +
        'credentials; log in or out on the host',
    );
    return { ...reply, outcome: 'refused' };
  }
  if (request.method !== method) {
    return textReply(405, `Use ${method} for ${path}`);
  }

  switch (path) {
    case '/v1/ping':
      return { ...textReply(200, 'regcred-agent 1'), outcome: 'ok' };
    case '/v1/list':
      return withTimeout(served, () =>
        answerList(served.resolver, served.allowList),
      );
    default:
      return get(served, request);
  }
}

async function get(served: Served, request: IncomingMessage): Promise<Reply> {
  const body = await readBody(request, served.maxBodyBytes);
  if (body.kind === 'too-large') {
    return textReply(
      413,
      `The request body is larger than ${served.maxBodyBytes} bytes`,
    );
  }
  if (body.kind === 'invalid') return textReply(400, body.reason);
  const serverUrl = body.text;
  return withTimeout(served, () =>
    answerGet(served.resolver, served.allowList, serverUrl),
  );
}

/** Runs a lookup, answering 504 if it outlives the guard timer. */
async function withTimeout(
  served: Served,
  lookup: () => Promise<Reply>,
): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<Reply>((resolve) => {
    timer = setTimeout(
      () => resolve(timedOut(undefined, 'lookup-timer')),
      served.lookupTimeoutMs,
    );
  });
  try {
    return await Promise.race([lookup(), guard]);
  } finally {
    clearTimeout(timer);
  }
}

function textReply(status: number, text: string): Reply {
  return { status, body: `${text}\n`, outcome: 'error' };
}

function send(response: ServerResponse, reply: Reply): void {
  if (response.destroyed || response.headersSent) return;
  const body = Buffer.from(reply.body, 'utf8');
  response.writeHead(reply.status, {
    'Content-Type': reply.json
      ? 'application/json'
      : 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    Connection: 'close',
  });
  response.end(body);
}
