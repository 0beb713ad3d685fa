/**
 * `regcred dind`'s report as text for people: the checks, the
 * recommendation, then each recipe as a `docker run` command and a compose
 * snippet, with its risks and notes.
 *
 * @module
 */
import type { DindReport } from './dind-report.js';
import { wrap } from '../explain/render-text.js';
import { shellWord } from '../internal/shell-word.js';
import { EXAMPLE_IMAGE, type Recipe } from './recipes.js';

/** Renders the report; the text ends with a newline. */
export function renderDindText(report: DindReport): string {
  const lines = ['regcred dind: share your registry login with a container'];
  lines.push('', 'Checks');
  for (const check of report.checks) {
    lines.push(`  ${check.ok ? 'ok     ' : 'warning'}  ${check.message}`);
  }
  const best = report.recipes.findIndex((r) => r.recommended);
  lines.push('', `Recommended: ${best + 1}. ${report.recommended}.`);
  lines.push(...wrap(`  ${report.reason}`, '  ', WIDTH));
  report.recipes.forEach((recipe, index) => {
    lines.push('', ...renderRecipe(recipe, index + 1));
  });
  return `${lines.join('\n')}\n`;
}

function renderRecipe(recipe: Recipe, number: number): string[] {
  const title = recipe.available
    ? recipe.title
    : `${recipe.title} (not available here)`;
  const lines = [`${number}. ${title}`, '', '   docker run:'];
  lines.push(...dockerRunLines(recipe));
  lines.push('', '   compose:');
  lines.push(
    ...recipe.compose
      .trimEnd()
      .split('\n')
      .map((l) => `     ${l}`),
  );
  for (const [label, items] of [
    ['Risks', recipe.risks],
    ['Notes', recipe.notes],
  ] as const) {
    if (items.length === 0) continue;
    lines.push('', `   ${label}:`);
    for (const item of items) {
      lines.push(...wrap(`     - ${item}`, '       ', WIDTH));
    }
  }
  return lines;
}

/** `docker run` with one flag and its value per line, then the image and
 * the container's command. */
function dockerRunLines(recipe: Recipe): string[] {
  const flags = recipe.dockerRunFlags;
  const lines = ['     docker run --rm -it \\'];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] ?? '';
    const value = flags[i + 1];
    if (flag.startsWith('-') && flag.length === 2 && value !== undefined) {
      lines.push(`       ${flag} ${shellWord(value)} \\`);
      i++;
    } else {
      lines.push(`       ${shellWord(flag)} \\`);
    }
  }
  const command = recipe.containerCommand.map(shellWord).join(' ');
  lines.push(`       ${EXAMPLE_IMAGE} ${command}`);
  return lines;
}

const WIDTH = 78;
