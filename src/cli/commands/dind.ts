/**
 * `regcred dind [--socket PATH] [--helper-dir DIR] [--json]`: writes the
 * sh helper and a minimal config folder for containers, checks the paths
 * it names, and prints three ways to share the host's registry login with
 * a container (forwarding, recommended; classic; `--use-api-socket`).
 * Contacts nothing but the agent's local socket.
 *
 * @module
 */
import { buildDindReport, type DindReport } from '../../dind/dind-report.js';
import { renderDindText } from '../../dind/render-text.js';
import { UsageError } from '../../errors.js';
import { printable } from '../output.js';
import type { CommandContext } from '../main.js';
import { EXIT, runWithJsonErrors } from '../main.js';

/**
 * Runs `dind`; returns the exit status: 0 when the helper folder was
 * written (a missing agent is a warning). With `--json`, an error is a
 * JSON document too: `{ "error": { code, message } }`.
 */
export async function runDind(context: CommandContext): Promise<number> {
  if (context.line.options.json !== true) return printText(context);
  return runWithJsonErrors(context, () => printJson(context));
}

async function printText(context: CommandContext): Promise<number> {
  const { out } = context;
  const report = await buildReport(context);
  for (const check of report.checks) {
    if (!check.ok) out.warn(check.message);
  }
  out.result(printable(renderDindText(report)));
  return EXIT.ok;
}

async function printJson(context: CommandContext): Promise<number> {
  const report = await buildReport(context);
  // an unknown value is null in the document, not a missing key
  const withNulls = (_key: string, value: unknown) => value ?? null;
  context.out.result(`${JSON.stringify(report, withNulls, 2)}\n`);
  return EXIT.ok;
}

function buildReport(context: CommandContext): Promise<DindReport> {
  const { line, env } = context;
  const [extra] = line.positionals;
  if (extra !== undefined) {
    throw new UsageError(`'dind' takes no arguments; unexpected '${extra}'`);
  }
  return buildDindReport({
    socket: stringOption(line.options.socket),
    helperDir: stringOption(line.options['helper-dir']),
    env,
  });
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
