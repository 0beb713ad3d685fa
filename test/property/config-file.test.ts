/**
 * Property tests of config.json parsing: the JSON reader
 * (json-reader.ts), Go's type-directed decoding (go-decode.ts), the model
 * (`parseConfig`), Go's UTF-8 decoding of the file's bytes, and the
 * writer's round trip (`renderConfig`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseConfig, type ConfigFile } from '../../src/config/config-file.js';
import { renderConfig } from '../../src/config/config-writer.js';
import {
  MAX_NESTING_DEPTH,
  readJsonValue,
} from '../../src/config/json-reader.js';
import { toPlainValue, type JsonNode } from '../../src/config/json-tree.js';
import { ConfigParseError, type FilePosition } from '../../src/errors.js';
import { decodeBytesKeepingInvalid } from '../../src/internal/go-json.js';
import { decodeUtf8LikeGo } from '../../src/internal/go-utf8.js';
import {
  assertShowable,
  assertTypedError,
  checkProperty,
} from './support/fuzz.js';
import { configText } from './support/config-text.js';
import { anyBytes, jsonText, textInputs } from './support/generators.js';

const PATH = '/home/u/.docker/config.json';
const NAMES_PROBLEM =
  /^Cannot parse config file '[^']+'(?: at line \d+, column \d+)?: \S/;

const texts = textInputs(fc.oneof(configText, jsonText));

function parse(text: string): ConfigFile | ConfigParseError {
  try {
    return parseConfig(text, PATH);
  } catch (error) {
    assertTypedError(error, ['ERR_CONFIG_PARSE'], NAMES_PROBLEM);
    assert.ok(error instanceof ConfigParseError);
    return error;
  }
}

/** The line and column of a byte offset, counted as the reader counts. */
function positionOfOffset(text: string, offset: number): FilePosition {
  let bytes = 0;
  let line = 1;
  let column = 1;
  for (const char of text) {
    if (bytes >= offset) break;
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (char === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  assert.equal(bytes, offset, 'the offset falls inside a character');
  return { offset, line, column };
}

test('any text gives a model or a typed error naming the problem', () => {
  checkProperty(texts, (text) => {
    const parsed = parse(text);
    if (parsed instanceof ConfigParseError) return;
    assert.equal(parsed.exists, true);
    assert.equal(typeof parsed.credsStore, 'string');
    assert.equal(typeof parsed.raw, 'object');
    for (const entry of parsed.auths.values()) {
      for (const value of Object.values(entry)) {
        assert.equal(typeof value, 'string');
      }
    }
  });
});

test('a parse error points at a real line, column and byte offset', () => {
  checkProperty(texts, (text) => {
    const parsed = parse(text);
    if (!(parsed instanceof ConfigParseError)) return;
    const { position } = parsed;
    if (position === undefined) return;
    assert.ok(position.offset <= Buffer.byteLength(text));
    assert.deepEqual(position, positionOfOffset(text, position.offset));
  });
});

test('the JSON reader accepts exactly what JSON.parse accepts', () => {
  checkProperty(texts, (text) => {
    let expected: unknown;
    let valid = true;
    try {
      expected = JSON.parse(text);
    } catch {
      valid = false;
    }
    const read = readJsonValue(text);
    if (!read.ok) {
      assertShowable(read.reason, /\S/);
      // Go refuses what is nested too deep; JSON.parse does not
      if (valid && openings(text) > MAX_NESTING_DEPTH) return;
      assert.equal(valid, false, `refused: ${read.reason}`);
      return;
    }
    const whole = /^[ \t\n\r]*$/.test(text.slice(read.end));
    assert.equal(valid, read.value !== undefined && whole);
    // Go reads a lone surrogate escape as U+FFFD; JSON.parse keeps it;
    // deepEqual itself recurses, so deep values are not compared
    const comparable =
      !LONE_SURROGATE_ESCAPE_REGEXP.test(text) && openings(text) < 1_000;
    if (valid && comparable) {
      assert.deepEqual(toPlainValue(read.value as JsonNode), expected);
    }
  });
});

const LONE_SURROGATE_ESCAPE_REGEXP = /\\u[dD][89a-fA-F]/;

/** How many objects and arrays a text could open, at most. */
function openings(text: string): number {
  return text.match(/[[{]/g)?.length ?? 0;
}

test('keys repeated thousands of times are read in linear time', () => {
  const repeats = fc.record({
    count: fc.integer({ min: 1_000, max: 5_000 }),
    key: fc.constantFrom('auths', 'Auths', 'credHelpers', 'proxies'),
  });
  checkProperty(
    repeats,
    ({ count, key }) => {
      const members = Array.from(
        { length: count },
        (_, index) => `"${key}":{"r${index}.example":{}}`,
      );
      // each repeat is a type error for credHelpers, found at the first
      parse(`{${members.join(',')}}`);
    },
    20,
  );
});

test('nesting is refused past the limit, and read up to it', () => {
  const depth = fc.integer({ min: 1, max: MAX_NESTING_DEPTH + 50 });
  checkProperty(
    depth,
    (levels) => {
      const read = readJsonValue('['.repeat(levels) + ']'.repeat(levels));
      assert.equal(read.ok, levels <= MAX_NESTING_DEPTH);
    },
    200,
  );
});

test('a rendered config re-parses to the same, and renders the same', () => {
  // Go indents each level, so a value nested thousands deep renders to
  // tens of megabytes, in Docker too; such files are left to the reader
  const shallow = configText.filter((text) => openings(text) < 2_000);
  checkProperty(shallow, (text) => {
    const parsed = parse(text);
    if (parsed instanceof ConfigParseError) return;
    const rendered = renderConfig(parsed);
    const again = parseConfig(rendered, PATH);
    assert.equal(again.credsStore, parsed.credsStore);
    assert.equal(again.currentContext, parsed.currentContext);
    assert.deepEqual(again.credHelpers, parsed.credHelpers);
    // Go writes map keys sorted
    const keys = (config: ConfigFile) => [...config.auths.keys()].sort();
    assert.deepEqual(keys(again), keys(parsed));
    assert.equal(renderConfig(again), rendered);
  });
});

test('file bytes decode as Go decodes them, invalid UTF-8 included', () => {
  const bytes = fc.oneof(
    anyBytes,
    configText.map((text) => Buffer.from(text)),
    fc.tuple(configText, anyBytes, fc.nat()).map(([text, noise, at]) => {
      const base = Buffer.from(text);
      const cut = at % (base.length + 1);
      return Buffer.concat([base.subarray(0, cut), noise, base.subarray(cut)]);
    }),
  );
  checkProperty(bytes, (buffer) => {
    const decoded = decodeUtf8LikeGo(buffer);
    const kept = decodeBytesKeepingInvalid(buffer);
    assert.equal(
      decoded,
      kept.replace(/(?<![\ud800-\udbff])[\udc80-\udcff]/g, '\ufffd'),
    );
    parse(decoded);
  });
});
