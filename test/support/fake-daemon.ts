/**
 * A stand-in for the Docker daemon on a unix socket, just enough for
 * `docker pull` to run and show the credentials it resolved.
 *
 * The 28.2.2 CLI sends `HEAD /_ping` (it takes the API version from the
 * reply's headers, so it never asks for `/version`), then
 * `POST /v1.50/images/create?fromImage=…&tag=…` with the `X-Registry-Auth`
 * header. The daemon records that header and answers with a short
 * JSON-lines progress body, so the pull ends with exit 0. It never answers
 * "unauthorized": 28.2.2 would then prompt for a password and hang.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The API version the fake daemon claims, as Docker Engine 28.2 does. */
export const FAKE_API_VERSION = '1.50';

/** The oldest API version the fake daemon claims to accept. */
export const FAKE_MIN_API_VERSION = '1.24';

/** One request the fake daemon received. */
export interface DaemonRequest {
  /** The HTTP method. */
  method: string;
  /** The path and query, as sent. */
  url: string;
  /** The `X-Registry-Auth` header, when there was one. */
  registryAuth?: string;
}

/** A running fake daemon. */
export interface FakeDaemon {
  /** The socket's path. */
  socketPath: string;
  /** The value for `DOCKER_HOST`, `unix://<socketPath>`. */
  dockerHost: string;
  /** Every request received so far, oldest first. */
  requests: DaemonRequest[];
  /** The `X-Registry-Auth` headers of image pulls so far, oldest first. */
  pullAuthHeaders(): string[];
  /** Stops listening and removes the socket's directory. */
  close(): Promise<void>;
}

const PING_HEADERS = {
  'API-Version': FAKE_API_VERSION,
  OSType: 'linux',
  'Docker-Experimental': 'false',
  'Builder-Version': '1',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  'Content-Type': 'text/plain; charset=utf-8',
};

const VERSION_BODY = {
  Platform: { Name: 'regcred fake daemon' },
  Version: '28.2.2',
  ApiVersion: FAKE_API_VERSION,
  MinAPIVersion: FAKE_MIN_API_VERSION,
  Os: 'linux',
  Arch: 'amd64',
};

const PULL_PROGRESS =
  '{"status":"Pulling from fake/daemon","id":"latest"}\n' +
  '{"status":"Status: Image is up to date for fake/daemon"}\n';

const IMAGES_CREATE_REGEXP = /^(\/v[0-9.]+)?\/images\/create$/;
const VERSION_REGEXP = /^(\/v[0-9.]+)?\/version$/;

/**
 * Starts a fake daemon on a new socket in its own temp directory.
 *
 * @param parentDir Where to make the socket's directory. @default os.tmpdir()
 * @returns The daemon; call `close()` when done.
 */
export async function startFakeDaemon(
  parentDir: string = tmpdir(),
): Promise<FakeDaemon> {
  const dir = await mkdtemp(join(parentDir, 'dockerd-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: DaemonRequest[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests.push(describeRequest(request));
      answer(request, response);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });

  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    requests,
    pullAuthHeaders: () =>
      requests
        .filter((r) => IMAGES_CREATE_REGEXP.test(pathOf(r.url)))
        .map((r) => r.registryAuth ?? ''),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Decodes an `X-Registry-Auth` value: padded base64url to the JSON text
 * Docker encoded. Throws when the value is not padded base64url, so that a
 * change in Docker's encoding shows up as a failure rather than a mismatch.
 */
export function decodeRegistryAuth(header: string): string {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(header) || header.length % 4 !== 0) {
    throw new Error(
      `Decoding X-Registry-Auth '${header}' failed: it is not padded ` +
        'base64url; check what the Docker CLI sent',
    );
  }
  return Buffer.from(header, 'base64url').toString('utf8');
}

function describeRequest(request: IncomingMessage): DaemonRequest {
  const described: DaemonRequest = {
    method: request.method ?? '',
    url: request.url ?? '',
  };
  const auth = request.headers['x-registry-auth'];
  if (typeof auth === 'string') described.registryAuth = auth;
  return described;
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  const path = pathOf(request.url ?? '');
  if (path === '/_ping') {
    response.writeHead(200, PING_HEADERS);
    response.end(request.method === 'HEAD' ? undefined : 'OK');
  } else if (VERSION_REGEXP.test(path)) {
    sendJson(response, 200, JSON.stringify(VERSION_BODY));
  } else if (request.method === 'POST' && IMAGES_CREATE_REGEXP.test(path)) {
    sendJson(response, 200, PULL_PROGRESS);
  } else {
    const message = `page not found: ${request.method} ${path}`;
    sendJson(response, 404, JSON.stringify({ message }));
  }
}

function sendJson(response: ServerResponse, status: number, body: string) {
  response.writeHead(status, {
    'API-Version': FAKE_API_VERSION,
    'Content-Type': 'application/json',
  });
  response.end(body);
}

function pathOf(url: string): string {
  return new URL(url, 'http://daemon.invalid').pathname;
}
