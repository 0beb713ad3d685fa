/**
 * Checks of the stores config.json sets up: the default store (configured
 * or detected), each credential helper and whether it is on PATH, and
 * Docker Hub keys that no pull ever reads.
 *
 * @module
 */
import { join } from 'node:path';
import type { ConfigFile } from '../config/config-file.js';
import { DOCKER_HUB_KEY } from '../reference/image-reference.js';
import { convertToHostname } from '../reference/server-address.js';
import type { DefaultStoreDetection } from '../stores/default-store.js';
import type { StoreSettings } from '../stores/store-choice.js';
import {
  check,
  type Check,
  type ConfigFacts,
  type HelperFacts,
} from './report.js';
import type { ExplainSystem } from './system.js';

const CRED_HELPERS_REGEXP = /^credHelpers\[(.*)\]$/;
const HUB_HOSTS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
]);

/** Lists the helpers the settings name, each with its path on PATH. */
export function listHelpers(
  system: ExplainSystem,
  settings: StoreSettings,
): HelperFacts[] {
  const helpers = new Map<string, string[]>();
  const use = (name: string, by: string): void => {
    if (name !== '') helpers.set(name, [...(helpers.get(name) ?? []), by]);
  };
  use(
    settings.credsStore,
    settings.credsStoreDetected ? 'detected' : 'credsStore',
  );
  for (const [key, name] of settings.credHelpers) {
    use(name, `credHelpers[${key}]`);
  }
  return [...helpers].map(([name, usedBy]) => ({
    name,
    path:
      system.findExecutable(`docker-credential-${name}`, system.env) ?? null,
    usedBy,
  }));
}

/** Says which store answers by default, and whether it was detected. */
export function storeCheck(
  facts: ConfigFacts,
  detection: DefaultStoreDetection | undefined,
  env: NodeJS.ProcessEnv,
): Check {
  const base = {
    id: 'config.store',
    section: 'config',
    title: 'Credential store',
  } as const;
  const perHost = Object.entries(facts.credHelpers).map(
    ([key, name]) =>
      `credHelpers: ${key} -> ${name || 'the file (empty entry)'}`,
  );
  const name = facts.credsStore;
  if (name !== null && facts.credsStoreSource === 'configured') {
    return check({
      ...base,
      status: 'ok',
      summary: `credsStore '${name}', configured in config.json`,
      details: [
        `it answers every registry without a credHelpers entry`,
        ...perHost,
      ],
    });
  }
  if (name !== null) return detectedCheck(facts, name, detection, env, perHost);
  const why = detection
    ? `nothing detected: ${detection.reason}`
    : 'no detection: config.json already holds auth settings';
  return check({
    ...base,
    status: 'info',
    summary:
      'no default helper: logins go to auths in config.json, in plaintext',
    details: [why, ...perHost],
  });
}

/** Field report 03: a store Docker picked by itself. */
function detectedCheck(
  facts: ConfigFacts,
  name: string,
  detection: DefaultStoreDetection | undefined,
  env: NodeJS.ProcessEnv,
  perHost: string[],
): Check {
  const headless = name === 'secretservice' && !env.DBUS_SESSION_BUS_ADDRESS;
  return check({
    id: 'config.store',
    section: 'config',
    title: 'Credential store',
    status: headless ? 'warning' : 'info',
    summary: `'${name}' was detected, not configured`,
    details: [
      `${detection?.reason ?? ''}; Docker detects a store only when ` +
        'config.json has no credsStore, no credHelpers and no auths entry',
      ...(headless ? ['no D-Bus session: secretservice fails here'] : []),
      'to turn detection off, add one auths entry ' +
        '({"auths":{"REGISTRY":{}}}; ' +
        'an empty "auths" does not count) or set credsStore yourself',
      ...perHost,
    ],
    next: headless
      ? `add {"auths":{"REGISTRY":{}}} to ${facts.file} to use the file store`
      : null,
  });
}

/** One check per helper: on PATH, or missing (field report 01). */
export function helperChecks(
  facts: ConfigFacts,
  env: NodeJS.ProcessEnv,
): Check[] {
  return facts.helpers.map((helper) => {
    const program = `docker-credential-${helper.name}`;
    const base = {
      id: `config.helper.${helper.name}`,
      section: 'config',
      title: `Helper ${helper.name}`,
    } as const;
    if (helper.path !== null) {
      return check({
        ...base,
        status: 'ok',
        summary: `${program} at ${helper.path}`,
        details: [`chosen by ${helper.usedBy.map(describeUse).join(', ')}`],
      });
    }
    return check({
      ...base,
      status: 'failed',
      summary: `${program} is not on PATH`,
      details: [
        ...helper.usedBy.map(
          (by) => `${describeChain(by)} -> ${program}: missing`,
        ),
        'pulls silently fall back to config.json entries or go anonymous; ' +
          'docker login and build fail',
        `PATH searched: ${env.PATH ?? '(unset)'}`,
      ],
      next: removalHint(helper, facts.file),
    });
  });
}

function describeUse(usedBy: string): string {
  return usedBy === 'detected' ? "Docker's default-store detection" : usedBy;
}

function describeChain(usedBy: string): string {
  return usedBy === 'credsStore'
    ? 'no credHelpers match -> credsStore'
    : `key matches ${usedBy}`;
}

function removalHint(helper: HelperFacts, file: string): string {
  const key = helper.usedBy
    .map((by) => {
      const host = CRED_HELPERS_REGEXP.exec(by)?.[1];
      return host === undefined ? '"credsStore"' : `credHelpers "${host}"`;
    })
    .join(' and ');
  return (
    `install docker-credential-${helper.name}, or remove just ${key} from ` +
    `${file}; do not delete the directory`
  );
}

/** Points out Docker Hub keys that Hub pulls never read (field report 15). */
export function hubKeysCheck(config: ConfigFile): Check | undefined {
  const keys = [...config.auths.keys(), ...config.credHelpers.keys()];
  const orphans = keys.filter(
    (key) => key !== DOCKER_HUB_KEY && HUB_HOSTS.has(convertToHostname(key)),
  );
  if (orphans.length === 0) return undefined;
  return check({
    id: 'config.hub-keys',
    section: 'config',
    title: 'Docker Hub keys',
    status: 'warning',
    summary: `never read for Docker Hub: ${[...new Set(orphans)].join(', ')}`,
    details: [
      `Hub lookups use only ${DOCKER_HUB_KEY} (docker.io and ` +
        'index.docker.io map to it; registry-1.docker.io does not)',
    ],
    next: 'docker login   (no argument: stores under the Hub key)',
  });
}

/**
 * The key a pull, push or login would ask for instead of `key`, when
 * `key` is written as a URL (`https://host:5000`, `host/v2/`); undefined
 * for a key they can ask for. Such keys are matched exactly, never
 * reduced to a host name.
 */
export function keyAskedInstead(key: string): string | undefined {
  const host = convertToHostname(key);
  return key === DOCKER_HUB_KEY || host === key ? undefined : host;
}

/**
 * `credHelpers` keys written as URLs (`https://host:5000`, `host/v2/`):
 * Docker picks a helper by the exact key, `host:5000`, so pulls, pushes
 * and logins never read them; only the legacy builder's view of all
 * credentials sends them. The Docker Hub spellings are
 * {@link hubKeysCheck}'s.
 */
export function credHelperKeysCheck(config: ConfigFile): Check | undefined {
  const unread = [...config.credHelpers.keys()].flatMap((key) => {
    const asked = keyAskedInstead(key);
    return asked === undefined || HUB_HOSTS.has(asked) ? [] : [{ key, asked }];
  });
  const [first] = unread;
  if (first === undefined) return undefined;
  return check({
    id: 'config.cred-helper-keys',
    section: 'config',
    title: 'credHelpers keys',
    status: 'warning',
    summary:
      'not read by pull, push or login: ' +
      unread.map(({ key }) => key).join(', '),
    details: unread.map(
      ({ key, asked }) =>
        `'${key}': pulls ask for '${asked}', and Docker picks a helper by ` +
        'the exact key (only a legacy build sends it)',
    ),
    next: `in credHelpers, rename '${first.key}' to '${first.asked}'`,
  });
}

/**
 * The default-store trap: Debian's `pass` helper on PATH, chosen (often
 * detected, not configured), but no password store initialised. Lookups
 * then answer nothing and every `docker login` fails to save.
 */
export function passStoreCheck(
  system: ExplainSystem,
  facts: ConfigFacts,
  home: string | null,
): Check | undefined {
  const pass = facts.helpers.find((helper) => helper.name === 'pass');
  if (pass === undefined || pass.path === null) return undefined;
  const storeDir =
    system.env.PASSWORD_STORE_DIR ||
    (home === null ? null : join(home, '.password-store'));
  if (storeDir === null) return undefined;
  const base = {
    id: 'config.pass-store',
    section: 'config',
    title: 'Password store',
  } as const;
  if (system.stat(join(storeDir, '.gpg-id')) !== undefined) {
    return check({
      ...base,
      status: 'ok',
      summary: `initialised at ${storeDir}`,
    });
  }
  return check({
    ...base,
    status: 'failed',
    summary: `no password store at ${storeDir}: docker login cannot save`,
    details: [
      `docker-credential-pass keeps secrets in pass, which has no store ` +
        `here (no ${join(storeDir, '.gpg-id')})`,
      'docker login then fails with "pass not initialized", and lookups ' +
        'find nothing',
    ],
    next:
      'pass init YOUR-GPG-KEY-ID, or add {"auths":{"REGISTRY":{}}} to ' +
      `${facts.file} to keep logins in the file instead`,
  });
}
