import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerAuthConfig } from '../src/config/docker-auth-config.js';

function reasonOf(value: string): string {
  const result = parseDockerAuthConfig(value);
  assert.equal(result.ok, false, `expected ${value} to be refused`);
  return result.ok ? '' : result.reason;
}

function authsOf(value: string): Record<string, unknown> {
  const result = parseDockerAuthConfig(value);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return Object.fromEntries(result.auths);
}

test('parseDockerAuthConfig() decodes the §10.10 example', () => {
  const value =
    '{"auths":{"env.example.test":{"auth":"ZW52X3VzZXI6ZW52X3Bhc3M="}}}';
  assert.deepEqual(authsOf(value), {
    'env.example.test': { username: 'env_user', password: 'env_pass' },
  });
});

test('parseDockerAuthConfig() decodes auth as config.json does', () => {
  const value = '{"auths":{"a":{"auth":"YTpiOmM="},"b":{"auth":"dTpwAAA="}}}';
  assert.deepEqual(authsOf(value), {
    a: { username: 'a', password: 'b:c' },
    b: { username: 'u', password: 'p' },
  });
});

test('parseDockerAuthConfig() matches field names case-insensitively', () => {
  assert.deepEqual(authsOf('{"AUTHS":{"x":{"Auth":"dTpw"}}}'), {
    x: { username: 'u', password: 'p' },
  });
});

test('parseDockerAuthConfig() refuses username, naming the field', () => {
  const reason = reasonOf('{"auths":{"x":{"username":"u","password":"p"}}}');
  assert.match(reason, /field "username" in auths\["x"\] is not allowed/);
});

test('parseDockerAuthConfig() refuses unknown top-level fields', () => {
  assert.match(reasonOf('{"credsStore":"desktop"}'), /"credsStore" at the top/);
  assert.match(reasonOf('{"auths":{},"email":"a@b"}'), /"email"/);
});

test('parseDockerAuthConfig() does not name an unknown key it does not know', () => {
  const reason = reasonOf('{"auths":{"x":{"c2VrcmV0LXRva2Vu":"1"}}}');
  assert.match(reason, /a field in auths\["x"\] is not allowed/);
  assert.doesNotMatch(reason, /c2VrcmV0/);
});

test('parseDockerAuthConfig() requires a non-empty auth in each entry', () => {
  for (const entry of ['{"auth":""}', '{}', 'null']) {
    const reason = reasonOf(`{"auths":{"x":${entry}}}`);
    assert.match(reason, /entry for 'x' has no 'auth'/);
  }
});

test('parseDockerAuthConfig() refuses an auth Docker cannot decode', () => {
  assert.match(reasonOf('{"auths":{"x":{"auth":"dXNlcg=="}}}'), /no ':'/);
  assert.match(reasonOf('{"auths":{"x":{"auth":"dTpwdw"}}}'), /base64/);
});

test('parseDockerAuthConfig() refuses a second JSON value', () => {
  const reason = reasonOf('{"auths":{"x":{"auth":"dTpw"}}}{}');
  assert.match(reason, /more than one JSON value/);
  assert.match(reasonOf('{"auths":{}} x'), /more than one/);
});

test('parseDockerAuthConfig() accepts a stray closing bracket as Go does', () => {
  // Go's Decoder.More() is false before '}' or ']'
  assert.deepEqual(authsOf('{"auths":{"x":{"auth":"dTpw"}}} }'), {
    x: { username: 'u', password: 'p' },
  });
  assert.deepEqual(authsOf('{"auths":{}}]'), {});
});

test('parseDockerAuthConfig() gives no entries for whitespace or null', () => {
  assert.deepEqual(authsOf('  '), {});
  assert.deepEqual(authsOf('null'), {});
  assert.deepEqual(authsOf('{"auths":null}'), {});
});

test('parseDockerAuthConfig() refuses values of the wrong type', () => {
  assert.match(reasonOf('{"auths":[]}'), /auths must be an object/);
  assert.match(reasonOf('[]'), /top-level value must be an object/);
  assert.match(
    reasonOf('{"auths":{"x":{"auth":1}}}'),
    /auths\["x"\]\.auth must be a string, found a number/,
  );
});

test('parseDockerAuthConfig() refuses JSON syntax errors with a position', () => {
  const reason = reasonOf('{"auths":{"x":{"auth":"dTpw"}');
  assert.match(reason, /not valid JSON at line 1, column 30/);
  assert.match(reason, /unexpected end of input/);
});

test('parseDockerAuthConfig() never repeats the value or its secrets', () => {
  const secret = Buffer.from('user:TOPSECRET').toString('base64');
  const values = [
    `{"auths":{"x":{"auth":"${secret}","password":"TOPSECRET"}}}`,
    `{"auths":{"x":{"auth":"${secret}"}}}{"x":1}`,
    `{"auths":{"x":{"auth":"${secret}\\q"}}}`,
    `{"auths":{"x":{"auth":"${secret}"}, TOPSECRET}}`,
    `{"auths":{"x":{"auth":"${secret.slice(0, -1)}"}}}`,
  ];
  for (const value of values) {
    const reason = reasonOf(value);
    assert.doesNotMatch(reason, /TOPSECRET/);
    assert.ok(!reason.includes(secret.slice(0, 8)), reason);
  }
});
