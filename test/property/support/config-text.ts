/**
 * config.json texts shaped like Docker's: known fields in any case (Go
 * matches them case-insensitively), unknown ones, repeated keys, values
 * of the wrong type, `null`, deep nesting and data after the object.
 *
 * @module
 */
import fc from 'fast-check';
import { anyText, jsonObjectText, jsonText } from './generators.js';

/** A JSON string holding any text; lone surrogates become escapes. */
export const jsonString: fc.Arbitrary<string> = anyText.map((text) =>
  JSON.stringify(text),
);

/** Values of every JSON type, a few of each. */
const otherValue = fc.constantFrom(
  'null',
  'true',
  '0',
  '-1.5e3',
  '1e999',
  '[]',
  '{}',
  '["a",1]',
  '"\\ud800"',
  '"\\u00e9\\n"',
);

const stringOrOther = fc.oneof(
  { arbitrary: jsonString, weight: 3 },
  { arbitrary: otherValue, weight: 1 },
);

/** Keys of maps: registry names, odd text, and repeats of a few. */
const mapKey = fc.oneof(
  fc.constantFrom(
    'r.example',
    'https://r.example/v1/',
    'R.Example',
    'https://index.docker.io/v1/',
    '',
  ),
  anyText,
);

const AUTH_FIELDS = [
  'auth',
  'username',
  'password',
  'email',
  'serveraddress',
  'identitytoken',
  'registrytoken',
  'Auth',
  'USERNAME',
  'unknown',
];

/** A base64 `auth` value, well formed or not. */
const authValue = fc.oneof(
  fc
    .tuple(anyText, anyText)
    .map(([user, password]) =>
      JSON.stringify(Buffer.from(`${user}:${password}`).toString('base64')),
    ),
  jsonString,
);

const authEntry = jsonObjectText(
  fc.array(
    fc
      .constantFrom(...AUTH_FIELDS)
      .chain((field) =>
        (field.toLowerCase() === 'auth' ? authValue : stringOrOther).map(
          (value): [string, string] => [field, value],
        ),
      ),
    { maxLength: 5 },
  ),
);

function mapOf(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return jsonObjectText(fc.array(fc.tuple(mapKey, value), { maxLength: 4 }));
}

const stringMap = mapOf(stringOrOther);

/** Top-level keys: Docker's fields in several cases, and unknown ones. */
const TOP_LEVEL_KEYS = [
  'auths',
  'Auths',
  'AUTHS',
  'auth\u017fs',
  'credsStore',
  'credsstore',
  'credHelpers',
  'CREDHELPERS',
  'currentContext',
  'proxies',
  'HttpHeaders',
  'plugins',
  'aliases',
  'pruneFilters',
  'experimental',
  'unknownField',
  '__proto__',
];

function valueFor(key: string): fc.Arbitrary<string> {
  switch (key.toLowerCase()) {
    case 'auths':
    case 'auth\u017fs':
      return fc.oneof(
        { arbitrary: mapOf(fc.oneof(authEntry, otherValue)), weight: 4 },
        { arbitrary: otherValue, weight: 1 },
      );
    case 'credhelpers':
    case 'httpheaders':
    case 'aliases':
      return fc.oneof(stringMap, otherValue);
    case 'proxies':
    case 'plugins':
      return fc.oneof(mapOf(fc.oneof(stringMap, otherValue)), otherValue);
    case 'prunefilters':
      return fc.oneof(
        fc.array(stringOrOther).map((items) => `[${items.join(',')}]`),
        otherValue,
      );
    case 'unknownfield':
    case '__proto__':
      return fc.oneof(jsonText, otherValue);
    default:
      return stringOrOther;
  }
}

const topLevelMember: fc.Arbitrary<[string, string]> = fc
  .constantFrom(...TOP_LEVEL_KEYS)
  .chain((key) => valueFor(key).map((value): [string, string] => [key, value]));

/** A config object, its keys possibly repeated. */
const configObject = jsonObjectText(fc.array(topLevelMember, { maxLength: 6 }));

/** config.json texts, mostly valid JSON, some with a tail or none. */
export const configText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: configObject, weight: 8 },
  {
    arbitrary: fc
      .tuple(configObject, fc.constantFrom(' ', '\n{}', 'garbage', ',', ']'))
      .map(([object, tail]) => object + tail),
    weight: 1,
  },
  { arbitrary: fc.constantFrom('', ' \n\t', 'null', '\ufeff{}'), weight: 1 },
);
