/**
 * What would differ if the same `docker` command ran under `sudo`, under
 * `sudo -i`, or in a container that mounts the Docker socket: the seed
 * article's point that a login belongs to one OS and one user.
 *
 * @module
 */
import { dirname, join } from 'node:path';
import { userByUid } from './identity.js';
import {
  check,
  type Check,
  type ConfigFacts,
  type ElsewhereFacts,
  type EnvironmentFacts,
  type IdentityFacts,
} from './report.js';
import type { ExplainSystem } from './system.js';

/** Debian's and Ubuntu's sudoers `secure_path`. */
const SECURE_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Everything the elsewhere checks read. */
export interface ElsewhereInputs {
  system: ExplainSystem;
  identity: IdentityFacts;
  environment: EnvironmentFacts;
  config: ConfigFacts;
}

/** Gathers the three other places, one check each. */
export function gatherElsewhere(inputs: ElsewhereInputs): {
  facts: ElsewhereFacts[];
  checks: Check[];
} {
  const root = targetIn(inputs.system, rootHomeOf(inputs.system));
  const found = [
    sudoCheck(inputs, root),
    loginShellCheck(inputs, root),
    containerCheck(inputs),
  ];
  return {
    facts: found.map((one) => one.facts),
    checks: found.map((one) => one.check),
  };
}

/** A home, the config file a docker run there reads, and whether it exists. */
interface Target {
  home: string | null;
  file: string | null;
  exists: boolean | null;
}

function targetIn(system: ExplainSystem, home: string | null): Target {
  if (home === null) return { home, file: null, exists: null };
  const file = join(home, '.docker', 'config.json');
  return { home, file, exists: system.stat(file) !== undefined };
}

function rootHomeOf(system: ExplainSystem): string {
  const fallback = system.platform === 'darwin' ? '/var/root' : '/root';
  return userByUid(system, 0)?.home ?? fallback;
}

interface Found {
  facts: ElsewhereFacts;
  check: Check;
}

/** Builds the facts and the check of one place. */
function found(
  place: ElsewhereFacts['place'],
  target: Target,
  summary: string,
  details: string[] = [],
): Found {
  const { home, file: configFile, exists: configExists } = target;
  const facts = { place, home, configFile, configExists };
  const title = place === 'container' ? 'In a container' : `Under ${place}`;
  const id = `elsewhere.${place.replace(' -', '-')}`;
  const status = 'info';
  const section = 'elsewhere';
  return {
    facts,
    check: check({ id, section, title, status, summary, details }),
  };
}

function sudoCheck(
  { system, identity, config }: ElsewhereInputs,
  root: Target,
): Found {
  const current = {
    home: identity.home,
    file: config.file,
    exists: config.exists,
  };
  if (identity.sudo !== null) {
    const { user, home } = identity.sudo;
    const target = targetIn(system, home);
    const where = describeFile(target) ?? 'their own config';
    const summary = `already under sudo; without it, ${user} reads ${where}`;
    return found('sudo', target, summary);
  }
  if (identity.uid === 0) {
    return found(
      'sudo',
      current,
      'this already runs as root: sudo changes nothing',
    );
  }
  if (system.platform === 'darwin') {
    return found(
      'sudo',
      current,
      `HOME is kept: the same ${config.file}, read as root`,
      [
        'a sudo docker login rewrites it as root: later runs without ' +
          'sudo may not read it',
      ],
    );
  }
  const details = [
    "HOME becomes root's (Debian's env_reset; macOS keeps HOME): " +
      describeFile(root),
    'a sudo docker login stores its result there, not in your config',
    ...lostOnSudo(system, config),
  ];
  const summary = `a different file: ${root.file}, not ${config.file}`;
  return found('sudo', root, summary, details);
}

function lostOnSudo(system: ExplainSystem, config: ConfigFacts): string[] {
  const lost: string[] = [];
  if (system.env.DOCKER_CONFIG) lost.push('DOCKER_CONFIG is dropped');
  if (system.env.DOCKER_AUTH_CONFIG) lost.push('DOCKER_AUTH_CONFIG is dropped');
  const securePath = SECURE_PATH.split(':');
  for (const helper of config.helpers) {
    if (helper.path !== null && !securePath.includes(dirname(helper.path))) {
      lost.push(
        `docker-credential-${helper.name} (${helper.path}) ` +
          "is not on sudo's PATH",
      );
    }
  }
  if (config.helpers.length > 0) {
    lost.push(
      "helpers run as root there, with root's keychain or password store",
    );
  }
  return lost;
}

function loginShellCheck({ config }: ElsewhereInputs, root: Target): Found {
  if (root.file === config.file) {
    return found(
      'sudo -i',
      root,
      `root's login shell reads the same ${root.file}`,
    );
  }
  return found('sudo -i', root, `root's login shell: ${describeFile(root)}`, [
    `the login in ${config.file} is not used there`,
  ]);
}

function containerCheck({ environment, config }: ElsewhereInputs): Found {
  // inside a container, the login to share is the host's
  const where = environment.place === 'container' ? 'on the host' : 'here';
  const details = [
    'to share without copying secrets: run regcred agent --allow ' +
      `REGISTRY ${where}, then regcred dind prints the docker run flags`,
    'or copy the login in: set HOME in it, mount this config.json there, ' +
      'mount the helper onto its PATH and give the helper its secrets',
  ];
  for (const helper of config.helpers) {
    details.push(`no docker-credential-${helper.name} in it unless mounted`);
  }
  if (config.secretKeys.length > 0) {
    details.push(
      'mounting this config.json hands its plaintext secrets to the container',
    );
  }
  const here =
    environment.place === 'container' ? ' (this process runs in one)' : '';
  const summary =
    'its docker has its own HOME and config: ' + `none of these logins${here}`;
  const unknown = { home: null, file: null, exists: null };
  return found('container', unknown, summary, details);
}

function describeFile({ file, exists }: Target): string | undefined {
  if (file === null) return undefined;
  return exists
    ? `${file} (exists)`
    : `${file} (missing, or not visible to you)`;
}
