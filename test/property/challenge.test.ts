/**
 * Property tests of `WWW-Authenticate` parsing (`parseChallenge`,
 * `challengesOf`): what any registry may send before a login.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  challengesOf,
  parseChallenge,
  type Challenge,
} from '../../src/registry/challenge.js';
import { checkProperty } from './support/fuzz.js';
import { anyText, hostileText, textInputs } from './support/generators.js';

const SEPARATORS = ' \t"(),/:;<=>?@[]\\{}';
const TOKEN_CHARACTERS = Array.from({ length: 95 }, (_, index) =>
  String.fromCharCode(32 + index),
).filter((char) => !SEPARATORS.includes(char));

const token = fc.string({
  unit: fc.constantFrom(...TOKEN_CHARACTERS),
  minLength: 1,
  maxLength: 12,
});

/** A challenge as a registry means it, and one way to write it. */
interface BuiltChallenge {
  line: string;
  scheme: string;
  parameters: [string, string][];
}

/** A parameter value: a token, or any non-empty text quoted. */
const parameter = fc.tuple(
  fc.oneof(token, fc.constantFrom('realm', 'Service', 'SCOPE', 'error')),
  fc.oneof(token, fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })),
  fc.boolean(),
);

const builtChallenge: fc.Arbitrary<BuiltChallenge> = fc
  .record({
    scheme: fc.oneof(token, fc.constantFrom('Bearer', 'basic', 'DIGEST')),
    parameters: fc.array(parameter, { maxLength: 5 }),
    space: fc.constantFrom(' ', '  ', '\t', ' \r\n '),
    comma: fc.constantFrom(',', ', ', ' ,', ' , '),
  })
  .map(({ scheme, parameters, space, comma }) => {
    const written = parameters.map(([key, value, quoted]) => {
      const asToken = !quoted && /^[^ \t"(),/:;<=>?@[\]\\{}]+$/.test(value);
      const isAscii = /^[\x21-\x7e]+$/.test(value);
      return asToken && isAscii
        ? `${key}=${value}`
        : `${key}="${value.replace(/["\\]/g, '\\$&')}"`;
    });
    return {
      line: `${scheme}${written.length > 0 ? space : ''}${written.join(comma)}`,
      scheme,
      parameters: parameters.map(([key, value]) => [key, value]),
    };
  });

const lines = textInputs(builtChallenge.map((built) => built.line));

function isToken(text: string): boolean {
  return [...text].every((char) => TOKEN_CHARACTERS.includes(char));
}

test('any line gives no challenge or a well-formed one', () => {
  checkProperty(lines, (line) => {
    const challenge = parseChallenge(line);
    if (challenge === undefined) return;
    assert.ok(challenge.scheme !== '' && isToken(challenge.scheme));
    assert.equal(challenge.scheme, challenge.scheme.toLowerCase());
    for (const [key, value] of challenge.parameters) {
      assert.ok(isToken(key) && key === key.toLowerCase(), key);
      assert.notEqual(value, '');
    }
  });
});

test('a written challenge reads back as the one meant', () => {
  checkProperty(builtChallenge, ({ line, scheme, parameters }) => {
    const expected: Challenge = {
      scheme: scheme.toLowerCase(),
      // a repeated key keeps its last value
      parameters: new Map(parameters.map(([k, v]) => [k.toLowerCase(), v])),
    };
    assert.deepEqual(parseChallenge(line), expected);
  });
});

test('only a 401 carries challenges, one per header line', () => {
  const status = fc.oneof(fc.constant(401), fc.integer({ min: 100, max: 599 }));
  const header = fc.oneof(
    fc.constant(undefined),
    lines,
    fc.array(lines, { maxLength: 4 }),
  );
  checkProperty(fc.tuple(status, header), ([code, value]) => {
    const found = challengesOf(code, value);
    if (code !== 401 || value === undefined) {
      assert.deepEqual(found, []);
      return;
    }
    const each = (typeof value === 'string' ? [value] : value)
      .map(parseChallenge)
      .filter((one) => one !== undefined);
    assert.deepEqual(found, each);
  });
});

test('long hostile lines are read quickly', () => {
  const piece = fc.constantFrom('a=b,', 'a="', '\\"', ' ,', 'k=v ', '"');
  const hostile = fc
    .tuple(piece, fc.integer({ min: 1_000, max: 50_000 }), anyText)
    .map(([unit, count, tail]) => `Bearer ${unit.repeat(count)}${tail}`);
  checkProperty(
    fc.oneof(hostile, hostileText),
    (line) => void parseChallenge(line),
    200,
  );
});
