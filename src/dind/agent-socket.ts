/**
 * Where `regcred dind` looks for the regcred agent's socket, and whether
 * an agent answers there. The only connection `dind` makes is to this
 * local socket.
 *
 * @module
 */
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { defaultSocketLocation } from '../agent/socket-path.js';

/** Where the socket path came from. */
export type AgentSocketSource = '--socket' | 'REGCRED_AGENT_SOCK' | 'default';

/** What is at the socket path. */
export type AgentStatus =
  'listening' | 'not-listening' | 'not-an-agent' | 'missing' | 'not-a-socket';

/** A socket path and its origin. */
export interface AgentSocket {
  path: string;
  source: AgentSocketSource;
}

/** How long the ping may take; an agent answers it at once. */
const PING_TIMEOUT_MS = 1_000;

/**
 * Returns the socket `regcred agent` listens on when given no `--socket`,
 * creating nothing.
 */
export function defaultAgentSocket(
  env: NodeJS.ProcessEnv,
  uid: number = process.getuid?.() ?? 0,
): string {
  return defaultSocketLocation(env, uid).path;
}

/** Chooses the socket: `--socket`, else `REGCRED_AGENT_SOCK`, else the
 * agent's default. */
export function chooseAgentSocket(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): AgentSocket {
  // absolute: docker -v takes a relative source for a volume's name
  if (flag !== undefined && flag !== '') {
    return { path: resolve(flag), source: '--socket' };
  }
  const fromEnv = env.REGCRED_AGENT_SOCK ?? '';
  if (fromEnv !== '') {
    return { path: resolve(fromEnv), source: 'REGCRED_AGENT_SOCK' };
  }
  return { path: defaultAgentSocket(env), source: 'default' };
}

/** Finds out whether a regcred agent answers `GET /v1/ping` at `path`. */
export async function probeAgent(path: string): Promise<AgentStatus> {
  try {
    if (!statSync(path).isSocket()) return 'not-a-socket';
  } catch {
    return 'missing';
  }
  return new Promise((done) => {
    const ping = request(
      { socketPath: path, path: '/v1/ping', agent: false },
      (answer) => {
        let body = '';
        answer.setEncoding('utf8').on('data', (chunk) => (body += chunk));
        answer.on('end', () =>
          done(
            answer.statusCode === 200 && body.startsWith('regcred-agent')
              ? 'listening'
              : 'not-an-agent',
          ),
        );
        answer.on('error', () => done('not-an-agent'));
      },
    );
    ping.setTimeout(PING_TIMEOUT_MS, () => ping.destroy());
    ping.on('error', () => done('not-listening'));
    ping.end();
  });
}
