/**
 * JSON syntax read the way Docker reads it, with Go's `encoding/json`
 * Decoder: {@link readJsonValue} turns text into a tree of nodes with
 * positions (json-tree.ts), for Go's type-directed decoding to walk
 * (go-decode.ts). Where Docker depends on Go's behaviour, this follows Go:
 * - one value is read and anything after it is ignored (a stream decoder);
 *   input holding only whitespace has no value, which Docker tolerates;
 * - the grammar is strict RFC 8259 (no comments, no trailing commas, no
 *   byte order mark), nesting deeper than 10000 levels is refused;
 * - `\u` escapes that form no valid surrogate pair become U+FFFD (as each
 *   byte of invalid UTF-8 does before the text gets here, see
 *   internal/go-utf8.ts).
 *
 * References: https://pkg.go.dev/encoding/json#Decoder.Decode,
 * https://pkg.go.dev/encoding/json#Decoder.More (Go 1.24, which builds
 * Docker 28).
 *
 * @module
 */
import type { FilePosition } from '../errors.js';
import type { JsonArray, JsonNode, JsonObject } from './json-tree.js';

/** Go refuses JSON nested deeper than this (its `maxNestingDepth`). */
export const MAX_NESTING_DEPTH = 10_000;

/** The outcome of {@link readJsonValue}. */
export type JsonReadResult =
  | {
      ok: true;
      /** The value, or undefined when the text holds only whitespace. */
      value: JsonNode | undefined;
      /** Index into the text just after the value (where Go stops). */
      end: number;
    }
  | {
      ok: false;
      /** What is wrong, in words; never quotes the text around it. */
      reason: string;
      position: FilePosition;
    };

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const STRUCTURAL = new Set(['{', '}', '[', ']', ':', ',', '"']);
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const HEX4_REGEXP = /^[0-9A-Fa-f]{4}$/;
const HEX_DIGIT_REGEXP = /^[0-9A-Fa-f]$/;
const LITERALS = { t: 'true', f: 'false', n: 'null' } as const;

/**
 * Thrown inside the reader only, and turned into a result by
 * {@link readJsonValue}; not an Error, as it never escapes this module.
 */
class SyntaxProblem {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {}
}

/** A container being filled, and the key its next value belongs to. */
interface OpenContainer {
  node: JsonObject | JsonArray;
  key?: { key: string; keyPosition: FilePosition };
}

/**
 * Reads the first JSON value of `text`, as one `Decoder.Decode` call does.
 * Text after the value is not looked at (see {@link moreJsonFollows}).
 *
 * @param text The JSON text, already decoded from UTF-8.
 * @returns The value tree and where it ends, or why the text is not JSON
 *   and where, with the byte offset, line and column.
 * @example
 * ```ts
 * const read = readJsonValue('{"auths":{}} trailing');
 * // read.ok === true, read.value.kind === 'object', read.end === 12
 * ```
 */
export function readJsonValue(text: string): JsonReadResult {
  const reader = new JsonTextReader(text);
  try {
    const { value, end } = reader.readValue();
    return { ok: true, value, end };
  } catch (error) {
    if (!(error instanceof SyntaxProblem)) throw error;
    return {
      ok: false,
      reason: error.reason,
      position: reader.positionAt(error.index),
    };
  }
}

/**
 * Tells whether another value follows in the text, as Go's
 * `Decoder.More` does after a value: true unless only whitespace follows,
 * or the next character is `]` or `}`.
 *
 * @param text The text given to {@link readJsonValue}.
 * @param end The `end` it returned.
 */
export function moreJsonFollows(text: string, end: number): boolean {
  let index = end;
  while (index < text.length && WHITESPACE.has(text.charAt(index))) index++;
  const next = text.charAt(index);
  return next !== '' && next !== ']' && next !== '}';
}

/**
 * Reads one value from a string. Works on string indices; positions are
 * computed by a tracker that only moves forward, as nodes are met in order.
 */
class JsonTextReader {
  readonly #text: string;
  #index = 0;
  // position tracker: everything before #trackedIndex is counted
  #trackedIndex = 0;
  #offset = 0;
  #line = 1;
  #column = 1;

  constructor(text: string) {
    this.#text = text;
  }

  /** Reads the value, iteratively so that deep nesting cannot overflow. */
  readValue(): { value: JsonNode | undefined; end: number } {
    this.#skipWhitespace();
    if (this.#index >= this.#text.length) {
      return { value: undefined, end: this.#index };
    }
    const open: OpenContainer[] = [];
    for (;;) {
      let value = this.#readValueStart(open);
      if (value === undefined) continue;
      // a complete value: hand it to its container, closing those it ends
      for (;;) {
        const parent = open.at(-1);
        if (parent === undefined) return { value, end: this.#index };
        attach(parent, value);
        if (!this.#continueContainer(parent)) break;
        open.pop();
        value = parent.node;
      }
    }
  }

  /** Converts a string index to an offset, line and column. */
  positionAt(index: number): FilePosition {
    const text = this.#text;
    for (let i = this.#trackedIndex; i < index; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x0a) {
        this.#line++;
        this.#column = 0;
      }
      this.#column++;
      if (code < 0x80) this.#offset += 1;
      else if (code < 0x800) this.#offset += 2;
      else if (isSurrogatePair(text, i)) {
        this.#offset += 4;
        i++;
      } else this.#offset += 3;
    }
    this.#trackedIndex = Math.max(this.#trackedIndex, index);
    return { offset: this.#offset, line: this.#line, column: this.#column };
  }

  /**
   * Reads a scalar, or opens a container and returns undefined when that
   * container's first value is still to be read.
   */
  #readValueStart(open: OpenContainer[]): JsonNode | undefined {
    const start = this.#index;
    const char = this.#text.charAt(start);
    if (char === '{' || char === '[') {
      if (open.length >= MAX_NESTING_DEPTH) {
        throw new SyntaxProblem(
          start,
          `values are nested more than ${MAX_NESTING_DEPTH} levels deep`,
        );
      }
      const position = this.positionAt(start);
      const node: JsonObject | JsonArray =
        char === '{'
          ? { kind: 'object', members: [], position }
          : { kind: 'array', elements: [], position };
      this.#index++;
      this.#skipWhitespace();
      const closer = char === '{' ? '}' : ']';
      if (this.#text.charAt(this.#index) === closer) {
        this.#index++;
        return node;
      }
      const container: OpenContainer = { node };
      if (node.kind === 'object') this.#readKey(container, "or '}'");
      open.push(container);
      return undefined;
    }
    return this.#readScalar(start, char);
  }

  #readScalar(start: number, char: string): JsonNode {
    const position = this.positionAt(start);
    if (char === '"') {
      return { kind: 'string', value: this.#readString(), position };
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      return { kind: 'number', text: this.#readNumber(), position };
    }
    if (char === 't' || char === 'f' || char === 'n') {
      const literal = LITERALS[char];
      this.#readLiteral(literal);
      if (literal === 'null') return { kind: 'null', position };
      return { kind: 'boolean', value: literal === 'true', position };
    }
    throw this.#unexpected(start, 'expected a value');
  }

  /**
   * After a value inside a container: consumes the `,` and the next key,
   * returning false, or the closing bracket, returning true.
   */
  #continueContainer(container: OpenContainer): boolean {
    const isObject = container.node.kind === 'object';
    const closer = isObject ? '}' : ']';
    this.#skipWhitespace();
    const char = this.#text.charAt(this.#index);
    if (char === closer) {
      this.#index++;
      return true;
    }
    if (char !== ',') {
      const after = isObject ? 'object member' : 'array element';
      throw this.#unexpected(
        this.#index,
        `expected ',' or '${closer}' after ${after}`,
      );
    }
    this.#index++;
    this.#skipWhitespace();
    if (isObject) this.#readKey(container, "after ','");
    return false;
  }

  /** Reads `"key" :` and remembers the key for the coming value. */
  #readKey(container: OpenContainer, context: string): void {
    const start = this.#index;
    if (this.#text.charAt(start) !== '"') {
      throw this.#unexpected(start, `expected a quoted object key ${context}`);
    }
    const keyPosition = this.positionAt(start);
    const key = this.#readString();
    this.#skipWhitespace();
    if (this.#text.charAt(this.#index) !== ':') {
      throw this.#unexpected(this.#index, "expected ':' after object key");
    }
    this.#index++;
    this.#skipWhitespace();
    container.key = { key, keyPosition };
  }

  #readString(): string {
    const text = this.#text;
    let value = '';
    let runStart = this.#index + 1;
    for (let i = runStart; ;) {
      if (i >= text.length) throw this.#endOfInput();
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        this.#index = i + 1;
        return value + text.slice(runStart, i);
      }
      if (code < 0x20) {
        throw new SyntaxProblem(
          i,
          `control character U+${hex4(code)} in a string; ` +
            'write it as an escape such as \\n',
        );
      }
      if (code === 0x5c) {
        const escape = this.#readEscape(i);
        value += text.slice(runStart, i) + escape.text;
        i = escape.next;
        runStart = i;
        continue;
      }
      i++;
    }
  }

  /** Decodes the escape at `index` (a backslash). */
  #readEscape(index: number): { text: string; next: number } {
    const text = this.#text;
    const kind = text.charAt(index + 1);
    if (kind === '') throw this.#endOfInput();
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) return { text: simple, next: index + 2 };
    if (kind !== 'u') {
      throw new SyntaxProblem(
        index + 1,
        'invalid escape in a string: a backslash must be followed by ' +
          'one of " \\ / b f n r t u',
      );
    }
    const code = this.#readHex4(index + 2);
    if (code < 0xd800 || code > 0xdfff) {
      return { text: String.fromCharCode(code), next: index + 6 };
    }
    // Go pairs a high surrogate with a following \u low surrogate;
    // anything else becomes U+FFFD and the next escape is read on its own.
    const low = text.slice(index + 6, index + 12);
    const lowCode = parseInt(low.slice(2), 16);
    const paired =
      code <= 0xdbff &&
      low.startsWith('\\u') &&
      HEX4_REGEXP.test(low.slice(2)) &&
      lowCode >= 0xdc00 &&
      lowCode <= 0xdfff;
    if (paired) {
      return { text: String.fromCharCode(code, lowCode), next: index + 12 };
    }
    return { text: '\uFFFD', next: index + 6 };
  }

  #readHex4(start: number): number {
    for (let i = start; i < start + 4; i++) {
      const char = this.#text.charAt(i);
      if (char === '') throw this.#endOfInput();
      if (!HEX_DIGIT_REGEXP.test(char)) {
        throw new SyntaxProblem(
          i,
          'invalid \\u escape in a string: expected 4 hexadecimal digits',
        );
      }
    }
    return parseInt(this.#text.slice(start, start + 4), 16);
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  #readNumber(): string {
    const start = this.#index;
    if (this.#peek() === '-') this.#index++;
    if (this.#peek() === '0') this.#index++;
    else this.#readDigits("a digit after '-'");
    if (this.#peek() === '.') {
      this.#index++;
      this.#readDigits('a digit after the decimal point');
    }
    if (this.#peek() === 'e' || this.#peek() === 'E') {
      this.#index++;
      if (this.#peek() === '+' || this.#peek() === '-') this.#index++;
      this.#readDigits('a digit in the exponent');
    }
    return this.#text.slice(start, this.#index);
  }

  #readDigits(expected: string): void {
    const start = this.#index;
    while (isDigit(this.#peek())) this.#index++;
    if (this.#index > start) return;
    if (start >= this.#text.length) throw this.#endOfInput();
    throw new SyntaxProblem(start, `invalid number: expected ${expected}`);
  }

  #readLiteral(literal: string): void {
    for (const expected of literal) {
      const char = this.#peek();
      if (char === '') throw this.#endOfInput();
      if (char !== expected) {
        throw new SyntaxProblem(
          this.#index,
          `invalid literal: expected '${literal}'`,
        );
      }
      this.#index++;
    }
  }

  #peek(): string {
    return this.#text.charAt(this.#index);
  }

  #skipWhitespace(): void {
    while (WHITESPACE.has(this.#peek())) this.#index++;
  }

  #endOfInput(): SyntaxProblem {
    return new SyntaxProblem(this.#text.length, 'unexpected end of input');
  }

  #unexpected(index: number, expected: string): SyntaxProblem {
    if (index >= this.#text.length) return this.#endOfInput();
    return new SyntaxProblem(
      index,
      `${expected}, found ${describeCharacter(this.#text.charAt(index))}`,
    );
  }
}

function attach(parent: OpenContainer, value: JsonNode): void {
  if (parent.node.kind === 'array') {
    parent.node.elements.push(value);
  } else if (parent.key !== undefined) {
    parent.node.members.push({ ...parent.key, value });
  }
}

/**
 * Names a character found where it does not belong, without quoting text
 * that could be part of a secret: only JSON's own punctuation is shown.
 */
function describeCharacter(char: string): string {
  if (STRUCTURAL.has(char)) return `'${char}'`;
  if (char === '\uFEFF') {
    return 'a byte order mark (U+FEFF); save the file as UTF-8 without one';
  }
  if (char === "'") return 'a single quote (JSON strings need double quotes)';
  if (/^[A-Za-z]$/.test(char)) return 'an unquoted word';
  return 'an unexpected character';
}

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9';
}

function isSurrogatePair(text: string, index: number): boolean {
  const high = text.charCodeAt(index);
  const low = text.charCodeAt(index + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}
