/**
 * `regcred agent`: serves the host's credentials, read-only and for the
 * allowed registries only, on a unix socket that containers mount. Prints
 * the socket as ssh-agent does, then runs until SIGINT or SIGTERM.
 *
 * @module
 */
import { openAuditFile, type AuditFile } from '../../agent/audit-file.js';
import { startAgent } from '../../agent/server.js';
import { shellExportLine } from '../../agent/socket-path.js';
import { parseUid } from '../../agent/uid-access.js';
import { UsageError } from '../../errors.js';
import { DEFAULT_CACHE_TTL_MS } from '../../resolver.js';
import type { CommandContext } from '../main.js';
import { EXIT } from '../main.js';
import { AllowList } from '../../agent/policy.js';

/** The longest cache --cache-ttl accepts, in seconds: the cache is meant
 * to absorb bursts (a pull of many layers), not to outlive a logout. */
const MAX_CACHE_TTL_SECONDS = 3600;

/** Signals that stop the agent cleanly. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Runs `agent`; returns the exit status once stopped. */
export async function runAgent(context: CommandContext): Promise<number> {
  const { line, out, env, helperTimeoutMs } = context;
  const allow = (line.options.allow as string[] | undefined) ?? [];
  // checked before the audit file is created
  const allowList = new AllowList(allow);
  if (line.positionals.length > 0) {
    throw new UsageError(
      `'agent' takes no arguments; unexpected '${line.positionals[0]}'`,
    );
  }
  const allowUids = readUids(line.options['allow-uid']);
  const cacheTtlMs = readCacheTtl(line.options['cache-ttl']);
  const socket = line.options.socket as string | undefined;
  const auditPath = line.options['audit-file'] as string | undefined;

  // a stop signal that comes while starting is kept for later
  const stopped = stopSignal();
  const auditFile: AuditFile | undefined =
    auditPath === undefined ? undefined : openAuditFile(auditPath);
  try {
    const agent = await startAgent({
      allow: allowList,
      allowUids,
      env,
      helperTimeoutMs,
      cacheTtlMs,
      audit: auditFile?.write ?? ((text) => out.message(text)),
      ...(socket === undefined ? {} : { socketPath: socket }),
      ...(line.global.config === undefined
        ? {}
        : { configDir: line.global.config }),
    });
    out.result(shellExportLine(agent.socketPath));
    await stopped;
    await agent.close();
  } finally {
    auditFile?.close();
  }
  return EXIT.ok;
}

/**
 * Resolves at the first stop signal. The listeners stay: the CLI passes
 * each signal on to running helpers and raises it again, and that second
 * delivery must not end the process before the socket is removed.
 */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    for (const signal of STOP_SIGNALS) process.on(signal, () => resolve());
  });
}

function readUids(value: unknown): number[] {
  const texts = (value as string[] | undefined) ?? [];
  try {
    return texts.map(parseUid);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readCacheTtl(value: unknown): number {
  if (value === undefined) return DEFAULT_CACHE_TTL_MS;
  const text = String(value);
  const seconds = text.trim() === '' ? NaN : Number(text);
  if (!(seconds >= 0 && seconds <= MAX_CACHE_TTL_SECONDS)) {
    throw new UsageError(
      `--cache-ttl takes seconds from 0 (no cache) to ` +
        `${MAX_CACHE_TTL_SECONDS}, found '${text}'`,
    );
  }
  return seconds * 1000;
}
