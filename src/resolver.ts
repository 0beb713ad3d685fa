/**
 * Resolves the credentials `docker` would use, for an image reference, a
 * registry address, or every registry at once.
 *
 * @module
 */
import type { AuthConfig } from './auth-config.js';
import { setMaxListeners } from 'node:events';
import { readConfigFile, type ConfigFile } from './config/config-file.js';
import { parseDockerAuthConfig } from './config/docker-auth-config.js';
import { locateConfig, type ConfigLocation } from './config/locate.js';
import { debug } from './debug.js';
import { HelperError, UsageError } from './errors.js';
import { parseImageReference } from './reference/image-reference.js';
import { credentialKeyForDomain } from './reference/image-reference.js';
import { readRegistryAddress } from './reference/server-address.js';
import { AnswerCache } from './stores/answer-cache.js';
import {
  detectDefaultStore,
  type DefaultStoreDetection,
} from './stores/default-store.js';
import {
  fileStoreGet,
  undecodableKeys,
  fileStoreGetAll,
  holdsCredentials,
  type FileLookup,
} from './stores/file-store.js';
import {
  helperGet,
  helperList,
  type HelperCallOptions,
  type HelperCredentials,
} from './stores/helper-client.js';
import { dropEmpty, mergeHelperAnswer } from './stores/helper-store.js';
import {
  chooseStore,
  type StoreChoice,
  type StoreSettings,
} from './stores/store-choice.js';
import { checkTimeoutMs, parseTimeoutSeconds } from './timeout.js';

/** How long helper answers are reused by default, in milliseconds. */
export const DEFAULT_CACHE_TTL_MS = 5_000;

/** Options shared by every lookup of a {@link CredentialResolver}. */
export interface ResolverOptions {
  /** A config directory, as `docker --config DIR`. */
  configDir?: string;
  /** The environment to read `DOCKER_CONFIG`, `HOME` and `PATH` from, and
   * to give helpers. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Kill a helper that has not answered after this long. @default 30 s,
   * or `REGCRED_HELPER_TIMEOUT` seconds from `env` */
  helperTimeoutMs?: number;
  /** How long helper answers are reused; `Infinity` for the resolver's
   * whole life. @default {@link DEFAULT_CACHE_TTL_MS} */
  cacheTtlMs?: number;
  /** Pass helpers' stderr through ('inherit', as Docker does) or keep it
   * for error details ('capture'). @default 'capture' */
  helperStderr?: 'inherit' | 'capture';
  /** The platform whose default store rules apply. @default process.platform */
  platform?: NodeJS.Platform;
  /**
   * Stops the resolver's helpers when aborted: their process groups are
   * killed, and lookups waiting on them, or started later (answered from
   * the cache or not), reject with the signal's reason. Helpers run in a
   * session of their own (so that a timeout can kill whatever they
   * started), out of reach of the Ctrl-C a terminal sends to the program:
   * abort this on SIGINT and SIGTERM to take them along.
   */
  signal?: AbortSignal;
}

/** Something the user should know about a lookup; never holds a secret. */
export interface ResolveWarning {
  /** A stable code for programs. */
  code:
    | 'helper-failed'
    | 'undecodable-entry'
    | 'undecodable-other-entry'
    | 'ambiguous-legacy-keys'
    | 'invalid-docker-auth-config';
  /** The warning, for people. */
  message: string;
}

/** Where the answer of a lookup came from. */
export type AnswerSource =
  /** A helper answered (possibly with "not found"). */
  | 'helper'
  /** The helper failed; Docker falls back to the file's entry, or none. */
  | 'helper-failed'
  /** The `auths` section of config.json. */
  | 'file'
  /** The `DOCKER_AUTH_CONFIG` environment variable. */
  | 'docker-auth-config';

/** The outcome of one lookup, with everything `explain` needs. */
export interface Resolution {
  /** What Docker sends to its daemon: pass it to dockerode as `authconfig`. */
  authConfig: AuthConfig;
  /** The config key looked up, e.g. `https://index.docker.io/v1/`. */
  key: string;
  /** The store Docker picks for the key. */
  store: StoreChoice;
  /** Where the answer came from. */
  source: AnswerSource;
  /** What the `auths` section holds for the key. */
  fileLookup: FileLookup;
  /** The helper's failure, when it failed; Docker hides it. */
  helperFailure?: HelperError;
  /** How long the helper took, in milliseconds. */
  helperMs?: number;
  /** Things the user should know. */
  warnings: ResolveWarning[];
  /** The config file that was read. */
  configPath: string;
}

/** A registry with stored credentials, as `regcred list` shows it. */
export interface ListedCredential {
  /** The key the credentials are stored under. */
  serverAddress: string;
  /** The user name, or '' for an identity token alone. */
  username: string;
  /** True when the credential is an identity (refresh) token. */
  identityToken: boolean;
  /** 'file', 'DOCKER_AUTH_CONFIG', or the helper's name. */
  store: string;
}

/** Everything read from disk and the environment for one operation. */
export interface ConfigContext {
  location: ConfigLocation;
  config: ConfigFile;
  settings: StoreSettings;
  /** The default-store detection, when Docker would run it. */
  detection: DefaultStoreDetection | undefined;
  /** Entries of `DOCKER_AUTH_CONFIG`, when set and valid. */
  envAuths: Map<string, { username: string; password: string }> | undefined;
  warnings: ResolveWarning[];
}

/**
 * Looks credentials up the way the Docker CLI does, with a cache shared by
 * all its lookups.
 *
 * @example
 * ```ts
 * const resolver = new CredentialResolver();
 * const { authConfig } = await resolver.resolveImage('alpine');
 * ```
 */
export class CredentialResolver {
  readonly #env: NodeJS.ProcessEnv;
  readonly #configDir: string | undefined;
  readonly #platform: NodeJS.Platform;
  readonly #helperOptions: HelperCallOptions;
  readonly #cache: AnswerCache;
  readonly #signal: AbortSignal | undefined;

  constructor(options: ResolverOptions = {}) {
    this.#env = options.env ?? process.env;
    this.#configDir = options.configDir;
    this.#platform = options.platform ?? process.platform;
    this.#helperOptions = {
      env: this.#env,
      timeoutMs:
        options.helperTimeoutMs === undefined
          ? parseTimeoutSeconds(this.#env.REGCRED_HELPER_TIMEOUT)
          : checkTimeoutMs(options.helperTimeoutMs, 'helperTimeoutMs'),
      stderr: options.helperStderr ?? 'capture',
      ...(options.signal === undefined
        ? {}
        : { signal: helperSignal(options.signal) }),
    };
    this.#signal = options.signal;
    const cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    if (!(cacheTtlMs >= 0)) {
      throw new UsageError(
        `cacheTtlMs must be 0 or more milliseconds, found ${cacheTtlMs}`,
      );
    }
    this.#cache = new AnswerCache(cacheTtlMs);
  }

  /** Where config.json is, as Docker finds it; nothing is read. */
  locate(): ConfigLocation {
    return locateConfig({
      env: this.#env,
      ...(this.#configDir === undefined ? {} : { configDir: this.#configDir }),
    });
  }

  /** Reads config.json and the environment, as Docker does at start-up. */
  async loadContext(): Promise<ConfigContext> {
    const location = this.locate();
    const config = await readConfigFile(location.file);
    const containsAuth =
      config.credsStore !== '' ||
      config.credHelpers.size > 0 ||
      config.auths.size > 0;
    const detection = containsAuth
      ? undefined
      : detectDefaultStore(this.#env, this.#platform);
    const settings: StoreSettings = {
      credHelpers: config.credHelpers,
      credsStore: detection?.helper ?? config.credsStore,
      credsStoreDetected: detection !== undefined && detection.helper !== '',
    };
    const warnings: ResolveWarning[] = [];
    const envAuths = readEnvAuths(this.#env, warnings);
    debug(
      `config ${location.file} (${location.source}, ` +
        `${config.exists ? 'exists' : 'missing'}); credsStore ` +
        `'${settings.credsStore}'${detection ? ` (detection: ${detection.reason})` : ''}; ` +
        `${config.credHelpers.size} credHelpers, ${config.auths.size} auths`,
    );
    return { location, config, settings, detection, envAuths, warnings };
  }

  /** Resolves credentials for an image reference, as `docker pull` does. */
  async resolveImage(reference: string): Promise<Resolution> {
    const { domain } = parseImageReference(reference);
    return this.resolveKey(credentialKeyForDomain(domain));
  }

  /** Resolves credentials for a registry address, read as `docker login`
   * reads its argument.
   *
   * @throws {InvalidAddressError} for an address that names no registry. */
  async resolveRegistry(address?: string): Promise<Resolution> {
    return this.resolveKey(readRegistryAddress(address));
  }

  /** Resolves credentials for an exact config key. */
  async resolveKey(key: string, context?: ConfigContext): Promise<Resolution> {
    this.#signal?.throwIfAborted();
    const ctx = context ?? (await this.loadContext());
    const store = chooseStore(key, ctx.settings);
    debug(`key '${key}': ${describeChoice(store)}`);
    const fileLookup = fileStoreGet(ctx.config, key);
    const warnings = [...ctx.warnings, ...fileWarnings(key, fileLookup)];
    const base = { key, store, fileLookup, warnings };
    const configPath = ctx.location.file;

    const fromEnv = ctx.envAuths?.get(key);
    if (fromEnv !== undefined) {
      const authConfig = { ...fromEnv, serveraddress: key };
      return { ...base, authConfig, source: 'docker-auth-config', configPath };
    }
    const fileEntry = fileLookup.entry?.authConfig;
    if (store.kind === 'file') {
      warnings.push(...sentEntryWarnings(ctx.config, key, fileLookup));
      return {
        ...base,
        authConfig: dropEmpty(fileEntry ?? {}),
        source: 'file',
        configPath,
      };
    }

    const started = performance.now();
    try {
      const answer = await this.#helperGet(store.helper, key);
      const helperMs = performance.now() - started;
      const authConfig = mergeHelperAnswer(key, fileEntry, answer);
      return { ...base, authConfig, source: 'helper', helperMs, configPath };
    } catch (error) {
      if (!(error instanceof HelperError)) throw error;
      // Docker swallows the failure and sends the file's own entry.
      warnings.push(helperWarning(error, store, fileEntry !== undefined));
      warnings.push(...sentEntryWarnings(ctx.config, key, fileLookup));
      return {
        ...base,
        authConfig: dropEmpty(fileEntry ?? {}),
        source: 'helper-failed',
        helperFailure: error,
        helperMs: performance.now() - started,
        configPath,
      };
    }
  }

  /**
   * Every credential Docker's legacy builder would send, keyed as stored
   * (Docker's "all credentials" view, sent as `X-Registry-Config`).
   */
  async getAll(): Promise<{
    credentials: Record<string, AuthConfig>;
    warnings: ResolveWarning[];
  }> {
    this.#signal?.throwIfAborted();
    const ctx = await this.loadContext();
    const warnings = [...ctx.warnings];
    const credentials: Record<string, AuthConfig> = {};

    // the default store: the helper's list, or the whole file
    const defaultHelper = ctx.settings.credsStore;
    if (defaultHelper === '') {
      for (const entry of fileStoreGetAll(ctx.config)) {
        credentials[entry.key] = dropEmpty(entry.authConfig);
      }
    } else {
      try {
        const listed = await this.#helperList(defaultHelper);
        for (const key of listed.keys()) {
          const answer = await this.#helperGet(defaultHelper, key);
          const file = fileStoreGet(ctx.config, key).entry?.authConfig;
          credentials[key] = mergeHelperAnswer(key, file, answer);
        }
      } catch (error) {
        if (!(error instanceof HelperError)) throw error;
        // Docker gives up on the whole view when the default store fails.
        warnings.push(helperWarning(error, undefined, false));
        return { credentials: {}, warnings };
      }
    }

    // credHelpers entries override the default store's answer
    for (const [key, helper] of ctx.config.credHelpers) {
      const resolution = await this.resolveKey(key, ctx);
      if (resolution.helperFailure) {
        warnings.push(
          helperWarning(resolution.helperFailure, undefined, false),
        );
        continue;
      }
      if (helper !== '') credentials[key] = resolution.authConfig;
    }

    // DOCKER_AUTH_CONFIG entries override everything
    for (const [key, creds] of ctx.envAuths ?? []) {
      credentials[key] = { ...creds, serveraddress: key };
    }
    return { credentials, warnings };
  }

  /** Registries with stored credentials, their user names and stores,
   * without reading any secret the listing does not need. */
  async list(): Promise<{
    credentials: ListedCredential[];
    warnings: ResolveWarning[];
  }> {
    this.#signal?.throwIfAborted();
    const ctx = await this.loadContext();
    const warnings = [...ctx.warnings];
    const listed = new Map<string, ListedCredential>();
    const add = (key: string, config: AuthConfig, store: string): void => {
      listed.set(key, describeListed(key, config, store));
    };

    // the default store
    const defaultHelper = ctx.settings.credsStore;
    const addFileEntries = (): void => {
      for (const entry of fileStoreGetAll(ctx.config)) {
        if (holdsCredentials(entry.authConfig)) {
          add(entry.key, entry.authConfig, 'file');
        }
      }
    };
    if (defaultHelper === '') {
      addFileEntries();
    } else {
      try {
        const names = await this.#helperList(defaultHelper);
        for (const [key, username] of names) {
          const config = mergeHelperAnswer(key, undefined, {
            username,
            secret: '',
          });
          add(key, config, defaultHelper);
        }
      } catch (error) {
        if (!(error instanceof HelperError)) throw error;
        // the file's own entries are what Docker sends while the helper
        // fails: listed, so that a stale secret there is seen
        warnings.push(helperWarning(error, undefined, false));
        addFileEntries();
      }
    }

    // credHelpers entries
    for (const [key, helper] of ctx.config.credHelpers) {
      const resolution = await this.resolveKey(key, ctx);
      listed.delete(key);
      if (resolution.helperFailure) {
        warnings.push(
          helperWarning(resolution.helperFailure, undefined, false),
        );
        continue;
      }
      const { username, identitytoken } = resolution.authConfig;
      if (username || identitytoken) {
        add(key, resolution.authConfig, helper || 'file');
      }
    }

    for (const [key, creds] of ctx.envAuths ?? []) {
      add(key, creds, 'DOCKER_AUTH_CONFIG');
    }
    return { credentials: [...listed.values()], warnings };
  }

  /** Forgets every remembered helper answer. */
  clearCache(): void {
    this.#cache.clear();
  }

  #helperGet(
    helper: string,
    key: string,
  ): Promise<HelperCredentials | undefined> {
    return this.#cache.get(`get\0${helper}\0${key}`, async () => {
      const started = performance.now();
      const elapsed = () => `${Math.round(performance.now() - started)} ms`;
      try {
        const answer = await helperGet(helper, key, this.#helperOptions);
        const outcome = answer === undefined ? 'not found' : 'found';
        debug(`helper ${helper} get '${key}': ${outcome} in ${elapsed()}`);
        return answer;
      } catch (error) {
        debug(`helper ${helper} get '${key}': failed in ${elapsed()}`);
        throw error;
      }
    });
  }

  #helperList(helper: string): Promise<Map<string, string>> {
    return this.#cache.get(`list\0${helper}`, () =>
      helperList(helper, this.#helperOptions),
    );
  }
}

/**
 * The signal the resolver's helpers get: one of its own, following the
 * caller's, so that many helpers at once listen to it without Node.js
 * warning of a listener leak on the caller's signal.
 */
function helperSignal(signal: AbortSignal): AbortSignal {
  const own = AbortSignal.any([signal]);
  setMaxListeners(0, own);
  return own;
}

function describeListed(
  key: string,
  config: AuthConfig,
  store: string,
): ListedCredential {
  // A helper's list names '<token>' for an identity token, whose secret
  // the listing does not read.
  const tokenOnly = config.username === undefined && store !== 'file';
  return {
    serverAddress: key,
    username: config.username ?? '',
    identityToken: Boolean(config.identitytoken) || tokenOnly,
    store,
  };
}

function readEnvAuths(
  env: NodeJS.ProcessEnv,
  warnings: ResolveWarning[],
): ConfigContext['envAuths'] {
  const value = env.DOCKER_AUTH_CONFIG;
  if (!value) return undefined;
  const parsed = parseDockerAuthConfig(value);
  if (parsed.ok) return parsed.auths;
  warnings.push({
    code: 'invalid-docker-auth-config',
    message:
      `DOCKER_AUTH_CONFIG is set but ignored: ${parsed.reason}. ` +
      'It must be {"auths":{"HOST":{"auth":"BASE64"}}} and nothing else',
  });
  return undefined;
}

function fileWarnings(key: string, lookup: FileLookup): ResolveWarning[] {
  const warnings: ResolveWarning[] = [];
  const entry = lookup.entry;
  if (lookup.otherCandidates.length > 0 && entry !== undefined) {
    warnings.push({
      code: 'ambiguous-legacy-keys',
      message:
        `Several auths keys stand for '${key}': '${entry.key}', ` +
        lookup.otherCandidates.map((k) => `'${k}'`).join(', ') +
        `. Docker picks one at random; regcred uses the first in the ` +
        `file, '${entry.key}'. Remove the others`,
    });
  }
  return warnings;
}

/**
 * What is wrong with the `auths` entry when it is what Docker sends (the
 * file is the store, or the helper failed): an `auth` that cannot be
 * decoded, or other entries that cannot be, at which Docker stops decoding
 * in random order, so that on some runs this one is sent undecoded too.
 */
function sentEntryWarnings(
  config: ConfigFile,
  key: string,
  lookup: FileLookup,
): ResolveWarning[] {
  const entry = lookup.entry;
  if (entry === undefined) return [];
  if (entry.decodeError !== undefined) {
    return [
      {
        code: 'undecodable-entry',
        message:
          `The auths entry '${entry.key}' in config.json cannot be decoded ` +
          `(${entry.decodeError}); Docker sends it undecoded, which ` +
          `registries ignore: pulls go anonymous. Log in again: docker ` +
          `login ${key}`,
      },
    ];
  }
  const broken = undecodableKeys(config).filter((key) => key !== entry.key);
  const [first] = broken;
  if (first === undefined) return [];
  const named = broken.slice(0, 3).map((key) => `'${key}'`);
  if (broken.length > 3) named.push(`${broken.length - 3} more`);
  return [
    {
      code: 'undecodable-other-entry',
      message:
        `config.json also holds auths entries that cannot be decoded ` +
        `(${named.join(', ')}). Docker decodes the entries in random ` +
        `order and stops at such an entry, so on some runs it sends ` +
        `'${entry.key}' undecoded, which no registry accepts: pulls fail ` +
        `now and then. Log in to ${first} again, or log out of it`,
    },
  ];
}

function helperWarning(
  error: HelperError,
  store: StoreChoice | undefined,
  hasFileEntry: boolean,
): ResolveWarning {
  const chosenBy =
    store?.kind === 'helper' ? ` (chosen by ${describeSource(store)})` : '';
  const fallbackAnswer = hasFileEntry
    ? "config.json's own entry for it"
    : 'no credentials (anonymous)';
  // Docker gives a helper no time limit: where regcred gave up, Docker
  // would still be waiting, for a slow helper's answer or forever
  const fallback =
    store === undefined
      ? ''
      : error.reason === 'timeout'
        ? '; Docker sets no time limit: docker pull waits as long as the ' +
          'helper takes, forever if it hangs; if it failed instead, ' +
          `Docker would send ${fallbackAnswer}`
        : `; Docker falls back to ${fallbackAnswer}`;
  return {
    code: 'helper-failed',
    message: `${error.message}${chosenBy}${fallback}`,
  };
}

function describeChoice(store: StoreChoice): string {
  return store.kind === 'file'
    ? `file store (${store.source})`
    : `helper '${store.helper}' (${store.source})`;
}

function describeSource(store: StoreChoice & { kind: 'helper' }): string {
  switch (store.source) {
    case 'credHelpers':
      return `credHelpers in config.json`;
    case 'credsStore':
      return `credsStore in config.json`;
    case 'platform-default':
      return `Docker's platform default, as config.json names no store`;
  }
}
