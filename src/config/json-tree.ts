/**
 * The tree of JSON values the reader builds (json-reader.ts): each node
 * knows where it starts in the file, objects keep their members in file
 * order, duplicates included, and numbers keep their source text. Go's
 * type-directed decoding works on this tree (go-decode.ts);
 * {@link toPlainValue} gives the `JSON.parse` view of it.
 *
 * @module
 */
import type { FilePosition } from '../errors.js';

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
