/**
 * The secrets "in play" when a test runs the product: found in what the
 * run was given (stdin for `--password-stdin`, `-p`, a helper's `store`
 * request), in the configuration it reads (config.json before and after,
 * DOCKER_AUTH_CONFIG, a podman auth file), and registered by the test
 * support that holds secrets of its own (fake helpers, registries, token
 * issuers) through {@link registerTestSecret}.
 *
 * See docs/testing-leaks.md.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { appendLogEntry, isLeakLogOn } from './leak-log.js';

/** One secret and, when known, the user it belongs to. */
export interface TestSecret {
  value: string;
  user?: string | undefined;
  /** Where it was found, for the report (never the value). */
  source: string;
}

/**
 * Declares a secret this test process holds (a fake helper's, a test
 * registry user's password, a token an issuer gave out): from now on
 * nothing the product prints in this test file may contain it, except on
 * the stdout of a command that prints credentials.
 */
export function registerTestSecret(
  value: string,
  user?: string,
  source = 'registered',
): void {
  const key = JSON.stringify([value, user, source]);
  if (!isLeakLogOn() || registered.has(key)) return;
  registered.add(key);
  appendLogEntry({ kind: 'secret', secret: { value, user, source } });
}

/** What this process has registered already. */
const registered = new Set<string>();

/** The secrets in an auths-shaped JSON text (config.json, auth.json,
 * DOCKER_AUTH_CONFIG); none if it is not JSON. */
export function secretsInAuthConfig(
  text: string,
  source: string,
): TestSecret[] {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return [];
  }
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) return [];
  return Object.values(auths).flatMap((entry) =>
    secretsInAuthEntry(entry, source),
  );
}

function secretsInAuthEntry(entry: unknown, source: string): TestSecret[] {
  if (typeof entry !== 'object' || entry === null) return [];
  const fields = entry as Record<string, unknown>;
  const found: TestSecret[] = [];
  let user = typeof fields.username === 'string' ? fields.username : '';
  if (typeof fields.auth === 'string') {
    const decoded = Buffer.from(fields.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      user = decoded.slice(0, colon);
      found.push({ value: decoded.slice(colon + 1), user, source });
    }
  }
  for (const name of ['password', 'identitytoken', 'registrytoken']) {
    const value = fields[name];
    if (typeof value === 'string') found.push({ value, user, source });
  }
  return found;
}

/** The secrets a helper script answers with: every `"Secret":"…"` in it
 * (the scripts of the tests print JSON replies). */
export function secretsInHelperScript(script: string): TestSecret[] {
  const found: TestSecret[] = [];
  const pattern = /"Secret"\s*:\s*("(?:[^"\\]|\\.)*")/g;
  for (const match of script.matchAll(pattern)) {
    try {
      const value = JSON.parse(match[1] ?? '') as string;
      found.push({ value, source: 'helper script' });
    } catch {
      // shell quoting made it something else; not worth guessing
    }
  }
  return found;
}

/** Registers what {@link secretsInHelperScript} finds. */
export function registerHelperScriptSecrets(script: string): void {
  if (!isLeakLogOn()) return;
  for (const secret of secretsInHelperScript(script)) {
    registerTestSecret(secret.value, secret.user, secret.source);
  }
}

/**
 * The secrets one product run was given: on stdin or argv, in its
 * environment, and in the configuration files it reads. Call it before
 * the run and again after, as the run may have written new ones.
 */
export function secretsOfRun(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin: string,
): TestSecret[] {
  const found: TestSecret[] = [];
  found.push(...secretsOnCommandLine(args, stdin));
  if (env.DOCKER_AUTH_CONFIG !== undefined) {
    const text = env.DOCKER_AUTH_CONFIG;
    found.push(...secretsInAuthConfig(text, 'DOCKER_AUTH_CONFIG'));
  }
  for (const [path, source] of configFiles(args, env)) {
    const text = readIfThere(path);
    if (text !== undefined) found.push(...secretsInAuthConfig(text, source));
  }
  return found;
}

function secretsOnCommandLine(
  args: readonly string[],
  stdin: string,
): TestSecret[] {
  const found: TestSecret[] = [];
  const user = optionValue(args, '--username', '-u');
  if (args.includes('--password-stdin')) {
    const value = stdin.replace(/\r?\n$/, '');
    found.push({ value, user, source: 'stdin (--password-stdin)' });
  }
  const password = optionValue(args, '--password', '-p');
  if (password !== undefined) {
    found.push({ value: password, user, source: 'argv (-p)' });
  }
  if (args[0] === 'store') found.push(...secretsInStoreRequest(stdin));
  return found;
}

/** A helper's `store` request: `{"ServerURL","Username","Secret"}`. */
function secretsInStoreRequest(stdin: string): TestSecret[] {
  try {
    const request = JSON.parse(stdin) as Record<string, unknown>;
    if (typeof request.Secret !== 'string') return [];
    const user =
      typeof request.Username === 'string' ? request.Username : undefined;
    return [{ value: request.Secret, user, source: 'stdin (store)' }];
  } catch {
    return [];
  }
}

/** An option's value in argv: `--name VALUE`, `--name=VALUE` or `-x VALUE`. */
export function optionValue(
  args: readonly string[],
  long: string,
  short = long,
): string | undefined {
  for (const [index, arg] of args.entries()) {
    if (arg === long || arg === short) return args[index + 1];
    if (arg.startsWith(`${long}=`)) return arg.slice(long.length + 1);
  }
  return undefined;
}

/** config.json (after `--config`, DOCKER_CONFIG or ~/.docker) and a
 * podman auth file, each with a name for the report. */
function configFiles(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): [string, string][] {
  const dir =
    optionValue(args, '--config') ??
    env.DOCKER_CONFIG ??
    (env.HOME === undefined ? undefined : join(env.HOME, '.docker'));
  const files: [string, string][] = [];
  if (dir !== undefined) files.push([join(dir, 'config.json'), 'config.json']);
  if (env.REGISTRY_AUTH_FILE !== undefined) {
    files.push([env.REGISTRY_AUTH_FILE, 'REGISTRY_AUTH_FILE']);
  }
  if (env.XDG_RUNTIME_DIR !== undefined) {
    const path = join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
    files.push([path, 'podman auth.json']);
  }
  return files;
}

/** Biggest config file read for secrets; tests make huge ones on
 * purpose, and those hold none worth finding. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** A regular file's text; nothing for a FIFO or a device (tests make
 * config.json one, and reading it would block or never end). */
export function readIfThere(path: string): string | undefined {
  try {
    const stats = statSync(path);
    if (!stats.isFile() || stats.size > MAX_CONFIG_BYTES) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
