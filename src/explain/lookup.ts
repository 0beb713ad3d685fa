/**
 * How the credentials for one image reference are found: the key, the
 * places tried in order, the store chosen and why, the helper and how long
 * it took, and the outcome with every secret reduced to "set".
 *
 * @module
 */
import type { AuthConfig } from '../auth-config.js';
import type { FileEntry } from '../stores/file-store.js';
import { InvalidReferenceError, type HelperFailureReason } from '../errors.js';
import { displayText } from '../internal/control-characters.js';
import { shellWord } from '../internal/shell-word.js';
import { redact } from '../redact.js';
import {
  DOCKER_HUB_KEY,
  credentialKeyForDomain,
  parseImageReference,
} from '../reference/image-reference.js';
import type {
  ConfigContext,
  CredentialResolver,
  Resolution,
  ResolveWarning,
} from '../resolver.js';
import {
  check,
  type Check,
  type LookupFacts,
  type LookupStep,
} from './report.js';
import type { ExplainSystem } from './system.js';

const HUB_DOMAIN = 'docker.io';

/** What {@link gatherLookup} needs besides the reference. */
export interface LookupInputs {
  system: ExplainSystem;
  resolver: CredentialResolver;
  /** The loaded config; undefined when it could not be loaded. */
  context: ConfigContext | undefined;
}

/** What {@link gatherLookup} found. */
export interface GatheredLookup {
  facts: LookupFacts;
  checks: Check[];
  /** The credentials Docker would send, for comparing (never reported);
   * undefined when there was no lookup. */
  authConfig?: AuthConfig;
}

/** Looks `reference` up as `docker pull` would, and tells how it went. */
export async function gatherLookup(
  reference: string,
  inputs: LookupInputs,
): Promise<GatheredLookup> {
  const facts = emptyLookup(reference);
  try {
    facts.domain = parseImageReference(reference).domain;
  } catch (error) {
    if (!(error instanceof InvalidReferenceError)) throw error;
    facts.error = error.message;
    return { facts, checks: [referenceCheck(facts)] };
  }
  facts.key = credentialKeyForDomain(facts.domain);
  facts.hubAlias = facts.key === DOCKER_HUB_KEY ? facts.domain : null;
  const { system, resolver, context } = inputs;
  if (context === undefined) {
    facts.error =
      'config.json cannot be used: Docker carries on with an empty config, ' +
      'so it pulls anonymously, unless it detects a default helper (pass, ' +
      'secretservice) that holds a login';
    return { facts, checks: [referenceCheck(facts)] };
  }

  // the lookup itself, helper included, as docker pull runs it
  const resolution = await resolver.resolveKey(facts.key, context);
  facts.steps = describeSteps(resolution, context);
  fillFromResolution(facts, resolution, system);
  const { authConfig } = resolution;
  return { facts, checks: lookupChecks(facts, resolution), authConfig };
}

function emptyLookup(reference: string): LookupFacts {
  return {
    reference,
    domain: null,
    key: null,
    hubAlias: null,
    steps: [],
    helper: null,
    helperFailure: null,
    source: null,
    username: null,
    passwordSet: false,
    identityTokenSet: false,
    error: null,
  };
}

function fillFromResolution(
  facts: LookupFacts,
  resolution: Resolution,
  system: ExplainSystem,
): void {
  const { store, authConfig, helperFailure } = resolution;
  facts.source = resolution.source;
  if (store.kind === 'helper' && resolution.source !== 'docker-auth-config') {
    const program = `docker-credential-${store.helper}`;
    facts.helper = {
      name: store.helper,
      path: system.findExecutable(program, system.env) ?? null,
      ms:
        resolution.helperMs === undefined
          ? null
          : Math.round(resolution.helperMs),
    };
  }
  if (helperFailure !== undefined) {
    facts.helperFailure = {
      reason: helperFailure.reason,
      message: redact(helperFailure.message),
    };
  }
  facts.username = authConfig.username ?? null;
  facts.passwordSet = Boolean(authConfig.password);
  facts.identityTokenSet = Boolean(authConfig.identitytoken);
}

/** The places Docker looks, in its order, with what each held. */
function describeSteps(
  resolution: Resolution,
  context: ConfigContext,
): LookupStep[] {
  const { key, store, fileLookup, source } = resolution;
  const fromEnv = source === 'docker-auth-config';
  const helper = context.settings.credHelpers.get(key);
  const { credsStore, credsStoreDetected } = context.settings;
  const credsStoreSource = credsStoreDetected ? 'detected' : 'configured';
  const entry = fileLookup.entry;
  const fileFound =
    entry === undefined
      ? 'no entry'
      : fileLookup.match === 'exact'
        ? `an entry under '${entry.key}'`
        : `legacy key '${entry.key}' (same host name)`;
  return [
    {
      place: 'DOCKER_AUTH_CONFIG',
      found:
        context.envAuths === undefined
          ? context.warnings.some(
              (w) => w.code === 'invalid-docker-auth-config',
            )
            ? 'set, but ignored: not in the form Docker accepts'
            : 'not set'
          : fromEnv
            ? 'an entry'
            : 'no entry',
      chosen: fromEnv,
    },
    {
      place: 'credHelpers',
      found:
        helper === undefined
          ? 'no entry'
          : `'${helper}'${helper ? '' : ' (the file)'}`,
      chosen: !fromEnv && store.source === 'credHelpers',
    },
    {
      place: 'credsStore',
      found:
        helper !== undefined
          ? 'not consulted'
          : credsStore === ''
            ? 'not set'
            : `'${credsStore}' (${credsStoreSource})`,
      chosen:
        !fromEnv && store.kind === 'helper' && store.source !== 'credHelpers',
    },
    {
      place: 'auths',
      found: describeShadowedEntry(store.kind, entry, fileFound),
      chosen: !fromEnv && store.kind === 'file',
    },
  ];
}

/** What the auths entry means when a helper answers instead of it. */
function describeShadowedEntry(
  kind: 'helper' | 'file',
  entry: FileEntry | undefined,
  found: string,
): string {
  if (kind !== 'helper' || entry === undefined) return found;
  const { username, password, identitytoken, auth } = entry.authConfig;
  return username || password || identitytoken || auth
    ? `${found}, whose secret is not used while a helper is configured`
    : `${found}: the empty marker docker login writes beside a helper`;
}

function referenceCheck(facts: LookupFacts): Check {
  const failed = facts.domain === null;
  return check({
    id: 'lookup.reference',
    section: 'lookup',
    title: `Lookup for ${displayText(facts.reference)}`,
    status: failed ? 'failed' : 'info',
    summary: failed
      ? 'not a valid image reference'
      : `key ${facts.key}, not looked up`,
    details: [facts.error ?? ''],
  });
}

function lookupChecks(facts: LookupFacts, resolution: Resolution): Check[] {
  const checks = [keyCheck(facts), storeChoiceCheck(facts)];
  if (facts.helper !== null) checks.push(helperCheck(facts));
  checks.push(outcomeCheck(facts, resolution));
  for (const warning of resolution.warnings) {
    const entryCheck = ENTRY_CHECKS[warning.code];
    if (entryCheck !== undefined) checks.push(entryCheck(warning));
  }
  return checks;
}

/** Checks made of the lookup's warnings about `auths` entries. */
const ENTRY_CHECKS: Partial<
  Record<ResolveWarning['code'], (warning: ResolveWarning) => Check>
> = {
  // several legacy spellings of one registry: Docker's map iteration
  // picks one of them at random on each lookup
  'ambiguous-legacy-keys': (warning) =>
    check({
      id: 'lookup.ambiguous-keys',
      section: 'lookup',
      title: 'Ambiguous keys',
      status: 'warning',
      summary: 'several auths keys stand for this registry',
      details: [warning.message],
      next: 'keep one auths key for the registry and remove the others',
    }),
  'undecodable-entry': (warning) =>
    check({
      id: 'lookup.undecodable-entry',
      section: 'lookup',
      title: 'Entry',
      status: 'failed',
      summary: "the registry's auths entry cannot be decoded",
      details: [warning.message],
    }),
  // Docker stops decoding at a broken entry, in random order
  'undecodable-other-entry': (warning) =>
    check({
      id: 'lookup.undecodable-other-entry',
      section: 'lookup',
      title: 'Other entries',
      status: 'warning',
      summary: 'a broken auths entry makes this one fail on some runs',
      details: [warning.message],
    }),
};

function keyCheck(facts: LookupFacts): Check {
  const details: string[] = [];
  if (facts.hubAlias !== null) {
    details.push(
      `${facts.hubAlias} -> ${DOCKER_HUB_KEY} (Docker Hub; index.docker.io ` +
        'maps there too, registry-1.docker.io does not)',
    );
  }
  if (facts.domain === 'registry-1.docker.io') {
    details.push(
      'registry-1.docker.io is not a Docker Hub alias: it has its own key',
    );
  }
  const name = facts.reference.split(/[:@]/)[0] ?? '';
  if (
    facts.domain === HUB_DOMAIN &&
    !name.includes('/') &&
    name.includes('.')
  ) {
    details.push(
      `'${displayText(facts.reference)}' is a Docker Hub image; a registry ` +
        'needs HOST/NAME',
    );
  }
  return check({
    id: 'lookup.key',
    section: 'lookup',
    title: 'Key',
    status: 'info',
    summary:
      `${displayText(facts.reference)} -> registry ${facts.domain} ` +
      `-> key ${facts.key}`,
    details,
  });
}

function storeChoiceCheck(facts: LookupFacts): Check {
  const chosen = facts.steps.find((step) => step.chosen);
  return check({
    id: 'lookup.store',
    section: 'lookup',
    title: 'Store',
    status: 'info',
    summary: `${chosen?.place ?? 'none'} answers: ${chosen?.found ?? ''}`,
    details: facts.steps.map(
      (step, i) =>
        `${i + 1}. ${step.place}: ${step.found}` +
        (step.chosen ? '  <- used' : ''),
    ),
  });
}

function helperCheck(facts: LookupFacts): Check {
  const helper = facts.helper as NonNullable<LookupFacts['helper']>;
  const program = `docker-credential-${helper.name}`;
  const where = helper.path ?? 'not on PATH';
  const base = {
    id: 'lookup.helper',
    section: 'lookup',
    title: `Helper ${helper.name}`,
  } as const;
  if (facts.helperFailure === null) {
    return check({
      ...base,
      status: 'ok',
      summary: `${program} (${where}) answered in ${helper.ms ?? '?'} ms`,
    });
  }
  const { reason, message } = facts.helperFailure;
  return check({
    ...base,
    status: 'failed',
    summary: `${program} ${FAILURE_WORDS[reason]}`,
    details: [message],
    next:
      reason === 'not-found'
        ? null
        : `regcred --debug get ${shellWord(facts.reference)}`,
  });
}

const FAILURE_WORDS: Record<HelperFailureReason, string> = {
  'not-found': 'is not on PATH',
  exit: 'exited with an error',
  'bad-output': 'broke the helper protocol',
  'too-large': 'printed too much',
  timeout: 'did not answer in time',
};

function outcomeCheck(facts: LookupFacts, resolution: Resolution): Check {
  const found = credentialWords(facts);
  const login =
    `docker login ${facts.hubAlias === null ? facts.domain : ''}`.trim();
  if (facts.source === 'helper-failed') {
    return fallbackCheck(found, facts.helperFailure?.reason === 'timeout');
  }
  if (facts.source === 'file' && resolution.fileLookup.entry?.decodeError) {
    return check({
      ...OUTCOME,
      status: 'failed',
      summary:
        "Docker sends the entry's auth undecoded, which registries ignore: " +
        'the pull goes anonymous, and private images fail as unauthorized',
      next: login,
    });
  }

  const ignored = facts.source === 'helper' && hasSecret(resolution);
  return check({
    ...OUTCOME,
    status: found ? 'ok' : 'info',
    summary: found
      ? `${found}, from ${describeSource(facts)}`
      : 'no credentials: pulls go anonymous',
    details: ignored
      ? ["the auths entry's own secret is ignored while the helper answers"]
      : [],
    next: found ? null : login,
  });
}

/** What was found, every secret reduced to "set": e.g. `username alice,
 * password: set (redacted)`; '' for nothing. */
export function credentialWords(found: {
  username: string | null;
  passwordSet: boolean;
  identityTokenSet: boolean;
}): string {
  return [
    found.username ? `username ${found.username}` : null,
    found.passwordSet ? 'password: set (redacted)' : null,
    found.identityTokenSet ? 'identity token: set (redacted)' : null,
  ]
    .filter((part) => part !== null)
    .join(', ');
}

const OUTCOME = {
  id: 'lookup.outcome',
  section: 'lookup',
  title: 'Outcome',
} as const;

/** The helper failed: Docker hides it and sends the file's entry. A
 * helper that did not answer in time is another matter: Docker gives it
 * no time limit, so a slow one answers at last and a hung one hangs the
 * pull. */
function fallbackCheck(found: string, hung: boolean): Check {
  const send = found ? `send ${found} from config.json` : 'pull anonymously';
  if (hung) {
    return check({
      ...OUTCOME,
      status: 'warning',
      summary:
        'docker pull waits for this helper as long as it takes, forever if ' +
        'it hangs: Docker gives a credential helper no time limit',
      details: [`if the helper failed instead, Docker would ${send}`],
      next:
        'find what the helper waits for (a locked keyring, a prompt), or ' +
        'allow it more time with --helper-timeout',
    });
  }
  return check({
    ...OUTCOME,
    status: 'warning',
    summary: found
      ? `Docker swallows the failure and sends ${found} from config.json`
      : 'Docker swallows the failure and pulls anonymously',
    details: found ? ['a stale inline secret resurfaces this way'] : [],
  });
}

function hasSecret({ fileLookup }: Resolution): boolean {
  const entry = fileLookup.entry?.authConfig;
  return Boolean(entry?.password || entry?.identitytoken || entry?.auth);
}

function describeSource(facts: LookupFacts): string {
  switch (facts.source) {
    case 'docker-auth-config':
      return 'DOCKER_AUTH_CONFIG';
    case 'helper':
      return `the helper '${facts.helper?.name ?? ''}'`;
    default:
      return 'auths in config.json';
  }
}
