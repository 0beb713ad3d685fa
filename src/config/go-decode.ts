/**
 * Go's type-directed JSON decoding, as Docker's `Decoder.Decode` fills its
 * config and helper structs: {@link decodeGoValue} walks a value tree from
 * the JSON reader along a description of a Go type ({@link GoType}).
 * Where Docker depends on Go's behaviour, this follows Go:
 * - struct fields match keys exactly, else case-insensitively as Go folds
 *   case ({@link findGoField}); unknown keys are skipped unless refused;
 * - duplicate keys are all applied in order: maps merge, strings are
 *   replaced;
 * - `null` leaves a string or struct unchanged but empties a map or slice.
 *
 * References: https://pkg.go.dev/encoding/json#Unmarshal,
 * https://pkg.go.dev/encoding/json#Decoder.DisallowUnknownFields (Go 1.24,
 * which builds Docker 28).
 *
 * @module
 */
import type { FilePosition } from '../errors.js';
import { escapeControlCharacters } from '../internal/control-characters.js';
import {
  describeJsonKind,
  type JsonNode,
  type JsonObject,
} from './json-tree.js';

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

/** A decoded struct or map as a Map; anything else (null) as an empty one. */
export function goMap(value: GoValue): Map<string, GoValue> {
  return value instanceof Map ? value : new Map();
}

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
 * @param node The document, from the JSON reader (`readJsonValue`).
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
    // Go fills the map already there. It belongs to this decode alone, so
    // it is filled in place: a copy per repeated key made a file that
    // repeats `auths` thousands of times take minutes.
    const map = goMap(current);
    for (const { key, value } of node.members) {
      const elementPath = `${path}[${quoteKey(key)}]`;
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
  const struct = goMap(current);
  for (const { key, keyPosition, value } of node.members) {
    const field = findGoField(key, Object.keys(fields));
    const fieldType = field === undefined ? undefined : fields[field];
    if (field === undefined || fieldType === undefined) {
      if (!context.disallowUnknownFields) continue;
      const scope = path || 'the top-level object';
      throw new DecodeFailure({
        path,
        reason: `unknown field ${quoteKey(key)} in ${scope}`,
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

/**
 * A key as a message quotes it: in JSON quotes, with DEL and the C1
 * controls, which JSON leaves as they are, escaped too.
 */
function quoteKey(key: string): string {
  return escapeControlCharacters(JSON.stringify(key));
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
