/**
 * The regcred command line: reads arguments, runs one command, sets the
 * exit code.
 *
 * @module
 */
import { setDebugSink } from '../debug.js';
import { redact } from '../redact.js';
import { RegcredError, UsageError } from '../errors.js';
import { CredentialResolver, type ConfigContext } from '../resolver.js';
import type { CredentialWriterOptions } from '../stores/credential-writer.js';
import { signalRunningHelpers } from '../stores/helper-client.js';
import { parseTimeoutSeconds } from '../timeout.js';
import { parseCommandLine, type CommandLine } from './args.js';
import { runGet } from './commands/get.js';
import { runList } from './commands/list.js';
import { createOutput, type Output } from './output.js';
import { USAGE, VERSION } from './usage.js';

/** What every command receives. */
export interface CommandContext {
  line: CommandLine;
  out: Output;
  env: NodeJS.ProcessEnv;
  /** The helper timeout in milliseconds. */
  helperTimeoutMs: number;
}

/** Exit statuses of the CLI; `interrupted` is Ctrl-C at a prompt (128 +
 * SIGINT, as a shell reports a process that SIGINT ended). */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Runs the CLI with `argv` and returns its exit status. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const out = createOutput({ env });
  stopHelpersWhenStopped();
  try {
    const line = parseCommandLine(argv);
    if (line.global.debug) setDebugSink((text) => out.message(text));
    if (line.global.version) {
      out.result(`regcred ${VERSION}\n`);
      return EXIT.ok;
    }
    if (line.command === undefined && !line.global.help) {
      // no command: the usage is an error message, on stderr
      out.message(USAGE.trimEnd());
      return EXIT.usage;
    }
    if (line.global.help || line.command === 'help') {
      out.result(USAGE);
      return EXIT.ok;
    }
    const helperTimeoutMs = readTimeout(line, env);
    return await runCommand({ line, out, env, helperTimeoutMs });
  } catch (error) {
    return reportError(error, out);
  }
}

/**
 * Passes SIGINT, SIGTERM and SIGHUP on to running helpers, which run in
 * sessions of their own, then lets the signal end regcred as usual.
 */
function stopHelpersWhenStopped(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      signalRunningHelpers('SIGTERM');
      process.kill(process.pid, signal);
    });
  }
}

async function runCommand(context: CommandContext): Promise<number> {
  switch (context.line.command) {
    case 'get':
      return runGet(context);
    case 'list':
      return runList(context);
    case 'explain':
      // loaded on demand: the helper-facing commands start faster without it
      return (await import('./commands/explain.js')).runExplain(context);
    case 'login':
      return (await import('./commands/login.js')).runLogin(context);
    case 'logout':
      return (await import('./commands/logout.js')).runLogout(context);
    case 'agent':
      return (await import('./commands/agent.js')).runAgent(context);
    case 'dind':
      return (await import('./commands/dind.js')).runDind(context);
    case 'k8s':
      return (await import('./commands/k8s.js')).runK8s(context);
    case 'kubelet-credential-provider': {
      const command = await import('./commands/kubelet-provider.js');
      return command.runKubeletProvider(context);
    }
    case 'migrate':
      return (await import('./commands/migrate.js')).runMigrate(context);
    default:
      throw new UsageError(`Unknown command '${context.line.command}'`);
  }
}

function readTimeout(line: CommandLine, env: NodeJS.ProcessEnv): number {
  return line.global.helperTimeout === undefined
    ? parseTimeoutSeconds(env.REGCRED_HELPER_TIMEOUT)
    : parseTimeoutSeconds(line.global.helperTimeout, '--helper-timeout');
}

/**
 * The resolver for one CLI run: helper answers kept for the whole run (a
 * helper is asked at most once per registry), helpers' stderr passed
 * through as Docker passes it.
 */
export function createCliResolver(context: CommandContext): CredentialResolver {
  const { line, env, helperTimeoutMs } = context;
  return new CredentialResolver({
    env,
    helperTimeoutMs,
    cacheTtlMs: Infinity,
    helperStderr: 'inherit',
    ...(line.global.config === undefined
      ? {}
      : { configDir: line.global.config }),
  });
}

/**
 * Where `login` and `logout` write for one CLI run: the config file and
 * store settings as loaded, helpers run as Docker runs them (stderr passed
 * through).
 */
export function createCliWriterOptions(
  context: CommandContext,
  loaded: ConfigContext,
): CredentialWriterOptions {
  return {
    configPath: loaded.location.file,
    settings: loaded.settings,
    helper: {
      env: context.env,
      timeoutMs: context.helperTimeoutMs,
      stderr: 'inherit',
    },
  };
}

/**
 * Runs a command whose `--json` output must stay JSON even when it fails:
 * a regcred error becomes `{ "error": { code, message } }` on stdout.
 */
export async function runWithJsonErrors(
  context: CommandContext,
  run: () => Promise<number>,
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof RegcredError)) throw error;
    const { code, message } = error;
    const document = { error: { code, message: redact(message) } };
    context.out.result(`${JSON.stringify(document, null, 2)}\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}

/** Prints an error for people and returns the exit status it deserves. */
export function reportError(error: unknown, out: Output): number {
  if (error instanceof UsageError) {
    out.error(error.message);
    return EXIT.usage;
  }
  if (error instanceof RegcredError) {
    out.error(error.message);
    return EXIT.failure;
  }
  out.error(`Unexpected failure: ${(error as Error)?.stack ?? String(error)}`);
  return EXIT.failure;
}
