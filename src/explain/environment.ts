/**
 * Where this process runs (host, container, VM, as far as can be told) and
 * which daemon endpoint its Docker client talks to. Nothing connects to
 * the endpoint: a unix socket is only checked for existence.
 *
 * References: docker/cli v28.2.2 `cli/command/cli.go`
 * (`resolveContextName`) and `cli/context/store` (the meta.json layout).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { check, type Check, type EnvironmentFacts } from './report.js';
import type { ExplainSystem } from './system.js';

const DEFAULT_CONTEXT = 'default';
const DEFAULT_UNIX_HOST = 'unix:///var/run/docker.sock';
const DEFAULT_WINDOWS_HOST = 'npipe:////./pipe/docker_engine';
const CONTAINER_CGROUP_REGEXP = /\/(docker|kubepods|containerd|libpod|lxc)\b/;
/** Words a hypervisor leaves in DMI's vendor or product name. */
const HYPERVISOR_REGEXP = new RegExp(
  'qemu|kvm|vmware|virtualbox|xen|parallels|bochs|virtual machine|google',
  'i',
);

/** Gathers the place and the daemon endpoint, with their checks. */
export function gatherEnvironment(
  system: ExplainSystem,
  configDir: string,
  currentContext: string,
): { facts: EnvironmentFacts; checks: Check[] } {
  const { place, evidence } = detectPlace(system);
  const { context, contextSource } = chooseContext(system.env, currentContext);
  const resolved = resolveEndpoint(system, configDir, context);
  const socketPath = resolved.endpoint?.startsWith('unix://')
    ? resolved.endpoint.slice('unix://'.length)
    : null;
  const facts: EnvironmentFacts = {
    platform: system.platform,
    place,
    evidence,
    context,
    contextSource,
    ...resolved,
    socketPath,
    socketExists:
      socketPath === null ? null : system.stat(socketPath)?.kind === 'socket',
    daemonInVm:
      (system.platform === 'darwin' || system.platform === 'win32') &&
      (socketPath !== null ||
        resolved.endpoint?.startsWith('npipe://') === true),
  };
  return { facts, checks: [placeCheck(facts), endpointCheck(facts)] };
}

/** Tells host, container and VM apart by the marks each leaves. */
function detectPlace(system: ExplainSystem): {
  place: EnvironmentFacts['place'];
  evidence: string[];
} {
  if (system.platform !== 'linux') return { place: 'host', evidence: [] };
  const container = ['/.dockerenv', '/run/.containerenv'].filter(
    (path) => system.stat(path) !== undefined,
  );
  const cgroup = system.readText('/proc/1/cgroup') ?? '';
  if (CONTAINER_CGROUP_REGEXP.test(cgroup)) container.push('/proc/1/cgroup');
  if (system.env.container) container.push(`container=${system.env.container}`);
  if (container.length > 0) return { place: 'container', evidence: container };

  const vm: string[] = [];
  if (system.env.WSL_DISTRO_NAME) vm.push('WSL_DISTRO_NAME (WSL 2)');
  for (const field of ['sys_vendor', 'product_name']) {
    const value = system.readText(`/sys/class/dmi/id/${field}`)?.trim() ?? '';
    if (HYPERVISOR_REGEXP.test(value)) vm.push(`${field} ${value}`);
  }
  return vm.length > 0
    ? { place: 'vm', evidence: vm }
    : { place: 'host', evidence: [] };
}

/**
 * Picks the context as Docker does: `DOCKER_HOST` (the default context
 * pointed at it), else `DOCKER_CONTEXT`, else config.json's
 * `currentContext`, else `default`.
 */
function chooseContext(
  env: NodeJS.ProcessEnv,
  currentContext: string,
): Pick<EnvironmentFacts, 'context' | 'contextSource'> {
  if (env.DOCKER_HOST) {
    return { context: DEFAULT_CONTEXT, contextSource: 'DOCKER_HOST' };
  }
  if (env.DOCKER_CONTEXT) {
    return { context: env.DOCKER_CONTEXT, contextSource: 'DOCKER_CONTEXT' };
  }
  if (currentContext !== '') {
    return { context: currentContext, contextSource: 'currentContext' };
  }
  return { context: DEFAULT_CONTEXT, contextSource: 'default' };
}

/** Reads a context's endpoint from `contexts/meta/<sha256>/meta.json`. */
function resolveEndpoint(
  system: ExplainSystem,
  configDir: string,
  context: string,
): Pick<EnvironmentFacts, 'endpoint' | 'contextError'> {
  if (context === DEFAULT_CONTEXT) {
    const fallback =
      system.platform === 'win32' ? DEFAULT_WINDOWS_HOST : DEFAULT_UNIX_HOST;
    return { endpoint: system.env.DOCKER_HOST || fallback, contextError: null };
  }
  const digest = createHash('sha256').update(context).digest('hex');
  const meta = join(configDir, 'contexts', 'meta', digest, 'meta.json');
  const text = system.readText(meta);
  if (text === undefined) {
    return {
      endpoint: null,
      contextError: `no context '${context}' (${meta} is missing)`,
    };
  }
  try {
    const host = (JSON.parse(text) as ContextMeta)?.Endpoints?.docker?.Host;
    if (typeof host === 'string') return { endpoint: host, contextError: null };
    return {
      endpoint: null,
      contextError: `context '${context}' has no docker endpoint`,
    };
  } catch {
    return { endpoint: null, contextError: `cannot parse ${meta}` };
  }
}

interface ContextMeta {
  Endpoints?: { docker?: { Host?: unknown } };
}

function placeCheck(facts: EnvironmentFacts): Check {
  const summary = {
    host: facts.daemonInVm
      ? `the ${facts.platform === 'darwin' ? 'macOS' : 'Windows'} host`
      : 'a host, as far as can be told',
    container: 'a container',
    vm: 'a virtual machine',
  }[facts.place];
  const details = facts.evidence.map((mark) => `found: ${mark}`);
  if (facts.place === 'container') {
    details.push(
      "this container's docker has its own HOME and config: the host's " +
        'logins are not visible here',
    );
  }
  return check({
    id: 'environment.place',
    section: 'environment',
    title: 'Machine',
    status: 'info',
    summary,
    details,
  });
}

function endpointCheck(facts: EnvironmentFacts): Check {
  const base = {
    id: 'environment.daemon',
    section: 'environment',
    title: 'Daemon endpoint',
  } as const;
  const chosen = describeContextChoice(facts);
  if (facts.endpoint === null) {
    return check({
      ...base,
      status: 'failed',
      summary: `${chosen}, which cannot be resolved`,
      details: [
        `${facts.contextError ?? 'unknown error'}: ` +
          'every docker command fails to start',
      ],
      next:
        facts.contextSource === 'DOCKER_CONTEXT'
          ? 'unset DOCKER_CONTEXT, or docker context ls to pick one'
          : 'docker context use default',
    });
  }
  const details = [...socketDetails(facts), ...MEANING];
  const missing = facts.socketExists === false;
  return check({
    ...base,
    status: missing ? 'warning' : facts.socketExists ? 'ok' : 'info',
    summary: `${facts.endpoint} (${chosen})`,
    details,
    next: missing
      ? 'start the Docker daemon, or point DOCKER_HOST at one'
      : null,
  });
}

function describeContextChoice(facts: EnvironmentFacts): string {
  switch (facts.contextSource) {
    case 'DOCKER_HOST':
      return 'from DOCKER_HOST, which overrides any context';
    case 'DOCKER_CONTEXT':
      return `context '${facts.context}' from DOCKER_CONTEXT`;
    case 'currentContext':
      return `context '${facts.context}' from currentContext in config.json`;
    case 'default':
      return 'the default context';
  }
}

function socketDetails(facts: EnvironmentFacts): string[] {
  if (facts.endpoint?.startsWith('npipe://')) {
    return ['a named pipe to the local daemon (not checked)'];
  }
  if (facts.socketPath === null) {
    return [
      'a network endpoint: the daemon may run on another machine (not checked)',
    ];
  }
  const vm = facts.daemonInVm ? '; the daemon itself runs in a Linux VM' : '';
  return facts.socketExists
    ? [`a socket exists at ${facts.socketPath} (not connected to)${vm}`]
    : [`no socket at ${facts.socketPath}: pulls need a running daemon`];
}

/** What the endpoint means for credentials, after the seed article. */
const MEANING = [
  'the daemon never reads config.json: this client sends it credentials ' +
    'with each pull, push and build',
  'docker login with the daemon reachable has the daemon check the ' +
    'password (its network, proxy and certificates apply; without one, ' +
    'this client checks it); the result is stored here, on the client',
];
