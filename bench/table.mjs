// The one table `npm run bench` prints: a row per measure, regcred's
// figure beside its peer's from the same run, their ratio, the goal and
// whether it was met. Printed as Markdown, so README.md can hold it as is.

const COLUMNS = [
  ['measure', 'Measure'],
  ['ours', "regcred's figure"],
  ['peer', "Peer's figure (same run)"],
  ['ratio', 'Ratio'],
  ['goal', 'Goal'],
  ['result', 'Result'],
];

/**
 * One row. `result` is 'met', 'missed' or 'reported' (no goal); a figure
 * that could not be measured is a short reason, e.g. 'skipped (…)'.
 */
export function row(measure, ours, peer, ratio, goal, result) {
  return { measure, ours, peer, ratio, goal, result };
}

/** A ratio with two decimals, or '—' when either side is missing. */
export function ratioOf(ours, peer) {
  if (!(Number.isFinite(ours) && Number.isFinite(peer) && peer > 0)) {
    return '—';
  }
  return (ours / peer).toFixed(2);
}

/** The value below which `fraction` of `values` lie (0.5: the median),
 * counted as the value at that rank. */
export function percentile(values, fraction) {
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(
    sorted.length - 1,
    Math.floor(sorted.length * fraction),
  );
  return sorted[index];
}

/** The median of `values`. */
export function median(values) {
  return percentile(values, 0.5);
}

/** 'met' or 'missed'. */
export function verdict(met) {
  return met ? 'met' : 'missed';
}

/** Milliseconds with one decimal, e.g. `12.3 ms`; `∞ ms` for a failure. */
export function ms(value, digits = 1) {
  return `${value === Infinity ? '∞' : value.toFixed(digits)} ms`;
}

function cell(text) {
  return String(text).replaceAll('|', '\\|');
}

/** The rows as a Markdown table. */
export function formatTable(rows) {
  const lines = [
    `| ${COLUMNS.map(([, title]) => title).join(' | ')} |`,
    `|${COLUMNS.map(() => ' --- ').join('|')}|`,
  ];
  for (const entry of rows) {
    lines.push(`| ${COLUMNS.map(([key]) => cell(entry[key])).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** e.g. `12 met, 1 missed, 4 reported`. */
export function summarize(rows) {
  const counts = new Map();
  for (const { result } of rows) {
    counts.set(result, (counts.get(result) ?? 0) + 1);
  }
  return ['met', 'missed', 'reported']
    .filter((result) => counts.has(result))
    .map((result) => `${counts.get(result)} ${result}`)
    .join(', ');
}
