/**
 * `regcred list`: each registry with stored credentials, its user name and
 * the store holding it. Never prints a secret.
 *
 * @module
 */
import { redact } from '../../redact.js';
import { printableInline } from '../output.js';
import type { CommandContext } from '../main.js';
import { EXIT, createCliResolver } from '../main.js';

/** Runs `list`; returns the exit status. */
export async function runList(context: CommandContext): Promise<number> {
  const { line, out } = context;
  const resolver = createCliResolver(context);
  const { credentials, warnings } = await resolver.list();
  const failed = line.options.strict === true && warnings.length > 0;
  for (const warning of warnings) {
    if (failed) out.error(warning.message);
    else out.warn(warning.message);
  }

  if (line.options.json) {
    const document = {
      // a key may carry user info (https://user:password@host)
      credentials: credentials.map((c) => ({
        ...c,
        serverAddress: redact(c.serverAddress),
      })),
      warnings: warnings.map(({ code, message }) => ({ code, message })),
    };
    out.result(`${JSON.stringify(document, null, 2)}\n`);
    return failed ? EXIT.failure : EXIT.ok;
  }
  if (failed) return EXIT.failure;
  const rows = credentials.map((c) =>
    [
      c.serverAddress,
      c.username || (c.identityToken ? '(identity token)' : ''),
      c.store,
    ].map((cell) => printableInline(redact(cell))),
  );
  out.result(formatTable(['REGISTRY', 'USERNAME', 'STORE'], rows));
  return EXIT.ok;
}

function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) =>
    all.reduce((widest, row) => Math.max(widest, (row[i] ?? '').length), 0),
  );
  return all
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
