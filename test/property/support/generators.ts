/**
 * Input generators shared by the property tests: random text and bytes,
 * characters that break parsers, and mutations that turn a valid input
 * into a near-valid one.
 *
 * @module
 */
import fc from 'fast-check';

/**
 * Characters that have tripped parsers before: controls (C0, DEL, C1),
 * white space Go and JavaScript disagree on, a byte order mark, bidi
 * overrides, lone surrogates, astral characters, letters whose case
 * mapping is odd (`İ`, `ſ`, the Kelvin sign) and the punctuation the
 * grammars here give meaning to.
 */
export const TRICKY_CHARACTERS: readonly string[] = [
  '\u0000',
  '\u0001',
  '\t',
  '\n',
  '\u000b',
  '\r',
  '\u001b',
  '\u007f',
  '\u0080',
  '\u0085',
  '\u009b',
  '\u009f',
  '\u00a0',
  '\u1680',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u3000',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udc00',
  '\udcff',
  '😀',
  'é',
  'É',
  'ß',
  'İ',
  'ı',
  'ſ',
  '\u212a',
  ' ',
  '"',
  "'",
  '\\',
  '/',
  ':',
  '@',
  '#',
  '?',
  '%',
  '[',
  ']',
  '{',
  '}',
  ',',
  '=',
  '.',
  '_',
  '-',
  '+',
  '&',
  '<',
  '>',
];

/** One character from {@link TRICKY_CHARACTERS}. */
export const trickyCharacter: fc.Arbitrary<string> = fc.constantFrom(
  ...TRICKY_CHARACTERS,
);

/** Text of any UTF-16 code units, lone surrogates included. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 64 }),
  fc.string({ unit: trickyCharacter, maxLength: 32 }),
  fc.string({
    unit: fc.oneof(trickyCharacter, fc.string({ minLength: 1, maxLength: 1 })),
    maxLength: 64,
  }),
);

/** Bytes of any value, as a Buffer. */
export const anyBytes: fc.Arbitrary<Buffer> = fc
  .uint8Array({ maxLength: 128 })
  .map((bytes) => Buffer.from(bytes));

/** One way to spoil a string. */
type Mutation = (text: string, at: number, extra: string) => string;

const MUTATIONS: readonly Mutation[] = [
  // insert a character
  (text, at, extra) => text.slice(0, at) + extra + text.slice(at),
  // replace a character
  (text, at, extra) => text.slice(0, at) + extra + text.slice(at + 1),
  // delete a character
  (text, at) => text.slice(0, at) + text.slice(at + 1),
  // cut the text short
  (text, at) => text.slice(0, at),
  // duplicate the tail
  (text, at) => text + text.slice(at),
  // swap the case of everything after `at`
  (text, at) => text.slice(0, at) + swapCase(text.slice(at)),
  // repeat one character many times (a long input)
  (text, at) => {
    const char = text.charAt(at) || 'a';
    return text.slice(0, at) + char.repeat(2_000) + text.slice(at);
  },
];

function swapCase(text: string): string {
  return text.replace(/[A-Za-z]/g, (char) =>
    char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase(),
  );
}

/** One mutation step: which one, where, and with which character. */
const mutationStep = fc.record({
  kind: fc.nat({ max: MUTATIONS.length - 1 }),
  at: fc.nat(),
  extra: fc.oneof(trickyCharacter, fc.string({ minLength: 1, maxLength: 3 })),
});

/**
 * Near-valid inputs: a value of `valid` with one to four mutations
 * (characters inserted, replaced or deleted, the text cut or its tail
 * repeated, case swapped, a character repeated two thousand times).
 */
export function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.array(mutationStep, { minLength: 1, maxLength: 4 }))
    .map(([text, steps]) =>
      steps.reduce((current, { kind, at, extra }) => {
        const mutation = MUTATIONS[kind] ?? MUTATIONS[0];
        const position = current.length === 0 ? 0 : at % (current.length + 1);
        return mutation ? mutation(current, position, extra) : current;
      }, text),
    );
}

/**
 * The mix a boundary gets: fully random text, `valid` inputs as they are,
 * and `valid` inputs mutated.
 */
export function textInputs(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: anyText, weight: 2 },
    { arbitrary: valid, weight: 3 },
    { arbitrary: mutated(valid), weight: 5 },
  );
}

/** Lower-case letters and digits, as many grammars' words are. */
export const lowerAlnum: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 8,
});

/** A string of `length` hex digits, lower case. */
export function lowerHex(length: number): fc.Arbitrary<string> {
  return fc.string({
    unit: fc.constantFrom(...'0123456789abcdef'),
    minLength: length,
    maxLength: length,
  });
}

/**
 * A nesting depth: mostly small, now and then around Go's limit of
 * 10 000 levels (deep inputs are slow to build and read, so they are
 * kept rare).
 */
const nestingDepth: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.nat({ max: 64 }), weight: 30 },
  { arbitrary: fc.constantFrom(9_999, 10_000, 10_001), weight: 1 },
);

/** JSON text with keys repeated, nesting deep, and odd spacing. */
export const jsonText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc
    .jsonValue({ maxDepth: 3 })
    .map((value) => JSON.stringify(value, null, '\t')),
  nestingDepth.map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  nestingDepth.map(
    (depth) => '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth),
  ),
);

/**
 * A JSON object text with the given members, written in order (so keys
 * may repeat) and separated by random white space.
 */
export function jsonObjectText(
  members: fc.Arbitrary<[string, string][]>,
): fc.Arbitrary<string> {
  const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n  ');
  return fc.tuple(members, space).map(([pairs, gap]) => {
    const body = pairs
      .map(([key, value]) => `${gap}${JSON.stringify(key)}:${gap}${value}`)
      .join(',');
    return `{${body}${gap}}`;
  });
}

/**
 * Long text made of one short piece repeated, the shape that makes a
 * backtracking regular expression slow: each piece starts a match that
 * runs on to the end.
 */
export const hostileText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(
        'a.',
        'a:',
        ':',
        '[',
        'a-',
        'a+',
        'a://',
        'a://x',
        'x@',
        'Basic ',
        'Bearer a',
        'token:',
        'token: a1',
        'auth=',
        'password=',
        '"token":"',
        '"password": ',
        '\\"',
        '%',
        ' ',
      ),
      fc.string({ minLength: 1, maxLength: 4 }),
    ),
    fc.integer({ min: 1_000, max: 30_000 }),
    fc.string({ maxLength: 8 }),
  )
  .map(([piece, count, tail]) => piece.repeat(count) + tail);
