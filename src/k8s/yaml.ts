/**
 * A reader for the small part of YAML that kubectl writes for a Secret:
 * nested block mappings of scalars (plain, single- or double-quoted, or a
 * literal block `|`). Sequences and flow collections are kept as
 * {@link UNSUPPORTED} so that a field nobody reads (an owner reference, a
 * list of finalizers) does not stop the import.
 *
 * NOTE: anchors, aliases, tags, folded blocks `>`, multi-line plain or
 * quoted scalars and several documents are not read; such input fails
 * with a message naming the line.
 *
 * @module
 */

/** Stands for a value this reader does not parse. */
export const UNSUPPORTED = Symbol('unsupported YAML value');

/** A parsed value: a mapping, a string, or something not parsed. */
export type YamlValue = YamlMapping | string | typeof UNSUPPORTED;

/** A block mapping, keys in file order. */
export interface YamlMapping {
  [key: string]: YamlValue;
}

/** The YAML could not be read; `line` counts from 1. */
export class YamlSubsetError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'YamlSubsetError';
  }
}

interface Line {
  number: number;
  indent: number;
  text: string;
}

/**
 * Parses a YAML document that is a block mapping.
 *
 * @throws {YamlSubsetError} for what this reader cannot parse.
 */
export function parseYamlSubset(source: string): YamlMapping {
  const lines = meaningfulLines(source);
  const cursor = { at: 0 };
  const first = lines[0];
  if (first === undefined) throw new YamlSubsetError(1, 'the file is empty');
  const mapping = readMapping(lines, cursor, first.indent);
  const rest = lines[cursor.at];
  if (rest !== undefined) {
    throw new YamlSubsetError(rest.number, 'unexpected indentation');
  }
  return mapping;
}

/** Lines that are neither blank nor comments; one leading `---` dropped. */
function meaningfulLines(source: string): Line[] {
  const lines: Line[] = [];
  const raw = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  raw.forEach((text, index) => {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed === '---' && lines.length === 0) return;
    if (/^ *\t/.test(text)) {
      throw new YamlSubsetError(index + 1, 'tabs cannot indent YAML');
    }
    const indent = text.length - text.trimStart().length;
    lines.push({ number: index + 1, indent, text: text.slice(indent) });
  });
  return lines;
}

function readMapping(
  lines: Line[],
  cursor: { at: number },
  indent: number,
): YamlMapping {
  const mapping: YamlMapping = {};
  for (let line = lines[cursor.at]; line; line = lines[cursor.at]) {
    if (line.indent < indent) break;
    if (line.indent > indent) {
      throw new YamlSubsetError(line.number, 'unexpected indentation');
    }
    if (line.text === '---' || line.text === '...') {
      throw new YamlSubsetError(line.number, 'only one document is read');
    }
    const { key, rest } = splitKey(line);
    if (Object.hasOwn(mapping, key)) {
      throw new YamlSubsetError(line.number, `the key '${key}' repeats`);
    }
    cursor.at++;
    mapping[key] = readValue(lines, cursor, line, rest);
  }
  return mapping;
}

/** The value after `key:` on `line`, or the block below it. */
function readValue(
  lines: Line[],
  cursor: { at: number },
  line: Line,
  rest: string,
): YamlValue {
  if (rest === '|' || rest === '|-') {
    return readLiteralBlock(lines, cursor, line, rest === '|');
  }
  if (rest !== '') return readScalar(rest, line.number);
  const next = lines[cursor.at];
  if (next !== undefined && next.text.startsWith('-')) {
    if (next.indent >= line.indent) return skipSequence(lines, cursor, line);
  }
  if (next === undefined || next.indent <= line.indent) return '';
  return readMapping(lines, cursor, next.indent);
}

/** `key: rest` split; a key may be quoted. */
function splitKey(line: Line): { key: string; rest: string } {
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(?:\s+|$)/.exec(
    line.text,
  );
  if (quoted) {
    const key = readScalar(quoted[1] ?? '', line.number) as string;
    return { key, rest: line.text.slice(quoted[0].length).trim() };
  }
  const plain = /^([^\s:#'"{[\-?&*!|>%@`][^:#]*?|-[^\s:#]+?)\s*:(?:\s+|$)/.exec(
    line.text,
  );
  if (!plain) {
    throw new YamlSubsetError(line.number, 'expected a line `key: value`');
  }
  return {
    key: plain[1] ?? '',
    rest: line.text.slice(plain[0].length).trim(),
  };
}

/** A scalar on one line: quoted, or plain with an optional comment. */
function readScalar(
  text: string,
  lineNumber: number,
): string | typeof UNSUPPORTED {
  if (text.startsWith("'")) {
    const match = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(text);
    if (!match) throw new YamlSubsetError(lineNumber, 'unclosed quote');
    return (match[1] ?? '').replace(/''/g, "'");
  }
  if (text.startsWith('"')) {
    const match = /^("(?:[^"\\]|\\.)*")\s*(#.*)?$/.exec(text);
    if (!match) throw new YamlSubsetError(lineNumber, 'unclosed quote');
    try {
      return JSON.parse(match[1] ?? '""') as string;
    } catch {
      throw new YamlSubsetError(lineNumber, 'an escape is not supported');
    }
  }
  if (/^[[{]/.test(text)) return UNSUPPORTED;
  if (/^[&*!>]/.test(text)) {
    throw new YamlSubsetError(
      lineNumber,
      'anchors, aliases, tags and folded blocks are not supported',
    );
  }
  return text.replace(/\s+#.*$/, '');
}

/** A literal block: the lines indented below `line`, joined. */
function readLiteralBlock(
  lines: Line[],
  cursor: { at: number },
  line: Line,
  keepNewline: boolean,
): string {
  const body: string[] = [];
  const first = lines[cursor.at];
  const indent = first?.indent ?? 0;
  for (let next = first; next; next = lines[cursor.at]) {
    if (next.indent <= line.indent) break;
    if (next.indent < indent) {
      throw new YamlSubsetError(next.number, 'a block line is under-indented');
    }
    body.push(' '.repeat(next.indent - indent) + next.text);
    cursor.at++;
  }
  // NOTE: blank lines and comment-like lines inside a block are dropped.
  const text = body.join('\n');
  return keepNewline && text !== '' ? `${text}\n` : text;
}

/** Steps over a block sequence under `line`, which is not parsed. */
function skipSequence(
  lines: Line[],
  cursor: { at: number },
  line: Line,
): typeof UNSUPPORTED {
  for (let next = lines[cursor.at]; next; next = lines[cursor.at]) {
    const inside =
      next.indent > line.indent ||
      (next.indent === line.indent && next.text.startsWith('-'));
    if (!inside) break;
    cursor.at++;
  }
  return UNSUPPORTED;
}
