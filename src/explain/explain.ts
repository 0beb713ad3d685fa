/**
 * `explain`: gathers the whole report, "where does my login live?", for
 * this process. Data only; see render-text.ts and picture.ts for people.
 *
 * @module
 */
import { locateConfig } from '../config/locate.js';
import { ConfigParseError, ConfigReadError } from '../errors.js';
import { redact } from '../redact.js';
import { CredentialResolver, type ConfigContext } from '../resolver.js';
import { gatherConfig } from './config-checks.js';
import { gatherElsewhere } from './elsewhere.js';
import { gatherEnvironment } from './environment.js';
import { gatherIdentity, userByUid } from './identity.js';
import { gatherLookup } from './lookup.js';
import { gatherPodman } from './podman.js';
import { countChecks, type ExplainReport } from './report.js';
import { createSystem, type ExplainSystem } from './system.js';

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** An image reference whose lookup to explain, as `docker pull` reads it. */
  reference?: string;
  /** A config directory, as `docker --config DIR`. */
  configDir?: string;
  /** Kill a helper that has not answered after this long.
   * @default 30 s, or `REGCRED_HELPER_TIMEOUT` seconds */
  helperTimeoutMs?: number;
  /** Parts of the machine to replace, for tests. @default the real one */
  system?: Partial<ExplainSystem>;
}

/**
 * Explains where the login of this process lives: who runs it, where,
 * which daemon it talks to, which config file and stores, the lookup for
 * `reference`, what podman, skopeo and buildah would use instead, and
 * what would differ under sudo or in a container.
 * Never throws for a bad config or a failing helper: those are failed
 * checks. Nothing connects to the daemon.
 *
 * @example
 * ```ts
 * const report = await explain({ reference: 'alpine' });
 * report.exitStatus; // 1 when a check found what breaks a pull or login
 * ```
 */
export async function explain(
  options: ExplainOptions = {},
): Promise<ExplainReport> {
  const system = createSystem(options.system);
  const { env, platform } = system;
  const location = locateConfig({
    env,
    platform,
    cwd: system.cwd,
    lookupPasswdHome: () => userByUid(system, system.uid)?.home,
    ...(options.configDir === undefined
      ? {}
      : { configDir: options.configDir }),
  });
  const resolver = new CredentialResolver({
    env,
    platform,
    configDir: location.dir,
    cacheTtlMs: Infinity,
    helperStderr: 'capture',
    ...(options.helperTimeoutMs === undefined
      ? {}
      : { helperTimeoutMs: options.helperTimeoutMs }),
  });
  const { context, error, readFailed } = await loadContext(resolver);

  // the facts and checks, section by section
  const identity = gatherIdentity(system, location);
  const currentContext = context?.config.currentContext ?? '';
  const environment = gatherEnvironment(system, location.dir, currentContext);
  const config = gatherConfig(system, location, context, error, readFailed);
  const lookup =
    options.reference === undefined
      ? undefined
      : await gatherLookup(options.reference, { system, resolver, context });
  const podman = await gatherPodman({
    system,
    home: identity.facts.home,
    config: config.facts,
    ...(options.reference === undefined
      ? {}
      : { reference: options.reference }),
    ...(lookup === undefined ? {} : { docker: lookup }),
    ...(options.helperTimeoutMs === undefined
      ? {}
      : { helperTimeoutMs: options.helperTimeoutMs }),
  });
  const elsewhere = gatherElsewhere({
    system,
    identity: identity.facts,
    environment: environment.facts,
    config: config.facts,
  });

  const parts = [identity, environment, config, lookup, podman, elsewhere];
  const checks = parts.flatMap((part) => part?.checks ?? []);
  const counts = countChecks(checks);
  return {
    schema: 'regcred.explain/v1',
    reference: options.reference ?? null,
    identity: identity.facts,
    environment: environment.facts,
    config: config.facts,
    lookup: lookup?.facts ?? null,
    podman: podman.facts,
    elsewhere: elsewhere.facts,
    checks,
    counts,
    exitStatus: counts.failed > 0 ? 1 : 0,
  };
}

async function loadContext(resolver: CredentialResolver): Promise<{
  context: ConfigContext | undefined;
  error: string | null;
  readFailed: boolean;
}> {
  try {
    const context = await resolver.loadContext();
    return { context, error: null, readFailed: false };
  } catch (error) {
    if (error instanceof ConfigParseError || error instanceof ConfigReadError) {
      const readFailed = error instanceof ConfigReadError;
      return { context: undefined, error: redact(error.message), readFailed };
    }
    throw error;
  }
}
