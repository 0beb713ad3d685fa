/**
 * `regcred logout [SERVER]` and `regcred logout --all`: erases stored
 * credentials through the store Docker picks for each key, with the keys
 * Docker 28.2.2 erases, and says plainly what could not be erased.
 *
 * Deliberate differences from Docker, each for a reason given below:
 * `logout docker.io` also erases the Hub key; Hub's OAuth tokens are
 * never revoked online; a helper that fails makes the exit status 1.
 *
 * References: docker/cli v28.2.2 `cli/command/registry/logout.go`;
 * docker-cli-auth.md §6 and §10.8; docker-28-observed.md (d4, e, f).
 *
 * @module
 */
import { LoginFlagError, UsageError } from '../../errors.js';
import { redact } from '../../redact.js';
import { DOCKER_HUB_KEY } from '../../reference/image-reference.js';
import { convertToHostname } from '../../reference/server-address.js';
import type { ConfigContext } from '../../resolver.js';
import {
  eraseAllCredentials,
  eraseCredentials,
  type CredentialWriterOptions,
  type EraseRequest,
  type EraseResult,
} from '../../stores/credential-writer.js';
import type { CommandContext } from '../main.js';
import { EXIT, createCliResolver, createCliWriterOptions } from '../main.js';
import { printableInline } from '../output.js';

/** Where Docker's device-code login keeps Hub's OAuth tokens. */
const HUB_ACCESS_TOKEN_KEY = `${DOCKER_HUB_KEY}access-token`;
const HUB_REFRESH_TOKEN_KEY = `${DOCKER_HUB_KEY}refresh-token`;

/** What one `logout SERVER` erases, and the name it shows. */
interface LogoutPlan {
  shown: string;
  requests: EraseRequest[];
}

/** Runs `logout`; returns the exit status. */
export async function runLogout(context: CommandContext): Promise<number> {
  const { line, out } = context;
  const all = line.options.all === true;
  const [server, ...extra] = line.positionals;
  if (extra.length > 0) {
    throw new LoginFlagError(
      `'logout' takes at most one SERVER; unexpected '${extra[0]}'`,
    );
  }
  if (all && server !== undefined) {
    throw new LoginFlagError(
      `'logout --all' erases every credential; give it no SERVER ` +
        `(or run 'regcred logout ${server}' without --all)`,
    );
  }
  const plan = all ? undefined : planLogout(server);
  // an unparsable config.json stops here, untouched
  const config = await createCliResolver(context).loadContext();
  const writer = createCliWriterOptions(context, config);
  if (plan === undefined) return logoutEverywhere(context, config, writer);

  out.result(`Removing login credentials for ${shown(plan.shown)}\n`);
  const results = await eraseCredentials(plan.requests, config.config, writer);
  warnAboutEnvironment(context, config, plan);
  return reportLogout(context, plan, results);
}

/**
 * The keys Docker erases: for no SERVER, the Hub key (and the OAuth token
 * entries of Docker's device-code login, when stored); otherwise SERVER
 * as given, its host name H, `http://H` and `https://H`, duplicates kept
 * so that helpers see exactly Docker's calls.
 *
 * NOTE: Docker also revokes Hub's refresh token with a request to
 * login.docker.com. regcred never contacts it: the stored tokens are
 * erased all the same, and a logout must work offline and in tests.
 *
 * FIX: for `docker.io`, `index.docker.io` or the Hub URL, Docker erases
 * only keys no Hub login uses, leaving Hub's credentials behind; regcred
 * erases the Hub key too.
 *
 * @throws {UsageError} for a SERVER with no host in it.
 */
function planLogout(server: string | undefined): LogoutPlan {
  if (server === undefined) {
    const oauth = { storeKey: DOCKER_HUB_KEY, onlyIfStored: true };
    return {
      shown: DOCKER_HUB_KEY,
      requests: [
        { key: HUB_ACCESS_TOKEN_KEY, ...oauth },
        { key: HUB_REFRESH_TOKEN_KEY, ...oauth },
        { key: DOCKER_HUB_KEY },
      ],
    };
  }
  const host = convertToHostname(server);
  if (host.trim() === '') {
    throw new UsageError(
      `No registry host in '${server}'; give a host, a host:port or a ` +
        "URL, e.g. 'regcred logout localhost:5000'",
    );
  }
  const keys = [server, host, `http://${host}`, `https://${host}`];
  const namesHub = server === 'docker.io' || host === 'index.docker.io';
  if (namesHub && !keys.includes(DOCKER_HUB_KEY)) keys.push(DOCKER_HUB_KEY);
  return { shown: host, requests: keys.map((key) => ({ key })) };
}

/**
 * Says what could not be erased (exit 1: the credentials may still be
 * there), or that nothing was stored (exit 0).
 *
 * NOTE: Docker exits 0 even when a helper failed, and warns only when
 * every key failed and no key was repeated; regcred warns for each key
 * that failed and exits 1.
 */
function reportLogout(
  context: CommandContext,
  plan: LogoutPlan,
  results: readonly EraseResult[],
): number {
  const { out } = context;
  const failed = new Map<string, EraseResult>();
  for (const result of results) {
    if (result.outcome === 'failed') failed.set(result.key, result);
  }
  for (const { error } of failed.values()) {
    out.warn(
      `${error?.message ?? 'erase failed'}. The credentials may still be ` +
        "stored; fix the helper, then run 'regcred logout' again",
    );
  }
  if (failed.size > 0) return EXIT.failure;
  if (!results.some((result) => result.outcome === 'erased')) {
    out.message(
      `Not logged in to ${shown(plan.shown)}: no credentials were stored`,
    );
  }
  return EXIT.ok;
}

/** DOCKER_AUTH_CONFIG is read-only: say when it still logs the user in. */
function warnAboutEnvironment(
  context: CommandContext,
  config: ConfigContext,
  plan: LogoutPlan,
): void {
  const keys = new Set(plan.requests.map((request) => request.key));
  for (const key of config.envAuths?.keys() ?? []) {
    if (!keys.has(key)) continue;
    context.out.warn(
      `DOCKER_AUTH_CONFIG still holds credentials for '${shown(key)}'; ` +
        'unset it to log out completely',
    );
  }
}

/** `logout --all`: every credential of every store; settings stay. */
async function logoutEverywhere(
  context: CommandContext,
  config: ConfigContext,
  writer: CredentialWriterOptions,
): Promise<number> {
  const { out } = context;
  const { removed, failures } = await eraseAllCredentials(
    config.config,
    writer,
  );
  const keys = new Set(removed.map((credential) => credential.key));
  for (const key of keys) {
    out.result(`Removed login credentials for ${shown(key)}\n`);
  }
  for (const failure of failures) {
    out.warn(
      `${failure.message}. What that helper holds may still be stored; ` +
        "fix the helper, then run 'regcred logout --all' again",
    );
  }
  if (failures.length > 0) return EXIT.failure;
  if (keys.size === 0) {
    out.message('Not logged in anywhere: no credentials were stored');
  }
  return EXIT.ok;
}

/** A key or host made safe to show: no user info, no control characters. */
function shown(key: string): string {
  return printableInline(redact(key));
}
