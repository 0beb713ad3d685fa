import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  emptyConfig,
  parseConfig,
  type ConfigFile,
  type RawAuthEntry,
} from '../src/config/config-file.js';
import {
  renderConfig,
  type ConfigChange,
} from '../src/config/config-writer.js';

const PATH = '/cfg/config.json';
const BOB: RawAuthEntry = { username: 'bob', password: 'pw' };

function render(text: string, change: ConfigChange = {}): string {
  return renderConfig(parseConfig(text, PATH), change);
}

function addBob(text: string, key = 'b.example'): string {
  return render(text, { auths: new Map([[key, BOB]]) });
}

/** Joins lines the way the expected files read; no final newline. */
function lines(...text: string[]): string {
  return text.join('\n');
}

// --- Docker's bytes ---------------------------------------------------------

// docker-cli-auth.md §10.6, input as one line
const VECTOR_10_6 =
  '{"features":{"hooks":"true"},"aliases":{"builder":"buildx"},' +
  '"plugins":{"p":{"k":"v"}},"cliPluginsExtraDirs":["/x"],' +
  '"currentContext":"ctx1","proxies":{"default":{"httpProxy":' +
  '"http://p:3128","bogus":"y"}},"pruneFilters":["label=x"],' +
  '"experimental":"enabled","HttpHeaders":{"User-Agent":"x","X-Meta":"1",' +
  '"user-agent":"y"},"detachKeys":"ctrl-x","credHelpers":{"gcr.io":' +
  '"gcloud"},"stackOrchestrator":"swarm","auths":{"a.example":{"auth":' +
  '"dTpw","registrytoken":"RT","identitytoken":"IT","serveraddress":' +
  '"ignored"}},"psFormat":"<&>"}';

/** What docker login 28.2.2 wrote for §10.6 (its unknown keys dropped). */
function vector10_6Output(proxyExtra: string[], topExtra: string[]): string {
  return lines(
    '{',
    '\t"auths": {',
    '\t\t"a.example": {',
    '\t\t\t"auth": "dTpw",',
    '\t\t\t"identitytoken": "IT",',
    '\t\t\t"registrytoken": "RT"',
    '\t\t},',
    '\t\t"b.example": {',
    '\t\t\t"auth": "Ym9iOnB3"',
    '\t\t}',
    '\t},',
    '\t"HttpHeaders": {',
    '\t\t"X-Meta": "1"',
    '\t},',
    '\t"psFormat": "\\u003c\\u0026\\u003e",',
    '\t"detachKeys": "ctrl-x",',
    '\t"credHelpers": {',
    '\t\t"gcr.io": "gcloud"',
    '\t},',
    '\t"pruneFilters": [',
    '\t\t"label=x"',
    '\t],',
    '\t"proxies": {',
    '\t\t"default": {',
    ...proxyExtra,
    '\t\t}',
    '\t},',
    '\t"currentContext": "ctx1",',
    '\t"cliPluginsExtraDirs": [',
    '\t\t"/x"',
    '\t],',
    '\t"plugins": {',
    '\t\t"p": {',
    '\t\t\t"k": "v"',
    '\t\t}',
    '\t},',
    '\t"aliases": {',
    '\t\t"builder": "buildx"',
    '\t},',
    '\t"features": {',
    '\t\t"hooks": "true"',
    '\t},',
    ...topExtra,
    '}',
  );
}

test('renderConfig() writes vector 10.6 as Docker does, keeping unknown keys', () => {
  assert.equal(
    addBob(VECTOR_10_6),
    vector10_6Output(
      ['\t\t\t"httpProxy": "http://p:3128",', '\t\t\t"bogus": "y"'],
      ['\t"experimental": "enabled",', '\t"stackOrchestrator": "swarm"'],
    ),
  );
});

test('renderConfig() writes vector 10.6 byte for byte without unknown keys', () => {
  const input = VECTOR_10_6.replace(',"bogus":"y"', '').replace(
    '"stackOrchestrator":"swarm",',
    '',
  );
  assert.equal(
    addBob(input),
    vector10_6Output(
      ['\t\t\t"httpProxy": "http://p:3128"'],
      ['\t"experimental": "enabled"'],
    ),
  );
});

test('renderConfig() matches Docker on case, nulls, sorting and escaping', () => {
  // Observed with docker login 28.2.2 (the login added "127.0.0.1:…").
  const input =
    '{"Auths":{"z":{"auth":"dTpw","Email":"e@x"},"é":{},' +
    '"\\ud83d\\ude00":{"identitytoken":"T"},"\\uffff":null,' +
    '"Z":{"username":"u","password":"p"}},"CREDSSTORE":"",' +
    '"credHelpers":{"b":"","a":"x"},"plugins":{"q":null,"p":{}},' +
    '"pruneFilters":[null,""],"proxies":{"n":null,"m":{"HTTPPROXY":"h",' +
    '"noProxy":"x\\u2028y"}},"HttpHeaders":{"U\u017fer-Agent":"k",' +
    '"a":"\\u0001\\t/<"},"psFormat":"","features":{}}';
  assert.equal(
    addBob(input, '127.0.0.1:5000'),
    lines(
      '{',
      '\t"auths": {',
      '\t\t"127.0.0.1:5000": {',
      '\t\t\t"auth": "Ym9iOnB3"',
      '\t\t},',
      '\t\t"Z": {',
      '\t\t\t"auth": "dTpw"',
      '\t\t},',
      '\t\t"z": {',
      '\t\t\t"auth": "dTpw",',
      '\t\t\t"email": "e@x"',
      '\t\t},',
      '\t\t"é": {},',
      '\t\t"\uffff": {},',
      '\t\t"😀": {',
      '\t\t\t"identitytoken": "T"',
      '\t\t}',
      '\t},',
      '\t"HttpHeaders": {',
      '\t\t"a": "\\u0001\\t/\\u003c"',
      '\t},',
      '\t"credHelpers": {',
      '\t\t"a": "x",',
      '\t\t"b": ""',
      '\t},',
      '\t"pruneFilters": [',
      '\t\t"",',
      '\t\t""',
      '\t],',
      '\t"proxies": {',
      '\t\t"m": {',
      '\t\t\t"httpProxy": "h",',
      '\t\t\t"noProxy": "x\\u2028y"',
      '\t\t},',
      '\t\t"n": {}',
      '\t},',
      '\t"plugins": {',
      '\t\t"p": {},',
      '\t\t"q": null',
      '\t}',
      '}',
    ),
  );
});

test('renderConfig() escapes keys and values as Go does', () => {
  const input = JSON.stringify({
    auths: { 'a<b>&c': { email: 'x\u2029y"\\\n\u007f' } },
  });
  assert.equal(
    render(input),
    lines(
      '{',
      '\t"auths": {',
      '\t\t"a\\u003cb\\u003e\\u0026c": {',
      '\t\t\t"email": "x\\u2029y\\"\\\\\\n\u007f"',
      '\t\t}',
      '\t}',
      '}',
    ),
  );
});

// --- new and empty files ----------------------------------------------------

const FRESH_WITH_BOB = lines(
  '{',
  '\t"auths": {',
  '\t\t"b.example": {',
  '\t\t\t"auth": "Ym9iOnB3"',
  '\t\t}',
  '\t}',
  '}',
);

for (const [name, text] of [
  ['empty', ''],
  ['whitespace only', ' \n'],
  ['null', 'null'],
  ['an empty object', '{}'],
  ['auths: null', '{"auths":null}'],
] as const) {
  test(`renderConfig() starts afresh from a file that is ${name}`, () => {
    assert.equal(addBob(text), FRESH_WITH_BOB);
  });
}

test('renderConfig() starts afresh for a missing file', () => {
  const change = { auths: new Map([['b.example', BOB]]) };
  assert.equal(renderConfig(emptyConfig(PATH), change), FRESH_WITH_BOB);
  assert.equal(renderConfig(emptyConfig(PATH)), '{\n\t"auths": {}\n}');
});

// --- what Docker loses and regcred keeps ------------------------------------

test('renderConfig() keeps unknown top-level keys in file order, numbers as written', () => {
  const input =
    '{"zeta":{"b":1.50,"a":[1e3,-0,true,null,{}],"b":"dup"},' +
    '"auths":{},"alpha":[],"Psformat":"x","empty":{}}';
  assert.equal(
    render(input),
    lines(
      '{',
      '\t"auths": {},',
      '\t"psFormat": "x",',
      '\t"zeta": {',
      '\t\t"b": 1.50,',
      '\t\t"a": [',
      '\t\t\t1e3,',
      '\t\t\t-0,',
      '\t\t\ttrue,',
      '\t\t\tnull,',
      '\t\t\t{}',
      '\t\t],',
      '\t\t"b": "dup"',
      '\t},',
      '\t"alpha": [],',
      '\t"empty": {}',
      '}',
    ),
  );
});

test('renderConfig() keeps unknown keys inside auths and proxies entries', () => {
  const input =
    '{"auths":{"a.example":{"x-expires":12,"Auth":"dTpw","note":{"k":"v"}}},' +
    '"proxies":{"p":{"bogus":"y","HttpsProxy":"s"}}}';
  assert.equal(
    render(input),
    lines(
      '{',
      '\t"auths": {',
      '\t\t"a.example": {',
      '\t\t\t"auth": "dTpw",',
      '\t\t\t"x-expires": 12,',
      '\t\t\t"note": {',
      '\t\t\t\t"k": "v"',
      '\t\t\t}',
      '\t\t}',
      '\t},',
      '\t"proxies": {',
      '\t\t"p": {',
      '\t\t\t"httpsProxy": "s",',
      '\t\t\t"bogus": "y"',
      '\t\t}',
      '\t}',
      '}',
    ),
  );
});

test('renderConfig() takes unknown entry keys from the entry Go decoded', () => {
  // the last "a" wins, and a null auths empties what came before
  const input =
    '{"auths":{"a":{"old":1},"gone":{"x":1}},"auths":null,' +
    '"AUTHS":{"a":{"auth":"dTpw","old":2}},"Auths":{"c":{}}}';
  assert.equal(
    render(input),
    lines(
      '{',
      '\t"auths": {',
      '\t\t"a": {',
      '\t\t\t"auth": "dTpw",',
      '\t\t\t"old": 2',
      '\t\t},',
      '\t\t"c": {}',
      '\t}',
      '}',
    ),
  );
});

for (const [name, entry] of [
  ['auth is not base64', '{"auth":"not base64!","email":"e"}'],
  ['auth has no colon', '{"auth":"dXNlcg==","x":1}'],
  ['auth has an empty user name', '{"auth":"OnB3"}'],
  ['the plain user name holds a colon', '{"username":"a:b","password":"p"}'],
  ['there is a password without a user name', '{"password":"p"}'],
  ['the password ends in NUL', '{"username":"u","password":"p\\u0000"}'],
  [
    'auth fields are duplicated',
    '{"auth":"dTpw","Auth":"bad","serveraddress":"s"}',
  ],
] as const) {
  test(`renderConfig() writes an entry back as it was when ${name}`, () => {
    const rendered = addBob(`{"auths":{"k":${entry}}}`, 'a.example');
    const kept = rendered.slice(
      rendered.indexOf('"k": ') + '"k": '.length,
      rendered.lastIndexOf('\n\t}'),
    );
    assert.deepEqual(JSON.parse(kept), JSON.parse(entry));
    assert.deepEqual(keysInOrder(kept), keysInOrder(entry));
    assert.match(rendered, /"a\.example": {\n\t\t\t"auth": "Ym9iOnB3"/);
  });
}

test('renderConfig() writes an undecodable entry back in its own layout', () => {
  const input = '{"auths":{"k":{"x":[],"auth":"%%%","auth":"dTpw!"}}}';
  assert.equal(
    render(input),
    lines(
      '{',
      '\t"auths": {',
      '\t\t"k": {',
      '\t\t\t"x": [],',
      '\t\t\t"auth": "%%%",',
      '\t\t\t"auth": "dTpw!"',
      '\t\t}',
      '\t}',
      '}',
    ),
  );
});

function keysInOrder(text: string): string[] {
  return [...text.matchAll(/"([^"]*)":/g)].map((match) => match[1] ?? '');
}

test('renderConfig() folds plain user name and password into auth', () => {
  const input = '{"auths":{"k":{"Username":"u","password":"p","email":"e"}}}';
  assert.equal(
    render(input),
    lines(
      '{',
      '\t"auths": {',
      '\t\t"k": {',
      '\t\t\t"auth": "dTpw",',
      '\t\t\t"email": "e"',
      '\t\t}',
      '\t}',
      '}',
    ),
  );
});

// --- changes ----------------------------------------------------------------

test('renderConfig() removes entries by exact key, case-sensitive', () => {
  const input = '{"auths":{"A.example":{"auth":"dTpw"},"a.example":{}}}';
  const change = { auths: new Map([['a.example', undefined]]) };
  assert.deepEqual(Object.keys(JSON.parse(render(input, change)).auths), [
    'A.example',
  ]);
  const missing = { auths: new Map([['nope', undefined]]) };
  assert.equal(render(input, missing), render(input));
});

test('renderConfig() writes a set entry as Docker writes a login', () => {
  const entry: RawAuthEntry = {
    username: 'alice',
    password: '',
    identitytoken: 'REFRESH',
    serveraddress: 'dropped',
    auth: 'replaced',
  };
  const rendered = render('{"auths":{"k":{"email":"old","x":1}}}', {
    auths: new Map([['k', entry]]),
  });
  assert.equal(
    rendered,
    lines(
      '{',
      '\t"auths": {',
      '\t\t"k": {',
      '\t\t\t"auth": "YWxpY2U6",',
      '\t\t\t"identitytoken": "REFRESH"',
      '\t\t}',
      '\t}',
      '}',
    ),
  );
  const raw = render('{}', {
    auths: new Map([['k', { auth: 'raw', registrytoken: 'RT' }]]),
  });
  assert.deepEqual(JSON.parse(raw).auths.k, {
    auth: 'raw',
    registrytoken: 'RT',
  });
  const stub = render('{}', { auths: new Map([['k', {}]]) });
  assert.equal(stub, '{\n\t"auths": {\n\t\t"k": {}\n\t}\n}');
});

test('renderConfig() refuses a set entry Docker could not read back', () => {
  for (const entry of [
    { username: 'a:b', password: 'p' },
    { username: '', password: 'p' },
  ]) {
    assert.throws(() => render('{}', { auths: new Map([['k', entry]]) }), {
      name: 'RangeError',
    });
  }
});

test('renderConfig() sets credsStore under its canonical name, in place', () => {
  const input = '{"CredsStore":"old","psFormat":"p","credHelpers":{"h":"x"}}';
  assert.equal(
    render(input, { credsStore: 'pass' }),
    lines(
      '{',
      '\t"auths": {},',
      '\t"psFormat": "p",',
      '\t"credsStore": "pass",',
      '\t"credHelpers": {',
      '\t\t"h": "x"',
      '\t}',
      '}',
    ),
  );
  assert.equal(render(input, { credsStore: '' }).includes('creds'), false);
});

// --- robustness -------------------------------------------------------------

test('renderConfig() is idempotent: its output renders to itself', () => {
  for (const text of [
    VECTOR_10_6,
    '{"auths":{"k":{"auth":"bad!","x":[1,{"y":null}]}},"u":1.0}',
    '{"auths":{"k":{"password":"p"}},"proxies":{"p":{"q":1}}}',
    '{"x":1,"x":2,"plugins":{"a":null},"pruneFilters":[null]}',
  ]) {
    const once = addBob(text);
    assert.equal(renderConfig(parseConfig(once, PATH)), once);
  }
});

test('renderConfig() writes an unknown value nested 9000 levels deep', () => {
  const depth = 9000;
  const input = `{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const rendered = render(input);
  assert.equal(rendered.split('\n').length, 2 * depth + 2);
  assert.ok(rendered.startsWith('{\n\t"auths": {},\n\t"deep": [\n\t\t[\n'));
  assert.ok(rendered.endsWith('\n\t\t]\n\t]\n}'));
});

test('renderConfig() refuses a spread copy that lost its document', () => {
  const config: ConfigFile = { ...parseConfig('{"x":1}', PATH) };
  assert.throws(() => renderConfig(config), { name: 'TypeError' });
  const copyOfEmpty = { ...parseConfig('{}', PATH) };
  assert.equal(renderConfig(copyOfEmpty), '{\n\t"auths": {}\n}');
});
