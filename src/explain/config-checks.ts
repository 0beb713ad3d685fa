/**
 * Checks of the config file itself: which file and why, whether it can be
 * read, its owner and mode against the current user, plaintext secrets,
 * `DOCKER_AUTH_CONFIG`, and the legacy `~/.dockercfg`.
 *
 * @module
 */
import { join } from 'node:path';
import type { ConfigFile } from '../config/config-file.js';
import { parseDockerAuthConfig } from '../config/docker-auth-config.js';
import type { ConfigLocation } from '../config/locate.js';
import type { ConfigContext } from '../resolver.js';
import { undecodableKeys } from '../stores/file-store.js';
import { chooseStore, type StoreSettings } from '../stores/store-choice.js';
import { check, formatMode, type Check, type ConfigFacts } from './report.js';
import {
  credHelperKeysCheck,
  keyAskedInstead,
  helperChecks,
  passStoreCheck,
  hubKeysCheck,
  listHelpers,
  storeCheck,
} from './store-checks.js';
import type { ExplainSystem, FileStat } from './system.js';

const SECRET_FIELDS = [
  'auth',
  'password',
  'identitytoken',
  'registrytoken',
] as const;

const SOURCE_WORDS: Record<ConfigLocation['source'], string> = {
  flag: 'from --config',
  DOCKER_CONFIG: 'from $DOCKER_CONFIG',
  HOME: 'in $HOME/.docker',
  passwd: "in the user database's home (HOME is unset)",
};

/**
 * Gathers the config facts and every config check.
 *
 * @param context The loaded config, or undefined when it could not be
 *   loaded; `error` then says why, and `readFailed` whether the file could
 *   not be read at all (rather than parsed).
 */
export function gatherConfig(
  system: ExplainSystem,
  location: ConfigLocation,
  context: ConfigContext | undefined,
  error: string | null,
  readFailed = false,
): { facts: ConfigFacts; checks: Check[] } {
  const stat = system.stat(location.file);
  const settings = context?.settings;
  const facts: ConfigFacts = {
    dir: location.dir,
    file: location.file,
    source: location.source,
    exists: stat !== undefined,
    error,
    owner: stat
      ? { uid: stat.uid, gid: stat.gid, mode: formatMode(stat.mode) }
      : null,
    credsStore: settings?.credsStore || null,
    credsStoreSource: !settings?.credsStore
      ? null
      : settings.credsStoreDetected
        ? 'detected'
        : 'configured',
    credHelpers: Object.fromEntries(settings?.credHelpers ?? []),
    helpers: settings ? listHelpers(system, settings) : [],
    secretKeys: context ? keysWithSecrets(context.config) : [],
    dockerAuthConfig: readDockerAuthConfig(system.env),
    legacyDockercfg: {
      path: location.legacyDockercfg,
      exists: system.stat(location.legacyDockercfg) !== undefined,
    },
  };
  const checks = configChecks(system, facts, context, stat, readFailed);
  return { facts, checks };
}

function configChecks(
  system: ExplainSystem,
  facts: ConfigFacts,
  context: ConfigContext | undefined,
  stat: FileStat | undefined,
  readFailed: boolean,
): Check[] {
  // the folder matters only when the file cannot be seen
  const dirStat = stat === undefined ? system.stat(facts.dir) : undefined;
  const missingNotes = facts.exists
    ? []
    : notesOnMissingFile(system, facts, dirStat);
  const checks = [fileCheck(facts, readFailed, missingNotes)];
  const folder = folderCheck(system, facts, dirStat);
  if (folder !== undefined) checks.push(folder);
  if (stat !== undefined) checks.push(ownerCheck(system, facts, stat));
  if (context !== undefined) {
    const { settings, detection, config } = context;
    checks.push(
      storeCheck(facts, detection, system.env),
      ...helperChecks(facts, system.env),
      secretsCheck(facts, stat),
    );
    const optional = [
      passStoreCheck(system, facts, homeOf(system)),
      staleSecretsCheck(facts, settings),
      hubKeysCheck(config),
      credHelperKeysCheck(config),
      undecodableCheck(config),
    ];
    checks.push(...optional.filter((c) => c !== undefined));
  }
  const optional = [
    dockerAuthConfigCheck(facts, context?.settings),
    legacyCheck(facts),
  ];
  return [...checks, ...optional.filter((c) => c !== undefined)];
}

/** The `auths` keys whose entries hold a secret; never the secret. */
function keysWithSecrets(config: ConfigFile): string[] {
  return [...config.auths]
    .filter(([, entry]) => SECRET_FIELDS.some((field) => Boolean(entry[field])))
    .map(([key]) => key);
}

/** The `DOCKER_AUTH_CONFIG` facts; the value itself is never kept. */
function readDockerAuthConfig(
  env: NodeJS.ProcessEnv,
): ConfigFacts['dockerAuthConfig'] {
  const value = env.DOCKER_AUTH_CONFIG;
  if (!value) return { set: false, valid: false, keys: [], reason: null };
  const parsed = parseDockerAuthConfig(value);
  return parsed.ok
    ? { set: true, valid: true, keys: [...parsed.auths.keys()], reason: null }
    : { set: true, valid: false, keys: [], reason: parsed.reason };
}

/** The owner's bit of a permission; the group's is it >> 3, others' >> 6. */
const OWNER_READ = 0o400;
const OWNER_SEARCH = 0o100;

/**
 * Whether the user `uid`/`gid` has a permission (given as the owner's
 * bit) on a file or folder, by its mode bits. Supplementary groups are not
 * known here and are not counted.
 */
function mayAccess(
  stat: FileStat,
  uid: number | null,
  gid: number | null,
  ownerBit: number,
): boolean {
  if (uid === null || uid === 0) return true;
  if (stat.uid === uid) return (stat.mode & ownerBit) !== 0;
  if (stat.gid === gid) return (stat.mode & (ownerBit >> 3)) !== 0;
  return (stat.mode & (ownerBit >> 6)) !== 0;
}

/**
 * Checks the file: where, why, readable, parsed. `readFailed`: it could
 * not be read, rather than parsed. `missingNotes`: what else to say of a
 * missing file (see {@link notesOnMissingFile}).
 */
function fileCheck(
  facts: ConfigFacts,
  readFailed: boolean,
  missingNotes: string[] = [],
): Check {
  const base = {
    id: 'config.file',
    section: 'config',
    title: 'Config file',
  } as const;
  const where = `${facts.file}, ${SOURCE_WORDS[facts.source]}`;
  if (facts.error !== null) {
    return check({
      ...base,
      status: 'failed',
      summary: `${facts.file} cannot be used`,
      details: [
        facts.error,
        'Docker only warns, carries on as if the file were (mostly) ' +
          'empty, and ' +
          (readFailed
            ? 'its next login either fails or replaces the file, losing ' +
              'its other settings'
            : 'overwrites it at its next login or logout'),
      ],
      // an unreadable file: the owner or folder check says what to do
      next: readFailed
        ? null
        : `fix ${facts.file} where the error points; ` +
          'do not delete the directory',
    });
  }
  if (!facts.exists) {
    return check({
      ...base,
      status: 'info',
      summary: `no file at ${where}`,
      details: [
        'no logins are stored; docker login creates it (mode 0600)',
        ...missingNotes,
      ],
    });
  }
  return check({ ...base, status: 'ok', summary: where });
}

/** Checks the file's owner and mode against the current user. */
function ownerCheck(
  system: ExplainSystem,
  facts: ConfigFacts,
  stat: FileStat,
): Check {
  const base = {
    id: 'config.owner',
    section: 'config',
    title: 'Owner and mode',
  } as const;
  const { uid, gid } = system;
  const mode = formatMode(stat.mode);
  const summary = `owner uid ${stat.uid}, gid ${stat.gid}, mode ${mode}`;
  const chown = `sudo chown ${uid}:${gid} ${facts.file}`;
  if (!mayAccess(stat, uid, gid, OWNER_READ)) {
    return check({
      ...base,
      status: 'failed',
      summary: `${summary}: uid ${uid} cannot read it`,
      details: [
        'Docker warns and carries on with an empty config: pulls go ' +
          'anonymous, and its next login replaces the file with one ' +
          'holding only that login, losing every other setting',
        ...(stat.uid === 0 ? [ROOT_OWNED] : []),
      ],
      next: chown,
    });
  }
  if (uid !== null && uid !== 0 && stat.uid !== uid) {
    return check({
      ...base,
      status: 'warning',
      summary: `${summary}: not yours (uid ${uid})`,
      details:
        stat.uid === 0 ? [ROOT_OWNED] : ['another user owns your config'],
      next: chown,
    });
  }
  if ((stat.mode & 0o022) !== 0) {
    return check({
      ...base,
      status: 'warning',
      summary: `${summary}: other users can write it`,
      details: ['whoever can write it can name the helper program docker runs'],
      next: `chmod go-w ${facts.file}`,
    });
  }
  return check({ ...base, status: 'ok', summary });
}

/**
 * The config folder, when the file cannot be seen because this user may
 * not search the folder: what `sudo docker login` leaves when sudo keeps
 * HOME and `~/.docker` did not exist yet (root-owned, mode 0700).
 */
function folderCheck(
  system: ExplainSystem,
  facts: ConfigFacts,
  folder: FileStat | undefined,
): Check | undefined {
  const { uid, gid } = system;
  if (folder === undefined || mayAccess(folder, uid, gid, OWNER_SEARCH)) {
    return undefined;
  }
  const mode = formatMode(folder.mode);
  // only the user's own ~/.docker is theirs to take back; a folder named
  // by --config or DOCKER_CONFIG may be another user's on purpose
  const inHome = facts.source === 'HOME' || facts.source === 'passwd';
  return check({
    id: 'config.folder',
    section: 'config',
    title: 'Config folder',
    status: 'failed',
    summary:
      `${facts.dir}: owner uid ${folder.uid}, mode ${mode}: uid ${uid} ` +
      'cannot open it',
    details: [
      'Docker warns and carries on with an empty config: pulls go ' +
        'anonymous, and a login cannot be saved there',
      ...(inHome && folder.uid === 0 ? [ROOT_OWNED_FOLDER] : []),
    ],
    next: inHome
      ? `sudo chown -R ${uid}:${gid} ${facts.dir}`
      : `point ${facts.source === 'flag' ? '--config' : 'DOCKER_CONFIG'} ` +
        'at a folder of your own',
  });
}

const ROOT_OWNED_FOLDER =
  'a root-owned config folder in your home is what `sudo docker login` ' +
  'leaves behind when sudo keeps HOME and the folder did not exist yet';

/** `auths` entries whose `auth` cannot be decoded: Docker stops decoding
 * at one of them, in random order, and sends others undecoded too. */
function undecodableCheck(config: ConfigFile): Check | undefined {
  const keys = undecodableKeys(config);
  if (keys.length === 0) return undefined;
  return check({
    id: 'config.undecodable-entries',
    section: 'config',
    title: 'Broken entries',
    status: 'warning',
    summary: `auths entries that cannot be decoded: ${keys.join(', ')}`,
    details: [
      'Docker decodes the entries in random order and stops at the first ' +
        'it cannot decode, so on some runs other registries are sent ' +
        'undecoded credentials too, which no registry accepts',
    ],
    next: `docker login ${keys[0]} (or docker logout ${keys[0]})`,
  });
}

const ROOT_OWNED =
  'a root-owned config in your home is what `sudo docker login` leaves ' +
  'behind when sudo keeps HOME';

/** Checks plaintext secrets against the file's mode. */
function secretsCheck(facts: ConfigFacts, stat: FileStat | undefined): Check {
  const base = {
    id: 'config.secrets',
    section: 'config',
    title: 'Plaintext secrets',
  } as const;
  const keys = facts.secretKeys;
  if (keys.length === 0) {
    return check({ ...base, status: 'ok', summary: 'none in the file' });
  }
  const list = `for ${keys.join(', ')}`;
  if (stat !== undefined && (stat.mode & 0o044) !== 0) {
    const who = (stat.mode & 0o004) !== 0 ? 'every user' : 'its group';
    return check({
      ...base,
      status: 'warning',
      summary: `${who} can read the plaintext secrets ${list}`,
      details: [`mode ${formatMode(stat.mode)}; secrets belong in a 0600 file`],
      next: `chmod 600 ${facts.file}`,
    });
  }
  return check({
    ...base,
    status: 'info',
    summary: `plaintext logins ${list} (secrets not shown)`,
    details: ['a credential helper keeps them out of the file'],
  });
}

/** Points out secrets a helper makes Docker ignore (field report 22). */
function staleSecretsCheck(
  facts: ConfigFacts,
  settings: StoreSettings,
): Check | undefined {
  const stale = facts.secretKeys.flatMap((key) => {
    const store = chooseStore(key, settings);
    return store.kind === 'helper'
      ? [`${key} (answered by '${store.helper}')`]
      : [];
  });
  if (stale.length === 0) return undefined;
  return check({
    id: 'config.stale-secrets',
    section: 'config',
    title: 'Ignored inline secrets',
    status: 'warning',
    summary: `Docker ignores the auths secrets for ${stale.join(', ')}`,
    details: [
      'a helper answers for these keys, so their inline auth is used only ' +
        'when the helper fails: a stale secret that resurfaces then',
    ],
    next:
      `in ${facts.file}, remove the "auth", "password" and ` +
      '"identitytoken" fields of those auths entries; keep the entries',
  });
}

/** Says when DOCKER_AUTH_CONFIG is set and what it overrides. */
function dockerAuthConfigCheck(
  facts: ConfigFacts,
  settings: StoreSettings | undefined,
): Check | undefined {
  const env = facts.dockerAuthConfig;
  if (!env.set) return undefined;
  const base = {
    id: 'config.docker-auth-config',
    section: 'config',
    title: 'DOCKER_AUTH_CONFIG',
  } as const;
  if (!env.valid) {
    return check({
      ...base,
      status: 'warning',
      summary: 'set, but Docker ignores it',
      details: [env.reason ?? 'invalid'],
      next: 'fix or unset DOCKER_AUTH_CONFIG',
    });
  }
  const overrides = env.keys.map((key) => {
    const asked = keyAskedInstead(key);
    if (asked !== undefined) {
      return `${key}: matches no pull, push or login (they ask for '${asked}')`;
    }
    const store = settings && chooseStore(key, settings);
    const over =
      store?.kind === 'helper'
        ? `the helper '${store.helper}' (${store.source})`
        : `auths in ${facts.file}`;
    return `${key}: overrides ${over}`;
  });
  return check({
    ...base,
    status: 'info',
    summary:
      `set, for ${env.keys.length} key(s): ` +
      'it wins over every store for them',
    details: [
      ...overrides,
      'Docker 28.3 and later read it; 28.2 ignores it for pulls',
    ],
  });
}

/** Points out a legacy `~/.dockercfg`, which Docker 28 ignores. */
function legacyCheck(facts: ConfigFacts): Check | undefined {
  if (!facts.legacyDockercfg.exists) return undefined;
  return check({
    id: 'config.legacy-dockercfg',
    section: 'config',
    title: 'Legacy ~/.dockercfg',
    status: 'warning',
    summary: `${facts.legacyDockercfg.path} exists; Docker 28 ignores it`,
    details: ['its logins are not used by any pull or push'],
    next:
      'docker login REGISTRY for each login in it, then remove ' +
      facts.legacyDockercfg.path,
  });
}

/**
 * For a missing file chosen by --config or DOCKER_CONFIG: a folder that
 * does not exist (a mistyped path), and the file in HOME that it hides.
 */
function notesOnMissingFile(
  system: ExplainSystem,
  facts: ConfigFacts,
  folder: FileStat | undefined,
): string[] {
  if (facts.source !== 'flag' && facts.source !== 'DOCKER_CONFIG') return [];
  const setting = facts.source === 'flag' ? '--config' : 'DOCKER_CONFIG';
  const notes: string[] = [];
  if (folder === undefined) {
    notes.push(`the folder ${facts.dir} does not exist: check ${setting}`);
  }
  const home = homeOf(system);
  const homeFile = home && join(home, '.docker', 'config.json');
  if (homeFile && homeFile !== facts.file && system.stat(homeFile)) {
    notes.push(`${homeFile} exists, but is not read while ${setting} is set`);
  }
  return notes;
}

/** The home `pass` uses: $HOME, as the helper inherits it. */
function homeOf(system: ExplainSystem): string | null {
  return system.env.HOME || null;
}
