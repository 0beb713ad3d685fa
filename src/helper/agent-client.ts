/**
 * A small client for the regcred agent's protocol (docs/agent-protocol.md):
 * one HTTP request per connection over the agent's unix socket, with
 * node:http only, loaded when the first request is made, so that
 * `docker-credential-regcred` starts fast.
 *
 * @module
 */
import { UsageError } from '../errors.js';
import { http } from '../internal/lazy-builtins.js';
import type { CredentialHelperStore, HelperCredentials } from './serve.js';

/** An answer from the agent. */
interface AgentAnswer {
  status: number;
  body: string;
}

/** The agent answers in well under this; a stuck agent must not hang. */
const AGENT_TIMEOUT_MS = 60_000;

/** Answers are one JSON line; more than this is not the agent. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Why a store or erase is refused: the agent is read-only. */
const READ_ONLY_MESSAGE =
  "read-only: forwarded from the host's agent; log in on the host";

/**
 * Sends one request to the agent listening on `socketPath`.
 *
 * @throws {UsageError} when the agent cannot be reached or does not
 *   answer in time; the message names the socket and what to do.
 */
function askAgent(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  body = '',
): Promise<AgentAnswer> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(new UsageError(unreachableMessage(socketPath, why)));
    const outgoing = http().request(
      {
        socketPath,
        method,
        path,
        agent: false,
        headers: {
          'content-type': 'text/plain',
          'content-length': Buffer.byteLength(body),
        },
        timeout: AGENT_TIMEOUT_MS,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            incoming.destroy();
            fail('its answer is too large');
          } else chunks.push(chunk);
        });
        incoming.on('error', (error) => fail(error.message));
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('timeout', () => {
      outgoing.destroy();
      fail(`no answer within ${AGENT_TIMEOUT_MS / 1000} s`);
    });
    outgoing.on('error', (error) => fail(describeFailure(error)));
    outgoing.end(body);
  });
}

/** What a failed connection means here, and what to do about it. */
function describeFailure(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EACCES':
      return (
        'permission denied: this user may not use the socket. Start the ' +
        "agent with --allow-uid set to this container's uid (`id -u`), " +
        "or run the container as the agent's user"
      );
    case 'ECONNREFUSED':
      return (
        'nothing listens there any more; a restarted agent needs the ' +
        'container restarted too, since its socket is mounted as a file'
      );
    default:
      return error.message;
  }
}

function unreachableMessage(socketPath: string, why: string): string {
  return (
    `cannot reach the regcred agent at ${socketPath} ` +
    `(REGCRED_AGENT_SOCK): ${why}. Start \`regcred agent\` on the host ` +
    'and mount its socket at that path, or unset REGCRED_AGENT_SOCK'
  );
}

/**
 * A read-only store that forwards `get` and `list` to the agent: its
 * not-found stays not-found, and its refusal of `store` and `erase`
 * becomes an error saying to log in on the host.
 */
export function agentStore(socketPath: string): CredentialHelperStore {
  return {
    async get(serverURL): Promise<HelperCredentials | undefined> {
      const answer = await askAgent(socketPath, 'POST', '/v1/get', serverURL);
      if (answer.status === 404) return undefined;
      const fields = readJsonAnswer(socketPath, 'get', answer);
      return {
        username: stringField(fields, 'Username'),
        secret: stringField(fields, 'Secret'),
      };
    },
    async store(serverURL): Promise<void> {
      await refusedWrite(socketPath, '/v1/store', serverURL);
    },
    async erase(serverURL): Promise<boolean> {
      await refusedWrite(socketPath, '/v1/erase', serverURL);
      return false;
    },
    async list(): Promise<Record<string, string>> {
      const answer = await askAgent(socketPath, 'GET', '/v1/list');
      const listing: Record<string, string> = {};
      const fields = readJsonAnswer(socketPath, 'list', answer);
      for (const key of Object.keys(fields)) {
        listing[key] = stringField(fields, key);
      }
      return listing;
    },
  };
}

/** The agent refuses writes; say so even if it answered otherwise. */
async function refusedWrite(
  socketPath: string,
  path: string,
  serverURL: string,
): Promise<never> {
  // only the server URL is sent: the secret stays here
  const answer = await askAgent(socketPath, 'POST', path, serverURL);
  if (answer.status === 403) throw new UsageError(READ_ONLY_MESSAGE);
  throw new UsageError(
    `${READ_ONLY_MESSAGE} (the agent at ${socketPath} answered ` +
      `${answer.status} to ${path})`,
  );
}

/** A 200 with a JSON object, or an error quoting the agent's error line. */
function readJsonAnswer(
  socketPath: string,
  action: string,
  answer: AgentAnswer,
): Record<string, unknown> {
  if (answer.status !== 200) {
    // error bodies are one line of text that never holds a secret
    const why = answer.body.trim().split('\n')[0]?.slice(0, 200) ?? '';
    throw new UsageError(
      `the regcred agent at ${socketPath} refused ${action} ` +
        `(${answer.status})${why === '' ? '' : `: ${why}`}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `the regcred agent at ${socketPath} answered ${action} with ` +
        'something other than a JSON object; is it a regcred agent?',
    );
  }
  return parsed as Record<string, unknown>;
}

function stringField(fields: Record<string, unknown>, key: string): string {
  const value = fields[key];
  return typeof value === 'string' ? value : '';
}
