/**
 * Renders an `explain` report as text for people: sections of titled
 * checks, each with its status, details and the next command to run.
 *
 * @module
 */
import { displayText } from '../internal/control-characters.js';
import type { CheckStatus, ExplainReport, SectionId } from './report.js';

/** Colours text; the CLI's `out.paint`, or no colour at all. */
export type Paint = (
  color: 'green' | 'yellow' | 'red' | 'bold' | 'dim',
  text: string,
) => string;

const SECTION_TITLES: Record<SectionId, string> = {
  identity: 'Who runs it',
  environment: 'Where it runs',
  config: 'Config',
  lookup: 'Lookup',
  podman: 'Podman, skopeo, buildah (containers/image)',
  elsewhere: 'Elsewhere',
};

const LABELS: Record<CheckStatus, [Parameters<Paint>[0], string]> = {
  ok: ['green', 'ok   '],
  warning: ['yellow', 'warn '],
  failed: ['red', 'FAIL '],
  info: ['dim', 'info '],
};

const INDENT = '         ';

/** Options of {@link renderText}. */
export interface RenderOptions {
  /** Colours labels and titles. @default no colour */
  paint?: Paint;
  /** Lines of a picture to show under the title. @default none */
  picture?: readonly string[];
  /** Wrap lines at this many columns where words allow. @default 80 */
  width?: number;
}

/** Renders the report as text; a long path stays whole on its line. */
export function renderText(
  report: ExplainReport,
  options: RenderOptions = {},
): string {
  const { paint = (_, text) => text, picture = [], width = 80 } = options;
  const lines = [paint('bold', 'regcred explain: where does my login live?')];
  if (picture.length > 0) lines.push('', ...picture);
  let section: SectionId | undefined;
  for (const item of report.checks) {
    if (item.section !== section) {
      section = item.section;
      lines.push('', paint('bold', sectionTitle(section, report)));
    }
    const [color, label] = LABELS[item.status];
    const head = `  ${paint(color, label)}  ${item.title}: ${item.summary}`;
    lines.push(...wrap(head, `${INDENT}  `, width));
    for (const detail of item.details) {
      lines.push(...wrap(`${INDENT}${detail}`, `${INDENT}  `, width));
    }
    if (item.next !== null) {
      lines.push(...wrap(`${INDENT}next: ${item.next}`, `${INDENT}  `, width));
    }
  }
  lines.push('', ...wrap(summaryLine(report, paint), '', width));
  return `${lines.join('\n')}\n`;
}

function sectionTitle(section: SectionId, report: ExplainReport): string {
  return section === 'lookup' && report.reference !== null
    ? `Lookup for ${displayText(report.reference)}`
    : SECTION_TITLES[section];
}

function summaryLine(report: ExplainReport, paint: Paint): string {
  const { ok, warning, failed, info } = report.counts;
  const counts = [
    `${ok} ok`,
    `${warning} warning(s)`,
    `${failed} failed`,
    `${info} info`,
  ].join(', ');
  return failed > 0
    ? `${counts}; ${paint('red', 'exit 1')}: see the FAIL checks`
    : `${counts}; exit 0: nothing here breaks a pull or a login`;
}

/** Breaks `text` at spaces so lines fit `width`; later lines get `indent`. */
export function wrap(text: string, indent: string, width: number): string[] {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    const candidate = line.trim() === '' ? `${line}${word}` : `${line} ${word}`;
    if (visibleLength(candidate) > width && line.trim() !== '') {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
