/**
 * `regcred dind` as data: writes the helper folder, checks the paths the
 * recipes name, builds the recipes and says which one to use and why.
 * The CLI prints it as text or as JSON.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { shellWord } from '../internal/shell-word.js';
import {
  chooseAgentSocket,
  probeAgent,
  type AgentSocket,
  type AgentSocketSource,
  type AgentStatus,
} from './agent-socket.js';
import { inspectClassicHost } from './classic-host.js';
import { probeDocker, type DockerFacts } from './docker-probe.js';
import {
  defaultHelperDir,
  writeHelperFiles,
  type HelperFiles,
} from './helper-files.js';
import { buildRecipes, type Recipe, type RecipeName } from './recipes.js';

/** One check of a path or program the recipes rely on. */
export interface DindCheck {
  name: 'agent' | 'helper' | 'docker' | 'daemon-socket';
  ok: boolean;
  message: string;
}

/** Everything `regcred dind` found, wrote and suggests. */
export interface DindReport {
  agent: { socket: string; source: AgentSocketSource; status: AgentStatus };
  files: HelperFiles;
  docker: DockerFacts;
  checks: DindCheck[];
  recommended: RecipeName;
  reason: string;
  recipes: Recipe[];
}

/** Options of {@link buildDindReport}. */
export interface DindOptions {
  /** `--socket`: the agent's socket on the host. */
  socket?: string | undefined;
  /** `--helper-dir`: where to write the helper and config folder. */
  helperDir?: string | undefined;
  env: NodeJS.ProcessEnv;
}

const REASON =
  'Forwarding copies no secret into the container: each lookup asks the ' +
  'host, read-only, only for the registries you allowed, and a logout on ' +
  'the host reaches it within seconds. The other two put every secret ' +
  'where anything in the container can read it.';

/**
 * Writes the helper folder and builds the report.
 *
 * @throws {ConfigWriteError} when the helper folder cannot be written
 */
export async function buildDindReport(
  options: DindOptions,
): Promise<DindReport> {
  const { env } = options;
  const socket = chooseAgentSocket(options.socket, env);
  const helperDir = resolve(options.helperDir || defaultHelperDir(env));

  const files = writeHelperFiles(helperDir);
  const [status, docker] = await Promise.all([
    probeAgent(socket.path),
    probeDocker(env),
  ]);
  const classic = inspectClassicHost(env);
  const recipes = buildRecipes({
    agentSocket: socket.path,
    files,
    docker,
    classic,
  });
  return {
    agent: { socket: socket.path, source: socket.source, status },
    files,
    docker,
    checks: runChecks(socket, status, files, docker),
    // the recipe that says so; forwarding is always built
    recommended:
      recipes.find((recipe) => recipe.recommended)?.name ?? 'forwarding',
    reason: REASON,
    recipes,
  };
}

function runChecks(
  socket: AgentSocket,
  status: AgentStatus,
  files: HelperFiles,
  docker: DockerFacts,
): DindCheck[] {
  const daemonThere = existsSync(docker.daemonSocket);
  return [
    {
      name: 'agent',
      ok: status === 'listening',
      message: agentMessage(socket.path, status, socket.source !== 'default'),
    },
    {
      name: 'helper',
      ok: true,
      message: `wrote ${files.helper} and ${files.config}`,
    },
    {
      name: 'docker',
      ok: docker.path !== undefined,
      message:
        docker.path === undefined
          ? 'docker is not on PATH: install the Docker CLI'
          : `docker is ${docker.path}`,
    },
    {
      name: 'daemon-socket',
      ok: daemonThere,
      message: daemonThere
        ? `the daemon socket is ${docker.daemonSocket}`
        : `no daemon socket at ${docker.daemonSocket}: is Docker running?`,
    },
  ];
}

function agentMessage(
  socket: string,
  status: AgentStatus,
  socketGiven: boolean,
): string {
  // shell-quoted: the line is meant to be pasted
  const startAgent =
    'start the agent first: regcred agent ' +
    (socketGiven ? `--socket ${shellWord(socket)} ` : '') +
    '--allow REGISTRY';
  switch (status) {
    case 'listening':
      return `a regcred agent answers at ${socket}`;
    case 'missing':
      return `no regcred agent at ${socket}: ${startAgent}`;
    case 'not-listening':
      return `nothing listens at ${socket} (a stopped agent?): ${startAgent}`;
    case 'not-a-socket':
      return `${socket} is not a socket: ${startAgent}, or pass --socket`;
    case 'not-an-agent':
      return `${socket} does not answer as a regcred agent: pass --socket`;
  }
}
