/**
 * The three ways to give a container the host's registry login, as
 * `docker run` flags and as a compose snippet:
 * 1. forwarding: the agent's socket and the sh helper are mounted, and
 *    every lookup goes back to the host (recommended);
 * 2. classic: config.json, the helper binary and the helper's own
 *    secrets are mounted;
 * 3. Docker's `--use-api-socket`: Docker writes the resolved secrets into
 *    a file in the container.
 *
 * @module
 */
import { isUnreachableHelper, type ClassicHost } from './classic-host.js';
import type { DockerFacts } from './docker-probe.js';
import type { HelperFiles } from './helper-files.js';

/** Where things are inside the container. */
export const CONTAINER_PATHS = {
  agentSocket: '/run/regcred/agent.sock',
  dockerConfig: '/run/regcred/docker-config',
  helper: '/usr/local/bin/docker-credential-regcred',
  daemonSocket: '/var/run/docker.sock',
  home: '/root',
} as const;

/** The name of a recipe. */
export type RecipeName = 'forwarding' | 'classic' | 'use-api-socket';

/** A host path mounted into the container. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** One way to share the login, ready to paste. */
export interface Recipe {
  name: RecipeName;
  title: string;
  recommended: boolean;
  /** False when this host cannot use it (see `notes`). */
  available: boolean;
  mounts: Mount[];
  environment: Record<string, string>;
  /** Other `docker run` options, such as `--use-api-socket`. */
  options: string[];
  /** What the example container runs, after the image name. */
  containerCommand: string[];
  /** The `docker run` arguments, one array entry per argv word. */
  dockerRunFlags: string[];
  /** A docker compose service using the recipe. */
  compose: string;
  risks: string[];
  notes: string[];
}

/** What the recipes are built from. */
export interface RecipeInput {
  agentSocket: string;
  files: HelperFiles;
  docker: DockerFacts;
  classic: ClassicHost;
}

/** The image the examples use: Docker's official CLI image. */
export const EXAMPLE_IMAGE = 'docker:cli';

/** docker:cli has none of curl, socat or `nc -U`, which the sh helper
 * needs, so the forwarding example adds curl before the shell starts. */
const SHELL_WITH_CURL = [
  'sh',
  '-c',
  'apk add --no-cache curl >/dev/null && exec sh',
];

/** Builds the three recipes, forwarding first. */
export function buildRecipes(input: RecipeInput): Recipe[] {
  return [forwarding(input), classic(input), useApiSocket(input)];
}

function forwarding({ agentSocket, files, docker }: RecipeInput): Recipe {
  return finish({
    name: 'forwarding',
    title: 'Forward lookups to the regcred agent (recommended)',
    recommended: true,
    available: true,
    mounts: [
      daemonMount(docker),
      mount(agentSocket, CONTAINER_PATHS.agentSocket, false),
      mount(files.helper, CONTAINER_PATHS.helper, true),
      mount(files.configDir, CONTAINER_PATHS.dockerConfig, true),
    ],
    environment: {
      REGCRED_AGENT_SOCK: CONTAINER_PATHS.agentSocket,
      DOCKER_CONFIG: CONTAINER_PATHS.dockerConfig,
    },
    options: [],
    containerCommand: SHELL_WITH_CURL,
    risks: [
      'Anything in the container can ask for the credentials of the ' +
        'registries you allowed while the agent runs; nothing else.',
    ],
    notes: [
      'No secret is copied: each lookup asks the host, read-only, only ' +
        'for the registries given to --allow, and is audited there.',
      "A logout on the host reaches the container within the agent's " +
        '--cache-ttl (5 s by default).',
      'The container runs as root or as your uid (--user "$(id -u)"), ' +
        'or the agent is started with --allow-uid UID.',
      'Start the agent before the container: docker -v makes a folder ' +
        'where a missing socket should be.',
      'After restarting the agent, restart the container: the mount ' +
        'keeps the old socket.',
      'The helper needs curl, socat or nc -U in the image: the example ' +
        'adds curl to docker:cli with apk at start; an image that has one ' +
        '(or Node, for the Node docker-credential-regcred) needs no setup.',
    ],
  });
}

function classic({ classic: host, docker }: RecipeInput): Recipe {
  const home = CONTAINER_PATHS.home;
  const helperMounts = host.helpers
    .filter((helper) => helper.path !== undefined)
    .map((helper) =>
      mount(
        helper.path ?? '',
        `/usr/local/bin/docker-credential-${helper.name}`,
        true,
      ),
    );
  const secretMounts = host.secretDirs.map(({ path, env }) =>
    mount(path, `${home}/${secretDirName(env)}`, env !== 'GNUPGHOME'),
  );
  const environment: Record<string, string> = { HOME: home };
  for (const { env } of host.secretDirs) {
    environment[env] = `${home}/${secretDirName(env)}`;
  }
  const unreachable = host.helpers.filter((h) => isUnreachableHelper(h.name));
  return finish({
    name: 'classic',
    title: 'Copy the login into the container (classic)',
    recommended: false,
    available: host.configExists && unreachable.length === 0,
    mounts: [
      daemonMount(docker),
      mount(host.configFile, `${home}/.docker/config.json`, true),
      ...helperMounts,
      ...secretMounts,
    ],
    environment,
    options: [],
    containerCommand: ['sh'],
    risks: [
      'Every secret of every registry is handed to the container, not ' +
        'only the ones it needs.',
      'Anything running in the container can read them (and the ' +
        "helper's keys, e.g. your GnuPG keys for pass).",
      'The copy goes stale: a logout or new login on the host is not ' +
        'seen, and a copied secret stays valid after you log out.',
    ],
    notes: classicNotes(
      host,
      unreachable.map((h) => h.name),
    ),
  });
}

function classicNotes(host: ClassicHost, unreachable: string[]): string[] {
  const notes: string[] = [];
  if (!host.configExists) {
    notes.push(`There is no ${host.configFile}: nothing to copy.`);
  } else if (host.helpers.length === 0) {
    notes.push('config.json names no helper: its secrets are in the file.');
  }
  for (const name of unreachable) {
    notes.push(
      `docker-credential-${name} keeps its secrets in a desktop service ` +
        'a container cannot reach: this recipe does not work here.',
    );
  }
  for (const helper of host.helpers) {
    if (helper.path === undefined && !isUnreachableHelper(helper.name)) {
      notes.push(`docker-credential-${helper.name} is not on PATH.`);
    }
  }
  notes.push('The helper binary must run in the image (same libc, its tools).');
  return notes;
}

function useApiSocket({ docker }: RecipeInput): Recipe {
  const available = docker.useApiSocket === true;
  const support =
    docker.path === undefined
      ? 'docker is not on PATH, so its support is unknown.'
      : docker.useApiSocket === true
        ? `${docker.path} supports it.`
        : `${docker.path} does not list it in 'docker run --help' ` +
          '(it needs Docker 28 or later).';
  return finish({
    name: 'use-api-socket',
    title: "Docker's --use-api-socket",
    recommended: false,
    available,
    mounts: [],
    environment: {},
    options: ['--use-api-socket'],
    containerCommand: ['sh'],
    risks: [
      'Docker resolves every credential on the host and writes them, in ' +
        'plain text, to /run/secrets/docker/config.json in the container.',
      'Anything in the container can read that file, and it outlives the ' +
        'run until the container is removed.',
    ],
    notes: [
      support,
      'It mounts the daemon socket too. Docker writes no credentials ' +
        'when the container sets DOCKER_CONFIG itself.',
    ],
  });
}

/** The mount of the host's daemon socket, which every recipe needs. */
function daemonMount(docker: DockerFacts): Mount {
  return mount(docker.daemonSocket, CONTAINER_PATHS.daemonSocket, false);
}

function mount(source: string, target: string, readOnly: boolean): Mount {
  return { source, target, readOnly };
}

function secretDirName(env: string): string {
  return env === 'GNUPGHOME' ? '.gnupg' : '.password-store';
}

type RecipeParts = Omit<Recipe, 'dockerRunFlags' | 'compose'>;

/** Adds the `docker run` flags and the compose snippet. */
function finish(parts: RecipeParts): Recipe {
  return {
    ...parts,
    dockerRunFlags: dockerRunFlags(parts),
    compose: composeSnippet(parts),
  };
}

function dockerRunFlags(parts: RecipeParts): string[] {
  const flags = [...parts.options];
  for (const m of parts.mounts) {
    if (fitsVolumeSyntax(m)) flags.push('-v', volumeSpec(m));
    else flags.push('--mount', mountSpec(m));
  }
  for (const [name, value] of Object.entries(parts.environment)) {
    flags.push('-e', `${name}=${value}`);
  }
  return flags;
}

/** `-v SRC:DST[:ro]` splits at ':', so a path holding one needs the
 * long --mount form (and compose its long volume syntax). */
function fitsVolumeSyntax({ source, target }: Mount): boolean {
  return !source.includes(':') && !target.includes(':');
}

function volumeSpec({ source, target, readOnly }: Mount): string {
  return `${source}:${target}${readOnly ? ':ro' : ''}`;
}

/** `--mount` takes CSV: a field holding ',' or '"' is double-quoted,
 * with '"' doubled. */
function mountSpec({ source, target, readOnly }: Mount): string {
  const field = (name: string, value: string): string =>
    /[,"]/.test(value)
      ? `"${name}=${value.replaceAll('"', '""')}"`
      : `${name}=${value}`;
  const fields = [
    'type=bind',
    field('source', source),
    field('target', target),
  ];
  if (readOnly) fields.push('readonly');
  return fields.join(',');
}

/** A service named `app` in a compose file, on the docker:cli image. */
function composeSnippet(parts: RecipeParts): string {
  const lines = ['services:', '  app:', `    image: ${EXAMPLE_IMAGE}`];
  if (parts.containerCommand.length > 1) {
    lines.push(`    command: ${JSON.stringify(parts.containerCommand)}`);
  }
  if (parts.options.includes('--use-api-socket')) {
    lines.push('    use_api_socket: true');
  }
  const environment = Object.entries(parts.environment);
  if (environment.length > 0) lines.push('    environment:');
  for (const [name, value] of environment) {
    lines.push(`      ${name}: ${yamlScalar(value)}`);
  }
  if (parts.mounts.length > 0) lines.push('    volumes:');
  for (const m of parts.mounts) lines.push(...composeVolume(m));
  return `${lines.join('\n')}\n`;
}

function composeVolume(m: Mount): string[] {
  if (fitsVolumeSyntax(m)) {
    return [`      - ${composeScalar(volumeSpec(m))}`];
  }
  const lines = [
    '      - type: bind',
    `        source: ${composeScalar(m.source)}`,
    `        target: ${composeScalar(m.target)}`,
  ];
  if (m.readOnly) lines.push('        read_only: true');
  return lines;
}

/** A compose value: compose reads '$' as the start of a variable, so a
 * literal one is written '$$'. */
function composeScalar(value: string): string {
  return yamlScalar(value.replaceAll('$', '$$$$'));
}

const PLAIN_YAML_REGEXP = /^[A-Za-z0-9_/.][A-Za-z0-9_/.:@+=-]*$/;

/** A YAML scalar: plain when safe, else double-quoted (JSON's quoting is
 * valid YAML). */
function yamlScalar(value: string): string {
  return PLAIN_YAML_REGEXP.test(value) ? value : JSON.stringify(value);
}
