/**
 * JSON read the way Docker reads it: with Go's `encoding/json` Decoder.
 *
 * Two halves: {@link readJsonValue} turns text into a small tree of nodes
 * with positions (syntax), and {@link decodeGoValue} walks that tree along a
 * description of a Go type, as `Decoder.Decode` fills a struct (types).
 * Where Docker depends on Go's behaviour, this follows Go:
 * - one value is read and anything after it is ignored (a stream decoder);
 *   input holding only whitespace has no value, which Docker tolerates;
 * - the grammar is strict RFC 8259 (no comments, no trailing commas, no
 *   byte order mark), nesting deeper than 10000 levels is refused;
 * - `\u` escapes that form no valid surrogate pair become U+FFFD, and so
 *   does each byte of invalid UTF-8 ({@link decodeUtf8LikeGo});
 * - struct fields match keys case-insensitively, duplicate keys are all
 *   applied in order, and `null` leaves a string or struct unchanged but
 *   empties a map or slice.
 *
 * References: https://pkg.go.dev/encoding/json#Unmarshal,
 * https://pkg.go.dev/encoding/json#Decoder.More (Go 1.24, which builds
 * Docker 28).
 *
 * @module
 */
import type { FilePosition } from '../errors.js';

/** Go refuses JSON nested deeper than this (its `maxNestingDepth`). */
export const MAX_NESTING_DEPTH = 10_000;

/** A JSON object, its members in file order, duplicates included. */
export interface JsonObject {
  kind: 'object';
  members: JsonMember[];
  position: FilePosition;
}

/** One `"key": value` member of a {@link JsonObject}. */
export interface JsonMember {
  /** The key, escapes decoded. */
  key: string;
  /** Where the key's opening quote is. */
  keyPosition: FilePosition;
  value: JsonNode;
}

/** A JSON array. */
export interface JsonArray {
  kind: 'array';
  elements: JsonNode[];
  position: FilePosition;
}

/** A JSON string, escapes decoded as Go decodes them. */
export interface JsonString {
  kind: 'string';
  value: string;
  position: FilePosition;
}

/** A JSON number, kept as its source text. */
export interface JsonNumber {
  kind: 'number';
  text: string;
  position: FilePosition;
}

/** `true` or `false`. */
export interface JsonBoolean {
  kind: 'boolean';
  value: boolean;
  position: FilePosition;
}

/** `null`. */
export interface JsonNull {
  kind: 'null';
  position: FilePosition;
}

/** Any JSON value, with the position of its first character. */
export type JsonNode =
  JsonObject | JsonArray | JsonString | JsonNumber | JsonBoolean | JsonNull;

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

/** Names a node's JSON type for messages: "an object", "a number", ... */
export function describeJsonKind(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
  }
}

/**
 * Converts a node tree to plain JavaScript values, as `JSON.parse` would:
 * the last of duplicate keys wins, numbers become JavaScript numbers, and
 * a `__proto__` key is an ordinary property. Works without recursion, so
 * any depth the reader accepts converts.
 */
export function toPlainValue(root: JsonNode): unknown {
  const top = shallowValue(root);
  const pending: [JsonNode, unknown][] = [[root, top]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [node, target] = item;
    if (node.kind === 'object') {
      for (const { key, value } of node.members) {
        const child = shallowValue(value);
        Object.defineProperty(target, key, {
          value: child,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        pending.push([value, child]);
      }
    } else if (node.kind === 'array') {
      for (const element of node.elements) {
        const child = shallowValue(element);
        (target as unknown[]).push(child);
        pending.push([element, child]);
      }
    }
  }
  return top;
}

function shallowValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object':
      return {};
    case 'array':
      return [];
    case 'string':
    case 'boolean':
      return node.value;
    case 'number':
      return Number(node.text);
    case 'null':
      return null;
  }
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

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 as Go turns bytes into text: each byte that does not
 * start a valid sequence becomes one U+FFFD (WHATWG decoders, and so
 * `Buffer#toString`, replace a broken sequence as a whole instead), and a
 * byte order mark is kept as U+FEFF.
 */
export function decodeUtf8LikeGo(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    // invalid somewhere: decode run by run below
  }
  let text = '';
  let runStart = 0;
  for (let i = 0; i < bytes.length;) {
    const width = utf8SequenceLength(bytes, i);
    if (width > 0) {
      i += width;
      continue;
    }
    text += STRICT_UTF8.decode(bytes.subarray(runStart, i)) + '\uFFFD';
    i++;
    runStart = i;
  }
  return text + STRICT_UTF8.decode(bytes.subarray(runStart));
}

/** The length of the valid UTF-8 sequence at `i`, or 0. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const [width, low, high] = utf8LeadByte(bytes[i] ?? 0);
  if (width <= 1) return width;
  const second = bytes[i + 1] ?? 0;
  if (second < low || second > high) return 0;
  for (let k = 2; k < width; k++) {
    const next = bytes[i + k] ?? 0;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return width;
}

/**
 * For a first byte: the sequence width and the range its second byte must
 * fall in (Go's accept ranges: no overlong forms, no surrogates, nothing
 * past U+10FFFF).
 */
function utf8LeadByte(first: number): [number, number, number] {
  if (first < 0x80) return [1, 0, 0];
  if (first >= 0xc2 && first <= 0xdf) return [2, 0x80, 0xbf];
  if (first === 0xe0) return [3, 0xa0, 0xbf];
  if (first === 0xed) return [3, 0x80, 0x9f];
  if (first >= 0xe1 && first <= 0xef) return [3, 0x80, 0xbf];
  if (first === 0xf0) return [4, 0x90, 0xbf];
  if (first >= 0xf1 && first <= 0xf3) return [4, 0x80, 0xbf];
  if (first === 0xf4) return [4, 0x80, 0x8f];
  return [0, 0, 0];
}

/**
 * A Go type, as far as Docker's config structs need one: strings, maps
 * with string keys, slices, and structs whose `fields` are keyed by their
 * JSON names.
 */
export type GoType =
  | { readonly kind: 'string' }
  | { readonly kind: 'map'; readonly elem: GoType }
  | { readonly kind: 'slice'; readonly elem: GoType }
  | {
      readonly kind: 'struct';
      readonly fields: Readonly<Record<string, GoType>>;
    };

/**
 * A decoded Go value: a string; an array for a slice; a Map for a map, or
 * for a struct (keyed by JSON field name, holding only the fields set);
 * undefined for a nil map or slice.
 */
export type GoValue = string | GoValue[] | Map<string, GoValue> | undefined;

/** Options of {@link decodeGoValue}. */
export interface GoDecodeOptions {
  /**
   * Refuse keys that match no struct field, as `Decoder.DisallowUnknownFields`.
   * @default false (unknown keys are skipped)
   */
  disallowUnknownFields?: boolean;
}

/** Why a tree does not fit the Go type; Go would report the first one. */
export interface GoDecodeProblem {
  /** Where in the document, e.g. `auths["e.example"].auth`; '' at the top. */
  path: string;
  /** What is wrong, e.g. "auths must be an object, found an array". */
  reason: string;
  /** The offending value, or key for an unknown field. */
  position: FilePosition;
  /** The key as written, when the problem is an unknown field. */
  unknownField?: string;
}

/** The outcome of {@link decodeGoValue}. */
export type GoDecodeResult =
  { ok: true; value: GoValue } | { ok: false; problem: GoDecodeProblem };

/** Thrown inside the decoder only; {@link decodeGoValue} returns it. */
class DecodeFailure {
  constructor(readonly problem: GoDecodeProblem) {}
}

/**
 * Decodes a node tree into a value of a Go type, as `json.Unmarshal` fills
 * a struct: struct keys match case-insensitively, later duplicates are
 * applied on top of earlier ones (maps merge, strings are replaced),
 * `null` leaves strings and structs as they were and makes maps and
 * slices nil, map elements start from zero, unknown keys are skipped.
 *
 * @param node The document, from {@link readJsonValue}.
 * @param type The Go type to decode into.
 * @returns The value, or the first type mismatch or unknown field in
 *   document order (the one Go reports).
 */
export function decodeGoValue(
  node: JsonNode,
  type: GoType,
  options: GoDecodeOptions = {},
): GoDecodeResult {
  const context: DecodeContext = {
    disallowUnknownFields: options.disallowUnknownFields ?? false,
  };
  try {
    return { ok: true, value: decodeInto(node, type, undefined, '', context) };
  } catch (error) {
    if (!(error instanceof DecodeFailure)) throw error;
    return { ok: false, problem: error.problem };
  }
}

interface DecodeContext {
  disallowUnknownFields: boolean;
}

function decodeInto(
  node: JsonNode,
  type: GoType,
  current: GoValue,
  path: string,
  context: DecodeContext,
): GoValue {
  if (node.kind === 'null') {
    return type.kind === 'map' || type.kind === 'slice' ? undefined : current;
  }
  if (type.kind === 'string' && node.kind === 'string') return node.value;
  if (type.kind === 'slice' && node.kind === 'array') {
    const previous = Array.isArray(current) ? current : [];
    // Go decodes into the elements already there, then truncates
    return node.elements.map((element, index) =>
      decodeInto(
        element,
        type.elem,
        index < previous.length ? previous[index] : zeroValue(type.elem),
        `${path}[${index}]`,
        context,
      ),
    );
  }
  if (type.kind === 'map' && node.kind === 'object') {
    const map = current instanceof Map ? new Map(current) : new Map();
    for (const { key, value } of node.members) {
      const elementPath = `${path}[${JSON.stringify(key)}]`;
      const zero = zeroValue(type.elem);
      map.set(key, decodeInto(value, type.elem, zero, elementPath, context));
    }
    return map;
  }
  if (type.kind === 'struct' && node.kind === 'object') {
    return decodeStruct(node, type.fields, current, path, context);
  }
  throw new DecodeFailure({
    path,
    reason:
      `${path || 'the top-level value'} must be ${describeGoType(type)}, ` +
      `found ${describeJsonKind(node)}`,
    position: node.position,
  });
}

function decodeStruct(
  node: JsonObject,
  fields: Readonly<Record<string, GoType>>,
  current: GoValue,
  path: string,
  context: DecodeContext,
): Map<string, GoValue> {
  const struct = current instanceof Map ? new Map(current) : new Map();
  for (const { key, keyPosition, value } of node.members) {
    const field = findGoField(key, Object.keys(fields));
    const fieldType = field === undefined ? undefined : fields[field];
    if (field === undefined || fieldType === undefined) {
      if (!context.disallowUnknownFields) continue;
      const scope = path || 'the top-level object';
      throw new DecodeFailure({
        path,
        reason: `unknown field ${JSON.stringify(key)} in ${scope}`,
        position: keyPosition,
        unknownField: key,
      });
    }
    const fieldPath = path === '' ? field : `${path}.${field}`;
    const decoded = decodeInto(
      value,
      fieldType,
      struct.get(field),
      fieldPath,
      context,
    );
    if (decoded === undefined) struct.delete(field);
    else struct.set(field, decoded);
  }
  return struct;
}

function zeroValue(type: GoType): GoValue {
  if (type.kind === 'string') return '';
  if (type.kind === 'struct') return new Map();
  return undefined;
}

function describeGoType(type: GoType): string {
  switch (type.kind) {
    case 'string':
      return 'a string';
    case 'slice':
      return 'an array';
    case 'map':
    case 'struct':
      return 'an object';
  }
}

/**
 * Finds the struct field a JSON key sets, as Go does: an exact match, else
 * a case-insensitive one.
 *
 * @param key The key as written in the JSON.
 * @param fields The struct's JSON field names.
 * @returns The field name, or undefined when the key sets no field.
 */
export function findGoField(
  key: string,
  fields: readonly string[],
): string | undefined {
  if (fields.includes(key)) return key;
  const folded = foldGoFieldName(key);
  return fields.find((field) => foldGoFieldName(field) === folded);
}

const FOLDABLE_REGEXP = /[a-z\u017f\u212a]/g;

/**
 * Folds a name for Go's case-insensitive field match (bytes.EqualFold):
 * ASCII letters ignore case, and the Kelvin sign (U+212A) and long s
 * (U+017F) also match k and s. Docker 28.2.2 confirms both, and confirms
 * that dotted and dotless i (U+0130, U+0131) do not match i. Full Unicode
 * case mapping would be wrong here (`ß` would match `ss`).
 */
function foldGoFieldName(name: string): string {
  return name.replace(FOLDABLE_REGEXP, (char) => {
    if (char === '\u017f') return 'S';
    if (char === '\u212a') return 'K';
    return char.toUpperCase();
  });
}
