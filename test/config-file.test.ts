import assert from 'node:assert/strict';
import { getuid } from 'node:process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  canonicalConfigField,
  emptyConfig,
  parseConfig,
  readConfigFile,
  readConfigFileSync,
  type ConfigFile,
} from '../src/config/config-file.js';
import { ConfigParseError, ConfigReadError } from '../src/errors.js';

const PATH = '/cfg/config.json';
const TEMP = mkdtempSync(join(tmpdir(), 'regcred-config-file-'));
after(() => rmSync(TEMP, { recursive: true, force: true }));

function tempFile(name: string, content: string | Uint8Array): string {
  const dir = mkdtempSync(join(TEMP, `${name}-`));
  const path = join(dir, 'config.json');
  writeFileSync(path, content);
  return path;
}

function parseError(text: string): ConfigParseError {
  try {
    parseConfig(text, PATH);
  } catch (error) {
    assert.ok(error instanceof ConfigParseError, String(error));
    return error;
  }
  assert.fail(`expected ${text} to be refused`);
}

function auths(config: ConfigFile): Record<string, unknown> {
  return Object.fromEntries(config.auths);
}

// --- what a good file gives ------------------------------------------------

test('parseConfig() reads auths, stores and context, keeping unknown fields', () => {
  const text = JSON.stringify({
    auths: {
      'e.example': { auth: 'dTpw', email: 'a@b', bogus: 1 },
      'https://index.docker.io/v1/': { identitytoken: 'IT' },
    },
    credsStore: 'desktop',
    credHelpers: { 'gcr.io': 'gcloud', 'x.example': '' },
    currentContext: 'ctx1',
    stackOrchestrator: 'swarm',
    psFormat: '<&>',
  });
  const config = parseConfig(text, PATH);
  assert.equal(config.path, PATH);
  assert.equal(config.exists, true);
  assert.deepEqual(
    [...config.auths.keys()],
    ['e.example', 'https://index.docker.io/v1/'],
  );
  assert.deepEqual(auths(config), {
    'e.example': { auth: 'dTpw', email: 'a@b' },
    'https://index.docker.io/v1/': { identitytoken: 'IT' },
  });
  assert.equal(config.credsStore, 'desktop');
  assert.deepEqual(
    config.credHelpers,
    new Map([
      ['gcr.io', 'gcloud'],
      ['x.example', ''],
    ]),
  );
  assert.equal(config.currentContext, 'ctx1');
  assert.deepEqual(config.raw, JSON.parse(text));
});

test('parseConfig() keeps the §10.4 entries as written, for the store to decode', () => {
  const entries = {
    'e.example': { auth: 'dTpw', username: 'other', password: 'x' },
    solo: { username: 'solo' },
    'http://legacy.example:5000': { auth: 'bGVnOnB3', email: 'a@b' },
    'tok.example': { identitytoken: 'IDT', registrytoken: 'RT' },
    'e.example/v2/': { auth: 'dTpw', serveraddress: 'ignored' },
    'E.EXAMPLE': { auth: 'dTpw' },
  };
  const config = parseConfig(JSON.stringify({ auths: entries }), PATH);
  assert.deepEqual(auths(config), entries);
  assert.deepEqual([...config.auths.keys()], Object.keys(entries));
});

for (const [name, text] of [
  ['empty', ''],
  ['whitespace only', ' \n\t\r\n'],
  ['null', 'null'],
  ['null and trailing text', ' null garbage'],
  ['an empty object', '{}'],
] as const) {
  test(`parseConfig() gives an empty model for a file that is ${name}`, () => {
    assert.deepEqual(parseConfig(text, PATH), {
      ...emptyConfig(PATH),
      exists: true,
    });
  });
}

test('parseConfig() ignores data after the first value, as Docker does', () => {
  for (const text of [
    '{"auths":{"e.example":{"auth":"dTpw"}}}garbage',
    '{"auths":{"e.example":{"auth":"dTpw"}}} }',
    '{"auths":{"e.example":{"auth":"dTpw"}}} {"auths":"x"}',
  ]) {
    assert.deepEqual(auths(parseConfig(text, PATH)), {
      'e.example': { auth: 'dTpw' },
    });
  }
});

test('parseConfig() accepts null for every field', () => {
  const text =
    '{"auths":{"a":null},"credsStore":null,"credHelpers":{"h":null},' +
    '"proxies":{"p":null},"plugins":{"p":null},"pruneFilters":[null],' +
    '"HttpHeaders":null,"currentContext":null,"experimental":null}';
  const config = parseConfig(text, PATH);
  assert.deepEqual(auths(config), { a: {} });
  assert.equal(config.credsStore, '');
  assert.deepEqual(config.credHelpers, new Map([['h', '']]));
  assert.equal(config.currentContext, '');
});

// --- Go's field matching and duplicates (checked with docker 28.2.2) --------

test('parseConfig() matches field names case-insensitively', () => {
  const text =
    '{"Auths":{"e.example":{"AUTH":"dTpw","EMail":"a@b"}},' +
    '"CREDSSTORE":"desktop","credhelpers":{"gcr.io":"gcloud"},' +
    '"CurrentContext":"c"}';
  const config = parseConfig(text, PATH);
  assert.deepEqual(auths(config), {
    'e.example': { auth: 'dTpw', email: 'a@b' },
  });
  assert.equal(config.credsStore, 'desktop');
  assert.equal(config.credHelpers.get('gcr.io'), 'gcloud');
  assert.equal(config.currentContext, 'c');
});

test('parseConfig() folds the Kelvin sign and long s as Go does, not i', () => {
  // U+212A and U+017F fold to k and s in Go; U+0130 and U+0131 do not
  assert.equal(canonicalConfigField('networ\u212asFormat'), 'networksFormat');
  assert.equal(canonicalConfigField('p\u017fFormat'), 'psFormat');
  assert.equal(canonicalConfigField('plug\u0131nsFormat'), undefined);
  assert.equal(canonicalConfigField('plug\u0130nsFormat'), undefined);
  assert.equal(canonicalConfigField('p\u00dfFormat'), undefined);
  assert.match(parseError('{"p\u017fFormat":1}').message, /psFormat/);
  assert.equal(parseConfig('{"plug\u0131nsFormat":1}', PATH).exists, true);
});

test('parseConfig() merges duplicate auths objects, later entries winning', () => {
  const text =
    '{"auths":{"a":{"auth":"dTpw"},"z":{}},"Auths":{"b":{"auth":"dTpx"}},' +
    '"AUTHS":{"a":{"email":"e"}}}';
  const config = parseConfig(text, PATH);
  assert.deepEqual([...config.auths.keys()], ['a', 'z', 'b']);
  assert.deepEqual(auths(config), {
    a: { email: 'e' },
    z: {},
    b: { auth: 'dTpx' },
  });
});

test('parseConfig() lets a later auths: null drop the earlier entries', () => {
  const text =
    '{"auths":{"a":{"auth":"dTpw"}},"auths":null,"auths":{"b":{"auth":"dTpw"}}}';
  assert.deepEqual(auths(parseConfig(text, PATH)), { b: { auth: 'dTpw' } });
});

test('parseConfig() applies duplicate fields in order, null changing nothing', () => {
  const entry = '{"auth":"dTpw","Auth":"dTpx","auth":null}';
  assert.deepEqual(auths(parseConfig(`{"auths":{"a":${entry}}}`, PATH)), {
    a: { auth: 'dTpx' },
  });
  const replaced = '{"auths":{"a":{"auth":"dTpw"},"a":null}}';
  assert.deepEqual(auths(parseConfig(replaced, PATH)), { a: {} });
  const store = '{"credsStore":"A","CredsStore":null}';
  assert.equal(parseConfig(store, PATH).credsStore, 'A');
  const context = '{"currentContext":"A","currentcontext":"B"}';
  assert.equal(parseConfig(context, PATH).currentContext, 'B');
});

// --- type errors: each one makes docker 28.2.2 warn "Error parsing" ---------

const TYPE_ERRORS: [string, RegExp, number][] = [
  ['{"auths":[]}', /^auths must be an object, found an array$/, 10],
  ['[]', /^the top-level value must be an object, found an array$/, 1],
  ['"x"', /top-level value must be an object, found a string/, 1],
  ['123', /top-level value must be an object, found a number/, 1],
  ['true', /top-level value must be an object, found a boolean/, 1],
  ['{"auths":{"e.example":1}}', /^auths\["e.example"\] must be an object/, 23],
  ['{"auths":{"e":{"auth":1}}}', /^auths\["e"\]\.auth must be a string/, 23],
  ['{"auths":"x"}', /auths must be an object, found a string/, 10],
  ['{"psFormat":1}', /^psFormat must be a string, found a number$/, 13],
  ['{"PSFORMAT":1}', /^psFormat must be a string/, 13],
  ['{"credHelpers":{"x":1}}', /^credHelpers\["x"\] must be a string/, 21],
  ['{"credsStore":["a"]}', /^credsStore must be a string, found an array/, 15],
  ['{"proxies":{"d":"x"}}', /^proxies\["d"\] must be an object/, 17],
  ['{"proxies":{"d":{"HTTPPROXY":1}}}', /^proxies\["d"\]\.httpProxy must/, 30],
  ['{"plugins":{"p":"x"}}', /^plugins\["p"\] must be an object/, 17],
  ['{"plugins":{"p":{"k":1}}}', /^plugins\["p"\]\["k"\] must be a string/, 22],
  ['{"pruneFilters":"x"}', /^pruneFilters must be an array/, 17],
  ['{"pruneFilters":[1]}', /^pruneFilters\[0\] must be a string/, 18],
  ['{"cliPluginsExtraDirs":{}}', /^cliPluginsExtraDirs must be an array/, 24],
  [
    '{"features":{"a":true}}',
    /^features\["a"\] must be a string, found a bool/,
    18,
  ],
  ['{"aliases":[]}', /^aliases must be an object/, 12],
  ['{"HttpHeaders":{"a":1}}', /^HttpHeaders\["a"\] must be a string/, 21],
  ['{"experimental":true}', /^experimental must be a string/, 17],
  ['{"currentContext":{}}', /^currentContext must be a string/, 19],
  ['{"detachKeys":1,"nodesFormat":[]}', /^detachKeys must be a string/, 15],
];

for (const [text, reason, column] of TYPE_ERRORS) {
  test(`parseConfig() refuses ${text} where Docker's struct does`, () => {
    const error = parseError(text);
    assert.equal(error.code, 'ERR_CONFIG_PARSE');
    assert.equal(error.path, PATH);
    assert.equal(error.position?.line, 1);
    assert.equal(error.position?.column, column);
    const detail = error.message.split(`, column ${column}: `)[1] ?? '';
    assert.match(detail.split('. Fix or move')[0] ?? '', reason);
  });
}

test('parseConfig() accepts unknown fields of any type, at any level', () => {
  const text =
    '{"auths":{"e":{"bogus":1}},"proxies":{"d":{"bogus":[1]}},' +
    '"unknownThing":{"deep":[1,2,{"x":null}]},"-":1,"Filename":2}';
  const config = parseConfig(text, PATH);
  assert.deepEqual(auths(config), { e: {} });
  assert.deepEqual((config.raw as Record<string, unknown>).unknownThing, {
    deep: [1, 2, { x: null }],
  });
});

// --- syntax errors ------------------------------------------------------------

const SYNTAX_ERRORS: [string, string, RegExp, number][] = [
  ['truncated', '{"auths":', /^unexpected end of input$/, 10],
  ['truncated in a string', '{"auths":{"e":{"auth":"dT', /end of input/, 26],
  [
    'a trailing comma',
    '{"auths":{},}',
    /expected a quoted object key after ','/,
    13,
  ],
  ['a leading zero', '{"a":01}', /expected ',' or '}' after object member/, 7],
  ['a bad escape', '{"a":"\\x"}', /invalid escape in a string/, 8],
  ['a short \\u escape', '{"a":"\\u12"}', /expected 4 hexadecimal digits/, 11],
  ['a raw control character', '{"a":"\u0001"}', /control character U\+0001/, 7],
  [
    'a raw line break in a string',
    '{"a":"x\ny"}',
    /control character U\+000A/,
    8,
  ],
  [
    'a bare decimal point',
    '{"a":1.}',
    /expected a digit after the decimal point/,
    8,
  ],
  ['a bare minus', '{"a":-}', /expected a digit after '-'/, 7],
  ['an empty exponent', '{"a":1e}', /expected a digit in the exponent/, 8],
  ['a truncated literal', 'nul', /^unexpected end of input$/, 4],
  ['a misspelt literal', '{"a":nul}', /invalid literal: expected 'null'/, 9],
  ['single quotes', "{'auths':{}}", /a single quote/, 2],
  [
    'a comment',
    '{"a":1 // x\n}',
    /after object member, found an unexpected/,
    8,
  ],
  ['a missing colon', '{"a" 1}', /expected ':' after object key/, 6],
  [
    'a trailing comma in an array',
    '{"a":[1,]}',
    /expected a value, found ']'/,
    9,
  ],
  [
    'an unquoted key',
    '{auths:{}}',
    /quoted object key or '}', found an unquoted word/,
    2,
  ],
  ['a byte order mark', '\uFEFF{"auths":{}}', /byte order mark/, 1],
];

for (const [name, text, reason, column] of SYNTAX_ERRORS) {
  test(`parseConfig() refuses JSON with ${name}`, () => {
    const error = parseError(text);
    assert.equal(error.position?.column, column, error.message);
    assert.match(
      error.message,
      /^Cannot parse config file '\/cfg\/config.json' at line/,
    );
    const detail = error.message.split(`, column ${column}: `)[1] ?? '';
    assert.match(detail.split('. Fix or move')[0] ?? '', reason);
  });
}

test('parseConfig() reports the byte offset, line and character column', () => {
  // "é" is 2 bytes and "😀" 4 bytes in UTF-8, 1 character each
  const text = '{\n  "é😀": "x",\n  "k": tru }';
  const error = parseError(text);
  assert.deepEqual(error.position, { offset: 29, line: 3, column: 11 });
  assert.equal(Buffer.byteLength(text.slice(0, text.indexOf('tru') + 3)), 29);
});

test('parseConfig() puts no string content in a syntax error', () => {
  const error = parseError('{"auths":{"e":{"auth":"SEKRITdTpw\\q"}}}');
  assert.doesNotMatch(error.message, /SEKRIT/);
});

test('parseConfig() accepts 10000 nested levels and refuses 10001', () => {
  const nested = (depth: number): string =>
    `{"x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  assert.equal(parseConfig(nested(10_000), PATH).exists, true);
  const error = parseError(nested(10_001));
  assert.match(error.message, /nested more than 10000 levels/);
  assert.equal(error.position?.column, 10_005);
});

test('parseConfig() decodes \\u escapes, unpaired surrogates as U+FFFD', () => {
  const text =
    '{"currentContext":"\\ud83d\\ude00","credHelpers":{' +
    '"a":"\\ud800","b":"\\ud800\\u0041","c":"\\udc00\\ud800x","d":"\\u00e9\\n"}}';
  const config = parseConfig(text, PATH);
  assert.equal(config.currentContext, '😀');
  assert.deepEqual(Object.fromEntries(config.credHelpers), {
    a: '\uFFFD',
    b: '\uFFFDA',
    c: '\uFFFD\uFFFDx',
    d: 'é\n',
  });
});

test('parseConfig() keeps __proto__ and the last duplicate in raw', () => {
  const text =
    '{"__proto__":{"polluted":1},"psFormat":"a","psFormat":"b","n":1e2}';
  const raw = parseConfig(text, PATH).raw as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(raw), Object.prototype);
  assert.deepEqual(Object.keys(raw), ['__proto__', 'psFormat', 'n']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value, {
    polluted: 1,
  });
  assert.equal(raw.psFormat, 'b');
  assert.equal(raw.n, 100);
});

test('canonicalConfigField() names the field a key sets, as Docker matches', () => {
  assert.equal(canonicalConfigField('Auths'), 'auths');
  assert.equal(canonicalConfigField('httpheaders'), 'HttpHeaders');
  assert.equal(canonicalConfigField('stackOrchestrator'), undefined);
});

// --- reading files --------------------------------------------------------------

test('readConfigFile() gives an empty model when the file is missing', async () => {
  const path = join(TEMP, 'missing', 'config.json');
  assert.deepEqual(await readConfigFile(path), emptyConfig(path));
  assert.equal(readConfigFileSync(path).exists, false);
});

test('readConfigFile() treats a dangling symlink as missing, as Docker does', async () => {
  const dir = mkdtempSync(join(TEMP, 'dangling-'));
  const path = join(dir, 'config.json');
  symlinkSync(join(dir, 'nowhere.json'), path);
  assert.equal((await readConfigFile(path)).exists, false);
});

test('readConfigFile() reads and parses an existing file', async () => {
  const path = tempFile('good', '{"auths":{"e.example":{"auth":"dTpw"}}}');
  for (const config of [await readConfigFile(path), readConfigFileSync(path)]) {
    assert.equal(config.exists, true);
    assert.equal(config.path, path);
    assert.deepEqual(auths(config), { 'e.example': { auth: 'dTpw' } });
  }
});

test('readConfigFile() refuses a corrupt file with its path and position', async () => {
  const path = tempFile('corrupt', '{\n  "auths": [\n  ]\n}');
  await assert.rejects(readConfigFile(path), (error: unknown) => {
    assert.ok(error instanceof ConfigParseError);
    assert.equal(error.path, path);
    assert.deepEqual(error.position, { offset: 13, line: 2, column: 12 });
    assert.match(error.message, /auths must be an object, found an array/);
    return true;
  });
  assert.throws(() => readConfigFileSync(path), ConfigParseError);
});

test('readConfigFile() refuses a file that starts with a byte order mark', async () => {
  const path = tempFile('bom', '\uFEFF{"auths":{}}');
  await assert.rejects(readConfigFile(path), /byte order mark/);
});

test('readConfigFile() turns each invalid UTF-8 byte into U+FFFD, as Go', async () => {
  // "ctx" + E2 82 (a cut 3-byte sequence) + FF
  const bytes = Buffer.concat([
    Buffer.from('{"currentContext":"ctx'),
    Buffer.from([0xe2, 0x82, 0xff]),
    Buffer.from('"}'),
  ]);
  const config = await readConfigFile(tempFile('utf8', bytes));
  assert.equal(config.currentContext, 'ctx\uFFFD\uFFFD\uFFFD');
});

test('readConfigFile() refuses a directory in place of the file', async () => {
  const dir = mkdtempSync(join(TEMP, 'isdir-'));
  const path = join(dir, 'config.json');
  mkdirSync(path);
  await assert.rejects(readConfigFile(path), (error: unknown) => {
    assert.ok(error instanceof ConfigReadError);
    assert.equal(error.code, 'ERR_CONFIG_READ');
    assert.equal(error.path, path);
    assert.match(error.message, /is a directory, not a file/);
    return true;
  });
  assert.throws(() => readConfigFileSync(path), ConfigReadError);
});

test('readConfigFile() refuses a path through a file (ENOTDIR)', async () => {
  const file = tempFile('notdir', '{}');
  const path = join(file, 'config.json');
  await assert.rejects(readConfigFile(path), ConfigReadError);
});

test(
  'readConfigFile() refuses an unreadable file',
  { skip: getuid?.() === 0 ? 'root reads any file' : false },
  async () => {
    const path = tempFile('eacces', '{}');
    chmodSync(path, 0o000);
    await assert.rejects(readConfigFile(path), /permission denied/);
    assert.throws(() => readConfigFileSync(path), ConfigReadError);
  },
);
