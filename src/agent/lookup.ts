/**
 * The answers to `get` and `list`: the host's own resolution, as a
 * credential helper would print it, for allowed registries only.
 *
 * @module
 */
import type { AuthConfig } from '../auth-config.js';
import { goCompactObject } from '../internal/go-json.js';
import type { Resolution } from '../resolver.js';
import type { HelperCredentials } from '../stores/helper-client.js';
import {
  credentialsJson,
  HELPER_NOT_FOUND_MESSAGE,
} from '../stores/helper-protocol.js';
import { toHelperCredentials } from '../stores/helper-store.js';
import type { AuditOutcome } from './audit.js';
import type { AllowList } from './policy.js';

/** One answer, and what its audit line says. */
export interface Reply {
  status: number;
  /** The body; JSON when `json` is set, else one line of text. */
  body: string;
  json?: boolean;
  outcome: AuditOutcome;
  /** The registry key asked about. */
  registry?: string;
  detail?: string;
}

/** Looks a config key up on the host, as CredentialResolver does. */
export interface KeyResolver {
  resolveKey(key: string): Promise<Resolution>;
}

const NOT_FOUND_BODY = `${HELPER_NOT_FOUND_MESSAGE}\n`;

/**
 * Answers `get` for the server URL a client sent: a helper's JSON when the
 * registry is allowed and the host has credentials for it, else Docker's
 * not-found answer, so the client goes on without credentials.
 */
export async function answerGet(
  resolver: KeyResolver,
  allowList: AllowList,
  serverUrl: string,
): Promise<Reply> {
  const { key, allowed } = allowList.match(serverUrl);
  if (!allowed) {
    return notFound(key, 'refused', 'not-allowed');
  }

  const resolution = await resolver.resolveKey(serverUrl);
  const failure = resolution.helperFailure;
  if (failure?.reason === 'timeout') return timedOut(key, failure.code);
  const pair = helperPair(resolution.authConfig);
  if (pair === undefined) {
    return failure === undefined
      ? notFound(key, 'not-found')
      : notFound(key, 'error', failure.code);
  }
  return {
    status: 200,
    body: credentialsJson(serverUrl, pair.username, pair.secret),
    json: true,
    outcome: 'found',
    registry: key,
  };
}

/**
 * Answers `list`: each allowed registry the host has credentials for,
 * with its user name (`<token>` for an identity token), keys sorted as
 * Go writes a map.
 */
export async function answerList(
  resolver: KeyResolver,
  allowList: AllowList,
): Promise<Reply> {
  const resolutions = await Promise.all(
    allowList.keys.map((key) => resolver.resolveKey(key)),
  );
  const entries: [string, string][] = [];
  for (const resolution of resolutions) {
    const pair = helperPair(resolution.authConfig);
    if (pair !== undefined) entries.push([resolution.key, pair.username]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const failed = resolutions.filter(hasFailed).length;
  return {
    status: 200,
    body: `${goCompactObject(entries, false)}\n`,
    json: true,
    outcome: 'ok',
    // e.g. `listed-2/3`, and `,helper-failed-1` when a helper failed
    detail:
      `listed-${entries.length}/${resolutions.length}` +
      (failed > 0 ? `,helper-failed-${failed}` : ''),
  };
}

function hasFailed(resolution: Resolution): boolean {
  return resolution.helperFailure !== undefined;
}

/** What a helper would print for these credentials, if anything. */
function helperPair(config: AuthConfig): HelperCredentials | undefined {
  // a registry token or an undecodable `auth` has no helper form
  if (!config.identitytoken && !config.username && !config.password) {
    return undefined;
  }
  return toHelperCredentials(config);
}

function notFound(
  registry: string,
  outcome: AuditOutcome,
  detail?: string,
): Reply {
  return {
    status: 404,
    body: NOT_FOUND_BODY,
    outcome,
    registry,
    ...(detail === undefined ? {} : { detail }),
  };
}

/** The reply when the host's lookup took too long. */
export function timedOut(registry: string | undefined, detail: string): Reply {
  return {
    status: 504,
    body: "The host's credential lookup took too long\n",
    outcome: 'error',
    detail,
    ...(registry === undefined ? {} : { registry }),
  };
}
