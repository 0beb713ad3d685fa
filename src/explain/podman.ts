/**
 * The podman, skopeo and buildah view for `explain`: which files
 * containers/image reads, in its order, which one answers for the image,
 * and where that answer differs from Docker's. A file that cannot be read
 * or parsed is a finding here, never an error of `explain`.
 *
 * References: anchors.md §1 (containers/image).
 *
 * @module
 */
import type { AuthConfig } from '../auth-config.js';
import {
  ConfigParseError,
  ConfigReadError,
  InvalidReferenceError,
} from '../errors.js';
import {
  podmanAuthFiles,
  type AuthFileLocation,
} from '../podman/auth-files.js';
import {
  readPodmanAuthFile,
  tracePodmanAuth,
  type PodmanAuthTrace,
  type PodmanFileStep,
  type PodmanLookupContext,
} from '../podman/auth-lookup.js';
import {
  AUTH_FILES_HELPER,
  credentialHelperList,
} from '../podman/registries-conf.js';
import { redact } from '../redact.js';
import { credentialWords, type GatheredLookup } from './lookup.js';
import {
  check,
  type Check,
  type ConfigFacts,
  type PodmanFacts,
  type PodmanFileFacts,
  type PodmanLookupFacts,
} from './report.js';
import type { ExplainSystem } from './system.js';

/** What {@link gatherPodman} reads. */
export interface PodmanInputs {
  system: ExplainSystem;
  /** The home Docker uses; podman's `~` is the same. */
  home: string | null;
  /** Docker's config facts, to compare files with. */
  config: ConfigFacts;
  /** The image reference, or undefined for the files alone. */
  reference?: string;
  /** Docker's lookup for the same reference. */
  docker?: GatheredLookup;
  helperTimeoutMs?: number;
}

const SECTION = 'podman' as const;

/** Gathers the files, the lookup for REF and the comparison with Docker. */
export async function gatherPodman(
  inputs: PodmanInputs,
): Promise<{ facts: PodmanFacts; checks: Check[] }> {
  const { system } = inputs;
  const context: PodmanLookupContext = {
    env: system.env,
    // NOTE: the search is containers/image's Linux one; macOS and Windows
    // (no uid) use ~/.config/containers/auth.json first, not modelled here
    uid: system.uid ?? 0,
    ...(inputs.home === null ? {} : { home: inputs.home }),
    systemConfigDir: system.containersDir,
  };
  const authFile = system.env.REGISTRY_AUTH_FILE || null;
  const files = podmanAuthFiles(context).map(describeFile);
  const facts: PodmanFacts = {
    authFile,
    files,
    ...describeHelperList(context),
    lookup: null,
  };
  const checks = [filesCheck(facts)];
  if (inputs.reference !== undefined) {
    const { reference } = inputs;
    const lookup = await podmanLookup(reference, context, inputs, files);
    facts.lookup = lookup;
    checks.push(lookupCheck(lookup), compareCheck(lookup));
  }
  return { facts, checks };
}

/** registries.conf's `credential-helpers`, or why it cannot be read. */
function describeHelperList(
  context: PodmanLookupContext,
): Pick<
  PodmanFacts,
  'credentialHelpers' | 'registriesConf' | 'registriesConfError'
> {
  try {
    const list = credentialHelperList({
      env: context.env,
      ...(context.home === undefined ? {} : { home: context.home }),
      ...(context.systemConfigDir === undefined
        ? {}
        : { systemDir: context.systemConfigDir }),
    });
    return {
      credentialHelpers: list.helpers,
      registriesConf: list.source,
      registriesConfError: null,
    };
  } catch (error) {
    if (error instanceof ConfigParseError || error instanceof ConfigReadError) {
      return {
        credentialHelpers: [],
        registriesConf: error.path,
        registriesConfError: redact(error.message),
      };
    }
    throw error;
  }
}

function describeFile(location: AuthFileLocation): PodmanFileFacts {
  const { path, format } = location;
  const facts = { path, format, exists: false, error: null, keys: [] };
  try {
    const content = readPodmanAuthFile(location);
    const keys = [...content.auths]
      .filter(([, entry]) => Boolean(entry.auth || entry.identitytoken))
      .map(([key]) => key);
    const credHelpers = Object.fromEntries(content.credHelpers);
    return { ...facts, exists: content.exists, keys, credHelpers };
  } catch (error) {
    if (error instanceof ConfigParseError || error instanceof ConfigReadError) {
      return {
        ...facts,
        exists: true,
        error: redact(error.message),
        credHelpers: {},
      };
    }
    throw error;
  }
}

async function podmanLookup(
  reference: string,
  context: PodmanLookupContext,
  inputs: PodmanInputs,
  files: PodmanFileFacts[],
): Promise<PodmanLookupFacts> {
  const lookup: PodmanLookupFacts = {
    steps: [],
    file: null,
    key: null,
    helper: null,
    username: null,
    passwordSet: false,
    identityTokenSet: false,
    error: null,
    sameCredentials: false,
    differences: [],
  };
  let trace: PodmanAuthTrace;
  try {
    trace = await tracePodmanAuth(reference, context, {
      stderr: 'capture',
      ...(inputs.helperTimeoutMs === undefined
        ? {}
        : { timeoutMs: inputs.helperTimeoutMs }),
    });
  } catch (error) {
    if (!(error instanceof InvalidReferenceError)) throw error;
    lookup.error = error.message;
    return lookup;
  }
  lookup.steps = trace.steps.map(
    ({ kind, path, outcome, key, helper, error }) => ({
      kind,
      path,
      outcome,
      key,
      helper,
      error: error === null ? null : redact(error),
    }),
  );
  const used = trace.steps.find((step) => step.outcome === 'found');
  lookup.file = used?.kind === 'file' ? used.path : null;
  lookup.key = used?.key ?? null;
  lookup.helper = used?.helper ?? null;
  if (trace.error !== undefined) lookup.error = redact(trace.error.message);
  const { authConfig } = trace;
  lookup.username = authConfig.username ?? null;
  lookup.passwordSet = Boolean(authConfig.password);
  lookup.identityTokenSet = Boolean(authConfig.identitytoken);
  compare(lookup, authConfig, inputs, files);
  return lookup;
}

/** How Docker answers, in the terms the comparison needs. */
interface DockerSide {
  authConfig: AuthConfig;
  /** Where the answer comes from, in words; null when nowhere. */
  place: string | null;
  /** Why podman may not see what Docker sends. */
  podmanMisses: string | null;
}

function dockerSide({ docker, config }: PodmanInputs): DockerSide {
  const authConfig = docker?.authConfig ?? {};
  const facts = docker?.facts;
  const none = { authConfig, place: null, podmanMisses: null };
  if (facts === undefined || !hasCredentials(authConfig)) return none;
  switch (facts.source) {
    case 'docker-auth-config':
      return {
        authConfig,
        place: 'DOCKER_AUTH_CONFIG',
        podmanMisses: 'podman does not read DOCKER_AUTH_CONFIG',
      };
    case 'helper': {
      const name = facts.helper?.name ?? '';
      const fromStore = facts.steps.some(
        (step) => step.place === 'credsStore' && step.chosen,
      );
      return {
        authConfig,
        place: `the helper '${name}'`,
        podmanMisses: fromStore
          ? `podman ignores credsStore ('${name}' in ${config.file})`
          : null,
      };
    }
    default:
      return {
        authConfig,
        place: `${config.file}, key '${facts.key ?? ''}'`,
        podmanMisses: null,
      };
  }
}

/** Fills `sameCredentials` and `differences`. */
function compare(
  lookup: PodmanLookupFacts,
  podman: AuthConfig,
  inputs: PodmanInputs,
  files: PodmanFileFacts[],
): void {
  const docker = dockerSide(inputs);
  const differences = lookup.differences;
  const dockerHas = hasCredentials(docker.authConfig);
  const podmanHas = hasCredentials(podman);
  const dockerSays = dockerHas
    ? `Docker sends ${who(docker.authConfig)} from ${docker.place ?? '?'}`
    : 'Docker has no credentials (anonymous pull)';
  if (lookup.error !== null) {
    differences.push(`podman stops with an error; ${dockerSays}`);
    return;
  }
  const podmanPlace = placeOf(lookup);
  const podmanSays = `podman sends ${who(podman)} from ${podmanPlace}`;
  if (!dockerHas && !podmanHas) {
    lookup.sameCredentials = true;
    return;
  }
  if (dockerHas && !podmanHas) {
    differences.push(
      `${dockerSays}; podman has none and pulls anonymously`,
      ...whyPodmanMisses(docker, { ...inputs, files }),
    );
    return;
  }
  if (!dockerHas) {
    differences.push(
      `${podmanSays}; Docker has none and pulls anonymously`,
      ...whyDockerMisses(lookup, inputs.config, files),
    );
    return;
  }
  const d = docker.authConfig;
  if ((d.username ?? '') !== (podman.username ?? '')) {
    differences.push(
      `different user: Docker sends ${d.username || 'no user name'}, ` +
        `podman sends ${podman.username || 'no user name'}`,
    );
  } else if (
    (d.password ?? '') !== (podman.password ?? '') ||
    (d.identitytoken ?? '') !== (podman.identitytoken ?? '')
  ) {
    differences.push(
      `same user ${d.username || '(none)'}, different password or token`,
    );
  } else {
    lookup.sameCredentials = true;
  }
  if (docker.place !== podmanPlace) {
    differences.push(
      `different place: Docker reads ${docker.place ?? '?'}, ` +
        `podman reads ${podmanPlace}`,
    );
  }
}

function whyPodmanMisses(
  docker: DockerSide,
  inputs: PodmanInputs & { files: PodmanFileFacts[] },
): string[] {
  if (docker.podmanMisses !== null) return [docker.podmanMisses];
  const { config, system } = inputs;
  const authFile = system.env.REGISTRY_AUTH_FILE;
  if (authFile) {
    return [`REGISTRY_AUTH_FILE limits podman to ${authFile}`];
  }
  const searched = inputs.files.some((file) => file.path === config.file);
  if (!searched) {
    return [`podman does not read ${config.file}: it is not in its search`];
  }
  if (docker.place?.startsWith(config.file) === true) {
    return [
      `podman reads ${config.file} too, but only an entry's 'auth' or ` +
        "'identitytoken' (not 'username'/'password')",
    ];
  }
  return [];
}

function whyDockerMisses(
  lookup: PodmanLookupFacts,
  config: ConfigFacts,
  files: PodmanFileFacts[],
): string[] {
  const reasons: string[] = [];
  const used = files.find((file) => file.path === lookup.file);
  if (used?.format === 'legacy') {
    reasons.push(`Docker 28 does not read the legacy ${used.path}`);
  } else if (lookup.file !== null && lookup.file !== config.file) {
    reasons.push(`Docker reads only ${config.file}`);
  }
  const key = lookup.key ?? '';
  if (lookup.helper === null && /^[^/]+\/./.test(key) && !/:\/\//.test(key)) {
    reasons.push(`Docker ignores namespaced keys such as '${key}'`);
  }
  return reasons;
}

function placeOf(lookup: PodmanLookupFacts): string {
  if (lookup.file === null) {
    return lookup.helper === null
      ? 'nowhere'
      : `the helper '${lookup.helper}' (registries.conf credential-helpers)`;
  }
  if (lookup.helper !== null) {
    return `the helper '${lookup.helper}' (credHelpers in ${lookup.file})`;
  }
  return `${lookup.file}, key '${lookup.key ?? ''}'`;
}

function hasCredentials(authConfig: AuthConfig): boolean {
  return Boolean(
    authConfig.username || authConfig.password || authConfig.identitytoken,
  );
}

/** The user name and which secrets are set; never a secret. */
function who(authConfig: AuthConfig): string {
  return credentialWords({
    username: authConfig.username ?? null,
    passwordSet: Boolean(authConfig.password),
    identityTokenSet: Boolean(authConfig.identitytoken),
  });
}

function filesCheck(facts: PodmanFacts): Check {
  const broken = facts.files.filter((file) => file.error !== null);
  const existing = facts.files.filter((file) => file.exists);
  const summary =
    facts.authFile !== null
      ? `REGISTRY_AUTH_FILE replaces the search: only ${facts.authFile}`
      : `${existing.length} of ${facts.files.length} files exist; ` +
        'read in this order, first answer wins';
  const details = facts.files.map(
    (file, i) => `${i + 1}. ${file.path}: ${fileWords(file)}`,
  );
  details.push(...helperListWords(facts));
  const brokenPaths = broken.map((file) => file.path);
  if (facts.registriesConfError !== null && facts.registriesConf !== null) {
    brokenPaths.push(facts.registriesConf);
  }
  return check({
    id: 'podman.files',
    section: SECTION,
    title: 'Files',
    status: brokenPaths.length > 0 ? 'warning' : 'info',
    summary,
    details,
    next:
      brokenPaths.length > 0
        ? `fix or remove ${brokenPaths.join(', ')}: ` +
          'podman fails on any lookup that reaches it'
        : null,
  });
}

/** What registries.conf's list changes, in words; [] for the default. */
function helperListWords(facts: PodmanFacts): string[] {
  const { credentialHelpers, registriesConf, registriesConfError } = facts;
  if (registriesConfError !== null) {
    return [`registries.conf cannot be used: ${registriesConfError}`];
  }
  if (registriesConf === null) return [];
  const list = credentialHelpers.join(', ');
  const words = [`${registriesConf} sets credential-helpers: ${list}`];
  if (!credentialHelpers.includes(AUTH_FILES_HELPER)) {
    words.push(
      `without ${AUTH_FILES_HELPER} in that list, none of these files is read`,
    );
  }
  return words;
}

function fileWords(file: PodmanFileFacts): string {
  if (file.error !== null) return `cannot be used: ${file.error}`;
  if (!file.exists) return 'missing';
  const helpers = Object.entries(file.credHelpers).map(
    ([host, helper]) => `credHelpers ${host} -> ${helper}`,
  );
  const keys =
    file.keys.length === 0
      ? 'no credentials'
      : `credentials for ${file.keys.join(', ')}`;
  const legacy = file.format === 'legacy' ? ' (legacy format)' : '';
  return [`exists${legacy}, ${keys}`, ...helpers].join('; ');
}

const STEP_WORDS: Record<PodmanFileStep['outcome'], string> = {
  missing: 'missing',
  'no-entry': 'no key for this image',
  'empty-entry': 'holds no credentials ({}): try the next file',
  'bad-entry': 'cannot be decoded: skipped',
  'helper-not-found': 'has nothing: try the next file',
  found: 'answers',
  failed: 'cannot be used: podman stops here with an error',
  'not-read': 'not read',
};

function lookupCheck(lookup: PodmanLookupFacts): Check {
  const details = lookup.steps.map((step, i) => {
    const where =
      step.kind === 'helper'
        ? `(registries.conf) for ${step.key ?? 'the host'}`
        : step.helper !== null
          ? `credHelpers '${step.helper}' for ${step.key ?? ''}`
          : step.key !== null
            ? `key '${step.key}'`
            : '';
    const words = [where, STEP_WORDS[step.outcome]].filter(Boolean);
    const used = step.outcome === 'found' ? '  <- used' : '';
    return `${i + 1}. ${step.path}: ${words.join(' ')}${used}`;
  });
  const base = { id: 'podman.lookup', section: SECTION, title: 'Lookup' };
  if (lookup.error !== null) {
    return check({
      ...base,
      status: 'warning',
      summary: 'podman, skopeo and buildah stop with an error',
      details: [lookup.error, ...details],
    });
  }
  const found = credentialWords(lookup);
  return check({
    ...base,
    status: 'info',
    summary: found
      ? `${found}, from ${placeOf(lookup)}`
      : 'no credentials in any file: podman pulls anonymously',
    details,
  });
}

function compareCheck(lookup: PodmanLookupFacts): Check {
  const base = {
    id: 'podman.vs-docker',
    section: SECTION,
    title: 'Podman vs Docker',
  };
  if (lookup.differences.length === 0) {
    return check({
      ...base,
      status: 'ok',
      summary:
        lookup.file === null
          ? 'podman and Docker both pull anonymously'
          : 'podman and Docker send the same credentials, from the same file',
    });
  }
  return check({
    ...base,
    status: lookup.sameCredentials ? 'info' : 'warning',
    summary: lookup.sameCredentials
      ? 'the same credentials, from different places'
      : 'podman and Docker answer differently for this image',
    details: lookup.differences,
  });
}
