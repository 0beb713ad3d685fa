/**
 * Moves the plaintext `auths` entries of config.json into a credential
 * helper, so that nothing is ever only half moved: {@link planMigration}
 * decides what moves, {@link migrateCredentials} stores each credential,
 * reads it back and compares, and only when every one is verified changes
 * config.json once (placeholders and `credsStore`) under its lock.
 *
 * @module
 */
import type { AuthConfig } from '../auth-config.js';
import type { ConfigFile, RawAuthEntry } from '../config/config-file.js';
import { toHelperCredentials } from './helper-store.js';
import { updateConfigFile } from '../config/config-update.js';
import { holdsCredentials, loadFileEntry } from './file-store.js';
import {
  helperGet,
  helperStore,
  type HelperCallOptions,
  type HelperCredentials,
} from './helper-client.js';

/** What the migration does with one `auths` entry. */
export type MigrationAction =
  /** Moved into the helper. */
  | 'move'
  /** Already a placeholder (no credentials): left as it is. */
  | 'placeholder'
  /** Its `auth` field cannot be decoded: left as it is. */
  | 'undecodable'
  /** Its key has a `credHelpers` helper of its own: left as it is. */
  | 'own-helper'
  /** It holds something a helper cannot keep (a registry token, a user
   * name without password): left as it is. */
  | 'unsupported';

/** One `auths` entry in a migration plan. */
export interface MigrationItem {
  /** The `auths` key, which is also the helper's server URL. */
  key: string;
  /** The user name shown (never a secret); '' when there is none. */
  username: string;
  action: MigrationAction;
  /** Why the entry stays, for the actions other than 'move'. */
  reason?: string;
  /** What is stored in the helper, for 'move'. */
  credentials?: HelperCredentials;
}

/** What {@link planMigration} decided. */
export interface MigrationPlan {
  helper: string;
  items: MigrationItem[];
  /** Why nothing may be migrated at all; undefined when it may. */
  refusal?: string;
}

/** Where one credential is after a migration that stopped. */
export interface CredentialWhereabouts {
  key: string;
  /** A sentence such as "in both config.json and pass". */
  location: string;
}

/** What {@link migrateCredentials} did. */
export interface MigrationOutcome {
  /** True when config.json now holds placeholders and `credsStore`. */
  completed: boolean;
  /** Keys stored and verified in the helper. */
  verified: string[];
  /** Why the migration stopped, when it did. */
  failure?: string;
  /** Where each credential to move is, when the migration stopped. */
  whereabouts: CredentialWhereabouts[];
}

/** Options of {@link migrateCredentials}. */
export interface MigrationOptions {
  /** The config.json to change. */
  configPath: string;
  /** How the helper is run. */
  helper?: HelperCallOptions;
  /** Told after each credential is stored and verified. */
  onVerified?: (item: MigrationItem) => void;
}

/**
 * Decides, for each `auths` entry, whether it moves to `helper`, and
 * refuses when config.json already names another `credsStore`: the
 * credentials stored there would be hidden, or these would.
 */
export function planMigration(
  config: ConfigFile,
  helper: string,
): MigrationPlan {
  const items = [...config.auths].map(([key, raw]) =>
    planEntry(config, key, raw),
  );
  const current = config.credsStore;
  if (current !== '' && current !== helper) {
    const refusal =
      `config.json already sets credsStore '${current}'; Docker reads ` +
      `every credential from it, so moving them into '${helper}' would ` +
      `hide them. Run 'regcred migrate --to ${current}' instead, or change ` +
      'credsStore by hand once its credentials are moved';
    return { helper, items, refusal };
  }
  return { helper, items };
}

/** The credentials a helper keeps for an entry, as Docker stores them;
 * undefined when the entry has no complete pair to move. */
function helperCredentialsOf(
  authConfig: AuthConfig,
): HelperCredentials | undefined {
  const { identitytoken, username, password } = authConfig;
  return identitytoken || (username && password)
    ? toHelperCredentials(authConfig)
    : undefined;
}

function planEntry(
  config: ConfigFile,
  key: string,
  raw: RawAuthEntry,
): MigrationItem {
  const { authConfig, decodeError } = loadFileEntry(key, raw);
  const username = authConfig.username ?? '';
  const own = config.credHelpers.get(key);
  if (own !== undefined) {
    const reason = `credHelpers sends '${key}' to its own helper '${own}'`;
    return { key, username, action: 'own-helper', reason };
  }
  if (decodeError !== undefined) {
    const reason = `its auth field cannot be decoded (${decodeError})`;
    return { key, username, action: 'undecodable', reason };
  }
  const credentials = helperCredentialsOf(authConfig);
  if (credentials !== undefined) {
    return { key, username, action: 'move', credentials };
  }
  if (!holdsCredentials(authConfig)) {
    return {
      key,
      username,
      action: 'placeholder',
      reason: 'it holds no credentials',
    };
  }
  const reason = authConfig.registrytoken
    ? 'a registry token cannot be kept by a helper'
    : 'it lacks a user name or a password';
  return { key, username, action: 'unsupported', reason };
}

/**
 * Stores each credential the plan moves in the helper, reads it back and
 * compares user name and secret exactly. Only when all match is
 * config.json changed, in one locked write: each moved entry becomes
 * Docker's placeholder (its email kept, as Docker's native store keeps
 * it) and `credsStore` names the helper.
 *
 * On the first failure it stops and changes nothing in config.json, so
 * every credential stays readable; the outcome says where each one is.
 */
export async function migrateCredentials(
  plan: MigrationPlan,
  options: MigrationOptions,
): Promise<MigrationOutcome> {
  const moving = plan.items.filter((item) => item.action === 'move');
  const verified: string[] = [];
  for (const item of moving) {
    const failure = await storeAndVerify(plan.helper, item, options.helper);
    if (failure !== undefined) {
      return stopped(plan.helper, moving, verified, item.key, failure);
    }
    verified.push(item.key);
    options.onVerified?.(item);
  }
  const conflict = await writePlaceholders(plan, moving, options.configPath);
  if (conflict !== undefined) {
    return stopped(plan.helper, moving, verified, undefined, conflict);
  }
  return { completed: true, verified, whereabouts: [] };
}

/** Stores and reads back one credential; returns why it failed, if so. */
async function storeAndVerify(
  helper: string,
  item: MigrationItem,
  options: HelperCallOptions | undefined,
): Promise<string | undefined> {
  const wanted = item.credentials;
  if (wanted === undefined) return 'it has no credentials to move';
  try {
    await helperStore(
      helper,
      { serverURL: item.key, ...wanted },
      options ?? {},
    );
  } catch (error) {
    return `storing it failed: ${(error as Error).message}`;
  }
  let found: HelperCredentials | undefined;
  try {
    found = await helperGet(helper, item.key, options ?? {});
  } catch (error) {
    return `reading it back failed: ${(error as Error).message}`;
  }
  if (found === undefined) return `'${helper}' did not find it after storing`;
  if (found.username !== wanted.username || found.secret !== wanted.secret) {
    // never say what the secret was or is
    return `'${helper}' gave back other credentials than were stored`;
  }
  return undefined;
}

/**
 * The one write: placeholders for the moved entries and `credsStore`.
 * Returns why it wrote nothing when config.json changed meanwhile (a
 * concurrent login): then the credential read earlier is no longer the
 * one in the file, and hiding the new one behind the helper would lose
 * it.
 */
async function writePlaceholders(
  plan: MigrationPlan,
  moving: MigrationItem[],
  configPath: string,
): Promise<string | undefined> {
  let conflict: string | undefined;
  await updateConfigFile(configPath, (current) => {
    conflict = changedMeanwhile(plan, moving, current);
    if (conflict !== undefined) return undefined;
    const auths = new Map<string, RawAuthEntry | undefined>();
    for (const item of moving) {
      const email = current.auths.get(item.key)?.email;
      auths.set(item.key, email ? { email } : {});
    }
    return { auths, credsStore: plan.helper };
  });
  return conflict;
}

function changedMeanwhile(
  plan: MigrationPlan,
  moving: MigrationItem[],
  current: ConfigFile,
): string | undefined {
  if (current.credsStore !== '' && current.credsStore !== plan.helper) {
    return `config.json now sets credsStore '${current.credsStore}'`;
  }
  for (const item of moving) {
    const raw = current.auths.get(item.key);
    // planned again on the file as it is now: any change shows
    const now = raw && planEntry(current, item.key, raw).credentials;
    const was = item.credentials;
    if (now?.username !== was?.username || now?.secret !== was?.secret) {
      return `the entry for '${item.key}' changed in config.json meanwhile`;
    }
  }
  return undefined;
}

function stopped(
  helper: string,
  moving: MigrationItem[],
  verified: string[],
  failedKey: string | undefined,
  reason: string,
): MigrationOutcome {
  const whereabouts = moving.map(({ key }) => ({
    key,
    location: verified.includes(key)
      ? `in both config.json and ${helper}`
      : key === failedKey
        ? `in config.json (${helper} may hold a copy that did not verify)`
        : 'only in config.json',
  }));
  const failure =
    failedKey === undefined ? reason : `'${failedKey}': ${reason}`;
  return { completed: false, verified, failure, whereabouts };
}
