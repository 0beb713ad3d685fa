/**
 * Writes JSON text the way people and tools leave it in config.json:
 * members in any order, duplicate names, `\uXXXX` and `\/` escapes where
 * plain characters would do. `JSON.stringify` can do none of these.
 *
 * @module
 */

/** A JSON value; objects are {@link JsonObject}s so that member order and
 * duplicate names are kept. */
export type JsonNode =
  string | number | boolean | null | readonly JsonNode[] | JsonObject;

/** A JSON object as a list of members, duplicates allowed. */
export class JsonObject {
  /** The members, in order. */
  readonly members: readonly (readonly [string, JsonNode])[];

  constructor(members: readonly (readonly [string, JsonNode])[]) {
    this.members = members;
  }

  /** An object with the members of a plain record. */
  static from(record: Readonly<Record<string, JsonNode>>): JsonObject {
    return new JsonObject(Object.entries(record));
  }
}

/** Options for {@link JsonText}. */
export interface JsonTextOptions {
  /** One level of indentation; '' writes compact JSON. @default '' */
  indent?: string;
  /** How often a plain character is escaped anyway. @default 0 */
  escapeChance?: number;
  /** Where randomness comes from. @default Math.random */
  random?: () => number;
}

/** A JSON writer with the options of {@link JsonTextOptions}. */
export class JsonText {
  readonly #indent: string;
  readonly #escapeChance: number;
  readonly #random: () => number;

  constructor(options: JsonTextOptions = {}) {
    this.#indent = options.indent ?? '';
    this.#escapeChance = options.escapeChance ?? 0;
    this.#random = options.random ?? Math.random;
  }

  /** Writes a value as JSON text. */
  write(node: JsonNode): string {
    return this.#write(node, '');
  }

  #write(node: JsonNode, margin: string): string {
    if (node === null || typeof node !== 'object') {
      return typeof node === 'string' ? this.#quote(node) : String(node);
    }
    const inner = margin + this.#indent;
    const items: string[] =
      node instanceof JsonObject
        ? node.members.map(
            ([name, value]) =>
              `${this.#quote(name)}:${this.#indent ? ' ' : ''}` +
              this.#write(value, inner),
          )
        : node.map((value) => this.#write(value, inner));
    const [open, close] = node instanceof JsonObject ? '{}' : '[]';
    if (items.length === 0) return `${open}${close}`;
    if (this.#indent === '') return `${open}${items.join(',')}${close}`;
    const body = items.map((item) => `\n${inner}${item}`).join(',');
    return `${open}${body}\n${margin}${close}`;
  }

  /** Quotes a string, escaping some plain characters when asked to.
   * Lone surrogates U+DC80 to U+DCFF stay raw: they stand for bytes that
   * are not UTF-8 (see `encodeWithRawBytes`). */
  #quote(value: string): string {
    const quoted = JSON.stringify(value).replace(
      RAW_BYTE_ESCAPE_REGEXP,
      (escape) => String.fromCharCode(parseInt(escape.slice(2), 16)),
    );
    if (this.#escapeChance === 0) return quoted;
    let out = '"';
    for (let i = 1; i < quoted.length - 1; i++) {
      const char = quoted[i] ?? '';
      if (char === '\\') {
        // keep an existing escape whole
        const length = quoted[i + 1] === 'u' ? 6 : 2;
        out += quoted.slice(i, i + length);
        i += length - 1;
      } else if (!isSurrogate(char) && this.#random() < this.#escapeChance) {
        out += escapeChar(char);
      } else {
        out += char;
      }
    }
    return `${out}"`;
  }
}

/** JSON.stringify's escape for a lone surrogate standing for a byte. */
const RAW_BYTE_ESCAPE_REGEXP = /\\udc[89a-f][0-9a-f]/g;

function isSurrogate(char: string): boolean {
  const code = char.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff;
}

function escapeChar(char: string): string {
  if (char === '/') return '\\/';
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
