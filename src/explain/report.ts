/**
 * The data model of `regcred explain`: facts about this process and its
 * config, and titled checks over them. Renderers turn it into text; `--json`
 * prints it as it is. Nothing in it ever holds a secret: a password or a
 * token appears only as "set" or "not set".
 *
 * @module
 */
import type { HelperFailureReason } from '../errors.js';
import type { AuthFileFormat as PodmanFileFormat } from '../podman/auth-files.js';
import type { PodmanFileOutcome } from '../podman/auth-lookup.js';

/** How a check came out. */
export type CheckStatus =
  /** Nothing to do. */
  | 'ok'
  /** Worth knowing or fixing; pulls and logins still work. */
  | 'warning'
  /** Breaks a pull or a login for this process: `explain` exits 1. */
  | 'failed'
  /** A fact, neither good nor bad. */
  | 'info';

/** The part of the report a check belongs to. */
export type SectionId =
  'identity' | 'environment' | 'config' | 'lookup' | 'podman' | 'elsewhere';

/** One titled check, written for people; the facts hold the values. */
export interface Check {
  /** A stable id for programs, e.g. `config.permissions`. */
  id: string;
  section: SectionId;
  /** A short title, e.g. "Config file". */
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** More lines, each a sentence or a list item. */
  details: string[];
  /** The next command to run, or the edit to make; null when none. */
  next: string | null;
}

/** Who runs this process. */
export interface IdentityFacts {
  uid: number | null;
  gid: number | null;
  /** The user name for `uid`, from the user database. */
  user: string | null;
  /** The home Docker uses, or null when there is none. */
  home: string | null;
  /** Where `home` came from: `$HOME` or the user database. */
  homeSource: 'HOME' | 'passwd' | null;
  /** The home the user database gives `uid`. */
  passwdHome: string | null;
  /** The invoking user, when this runs under sudo. */
  sudo: { user: string; uid: number | null; home: string | null } | null;
}

/** How the Docker client picks its daemon endpoint. */
export type EndpointSource =
  'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'currentContext' | 'default';

/** Where this process runs, and which daemon its client talks to. */
export interface EnvironmentFacts {
  platform: string;
  /** Where the client runs, as far as can be told. */
  place: 'host' | 'container' | 'vm';
  /** What gave the place away, e.g. `/.dockerenv`. */
  evidence: string[];
  /** The Docker context in use, and what chose it. */
  context: string;
  contextSource: EndpointSource;
  /** The daemon endpoint, e.g. `unix:///var/run/docker.sock`; null when
   * the context cannot be resolved. */
  endpoint: string | null;
  /** Why the context cannot be resolved; null when it can. */
  contextError: string | null;
  /** The socket path of a `unix://` endpoint. */
  socketPath: string | null;
  /** Whether a socket exists there (nothing ever connects to it). */
  socketExists: boolean | null;
  /** True on macOS and Windows, where the daemon runs in a Linux VM. */
  daemonInVm: boolean;
}

/** A credential helper named by the config, and where it is. */
export interface HelperFacts {
  /** The name after `docker-credential-`. */
  name: string;
  /** Its absolute path on PATH, or null when it is missing. */
  path: string | null;
  /** What names it: `credsStore`, `detected`, or `credHelpers[KEY]`. */
  usedBy: string[];
}

/** The config file, its owner and mode, and the stores it sets up. */
export interface ConfigFacts {
  dir: string;
  file: string;
  /** Why this directory: `--config`, `DOCKER_CONFIG`, `$HOME`, passwd. */
  source: 'flag' | 'DOCKER_CONFIG' | 'HOME' | 'passwd';
  exists: boolean;
  /** Why the file cannot be read or parsed; null when it can. */
  error: string | null;
  /** Owner and mode, e.g. `{ uid: 1000, gid: 1000, mode: '0600' }`. */
  owner: { uid: number; gid: number; mode: string } | null;
  credsStore: string | null;
  credsStoreSource: 'configured' | 'detected' | null;
  credHelpers: Record<string, string>;
  helpers: HelperFacts[];
  /** `auths` keys holding a password, `auth` or token (never the value). */
  secretKeys: string[];
  /** `DOCKER_AUTH_CONFIG`: whether set, valid, and its keys. */
  dockerAuthConfig: {
    set: boolean;
    valid: boolean;
    keys: string[];
    reason: string | null;
  };
  /** `<home>/.dockercfg`, which Docker 28 ignores. */
  legacyDockercfg: { path: string; exists: boolean };
}

/** One place the lookup looked, in order. */
export interface LookupStep {
  /** `DOCKER_AUTH_CONFIG`, `credHelpers`, `credsStore` or `auths`. */
  place: string;
  /** What it held for the key, in words. */
  found: string;
  /** True for the step whose store answered. */
  chosen: boolean;
}

/** How the credentials for REF were found. */
export interface LookupFacts {
  reference: string;
  /** The registry domain after Docker's normalisation. */
  domain: string | null;
  /** The config key looked up, e.g. `https://index.docker.io/v1/`. */
  key: string | null;
  /** Set when `domain` is a Docker Hub alias, e.g. `docker.io`. */
  hubAlias: string | null;
  steps: LookupStep[];
  /** The helper asked, its path and how long it took. */
  helper: { name: string; path: string | null; ms: number | null } | null;
  /** Why the helper failed, and the failure's message. */
  helperFailure: { reason: HelperFailureReason; message: string } | null;
  /** Where the answer came from; null when there was no lookup. */
  source: 'helper' | 'helper-failed' | 'file' | 'docker-auth-config' | null;
  username: string | null;
  passwordSet: boolean;
  identityTokenSet: boolean;
  /** Why the lookup could not run (a bad reference, a bad config). */
  error: string | null;
}

/** One file podman, skopeo and buildah read credentials from. */
export interface PodmanFileFacts {
  path: string;
  /** `auths` (auth.json, config.json) or `legacy` (`~/.dockercfg`). */
  format: PodmanFileFormat;
  exists: boolean;
  /** Why it cannot be read or parsed; null when it can. */
  error: string | null;
  /** Keys holding `auth` or `identitytoken` (never the value). */
  keys: string[];
  /** The file's own `credHelpers`, which podman honours per host. */
  credHelpers: Record<string, string>;
}

/** How one place of podman's search came out for REF. */
export interface PodmanStepFacts {
  /** An auth file, or a helper of registries.conf's list. */
  kind: 'file' | 'helper';
  /** The file, or the helper's program `docker-credential-<name>`. */
  path: string;
  /** `missing`, `no-entry`, `empty-entry`, `bad-entry`,
   * `helper-not-found`, `found`, `failed` or `not-read`. */
  outcome: PodmanFileOutcome;
  /** The key that matched, or the host asked of a helper. */
  key: string | null;
  helper: string | null;
  error: string | null;
}

/** The credentials podman would use for REF, next to Docker's. */
export interface PodmanLookupFacts {
  steps: PodmanStepFacts[];
  /** The file that answers (null for a registries.conf helper), its key,
   * and the helper if one answered. */
  file: string | null;
  key: string | null;
  helper: string | null;
  username: string | null;
  passwordSet: boolean;
  identityTokenSet: boolean;
  /** Why podman would stop with an error (or why there was no lookup). */
  error: string | null;
  /** True when podman would send the same credentials as Docker. */
  sameCredentials: boolean;
  /** Each way podman's answer differs from Docker's; [] when none. */
  differences: string[];
}

/** The podman/skopeo/buildah view: containers/image's files and lookup. */
export interface PodmanFacts {
  /** `REGISTRY_AUTH_FILE`, which replaces the whole search; or null. */
  authFile: string | null;
  /** The files in search order. */
  files: PodmanFileFacts[];
  /** registries.conf's `credential-helpers`, in order;
   * `containers-auth.json` stands for the files above. */
  credentialHelpers: string[];
  /** The registries.conf file that set the list; null for the default. */
  registriesConf: string | null;
  /** Why registries.conf cannot be used; null when it can. */
  registriesConfError: string | null;
  /** The lookup for REF; null without REF. */
  lookup: PodmanLookupFacts | null;
}

/** What a `docker` command would see when run some other way. */
export interface ElsewhereFacts {
  place: 'sudo' | 'sudo -i' | 'container';
  /** The HOME it would have, when known. */
  home: string | null;
  /** The config file it would read, when known. */
  configFile: string | null;
  /** Whether that file exists on this machine, when known. */
  configExists: boolean | null;
}

/** Everything `explain` found. */
export interface ExplainReport {
  /** The shape's name and version, for programs. */
  schema: 'regcred.explain/v1';
  /** The image reference asked about, or null. */
  reference: string | null;
  identity: IdentityFacts;
  environment: EnvironmentFacts;
  config: ConfigFacts;
  lookup: LookupFacts | null;
  /** What podman, skopeo and buildah would read instead. */
  podman: PodmanFacts;
  elsewhere: ElsewhereFacts[];
  checks: Check[];
  /** How many checks came out each way. */
  counts: Record<CheckStatus, number>;
  /** 1 when a check failed, else 0. */
  exitStatus: 0 | 1;
}

/** Builds a check, its fields always in the documented order;
 * `details` and `next` are optional. */
export function check(
  fields: Omit<Check, 'details' | 'next'> &
    Partial<Pick<Check, 'details' | 'next'>>,
): Check {
  const { id, section, title, status, summary } = fields;
  const { details = [], next = null } = fields;
  return { id, section, title, status, summary, details, next };
}

/** Counts the checks by status. */
export function countChecks(
  checks: readonly Check[],
): Record<CheckStatus, number> {
  const counts = { ok: 0, warning: 0, failed: 0, info: 0 };
  for (const { status } of checks) counts[status]++;
  return counts;
}

/** Formats a file mode as four octal digits, e.g. `0600`. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
