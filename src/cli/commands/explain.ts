/**
 * `regcred explain [REF]`: where does my login live? A doctor's report
 * on stdout (with a picture on a terminal), or the same content as JSON.
 *
 * @module
 */
import { UsageError } from '../../errors.js';
import { explain } from '../../explain/explain.js';
import { drawPicture } from '../../explain/picture.js';
import { renderText } from '../../explain/render-text.js';
import { redact } from '../../redact.js';
import type { CommandContext } from '../main.js';
import { printable } from '../output.js';
import { runWithJsonErrors } from '../main.js';

/**
 * Runs `explain`; returns 1 when a check failed, else 0. With `--json`,
 * an error is a JSON document too: `{ "error": { code, message } }`.
 */
export async function runExplain(context: CommandContext): Promise<number> {
  if (!context.line.options.json) return printReport(context);
  return runWithJsonErrors(context, () => printReport(context));
}

/** Gathers the report and prints it, as text or JSON. */
async function printReport(context: CommandContext): Promise<number> {
  const { line, out, env, helperTimeoutMs } = context;
  const [reference, ...extra] = line.positionals;
  if (extra.length > 0) {
    throw new UsageError(
      `'explain' takes at most one image reference; unexpected '${extra[0]}'`,
    );
  }

  const gathered = await explain({
    system: { env },
    helperTimeoutMs,
    ...(reference === undefined ? {} : { reference }),
    ...(line.global.config === undefined
      ? {}
      : { configDir: line.global.config }),
  });
  // keys, endpoints and paths come from files and the environment: mask
  // user info and token-like values, and defuse control characters
  const report = cleanStrings(gathered, (text) => printable(redact(text)));

  if (line.options.json) {
    out.result(`${JSON.stringify(report, null, 2)}\n`);
    return report.exitStatus;
  }
  const picture = out.stdoutIsTerminal ? drawPicture(report) : [];
  out.result(renderText(report, { paint: out.paint, picture }));
  return report.exitStatus;
}

/** Applies `clean` to every string in a JSON-like value, keys excepted. */
function cleanStrings<T>(value: T, clean: (text: string) => string): T {
  if (typeof value === 'string') return clean(value) as T;
  if (Array.isArray(value)) {
    return value.map((item: unknown) => cleanStrings(item, clean)) as T;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, cleanStrings(item, clean)] as const,
    );
    return Object.fromEntries(entries) as T;
  }
  return value;
}
