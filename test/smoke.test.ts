import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRegistryAuthHeader, toDockerJson } from '../src/auth-config.js';

test('encodeRegistryAuthHeader() matches the vectors Docker sends', () => {
  assert.equal(encodeRegistryAuthHeader({}), 'e30=');
  assert.equal(
    encodeRegistryAuthHeader({
      username: 'u',
      password: 'p',
      serveraddress: 'e.example',
    }),
    'eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJzZXJ2ZXJhZGRyZXNzIjoiZS5leGFtcGxlIn0=',
  );
  assert.equal(
    toDockerJson({
      username: 'bob',
      password: 'p<a>&"ss',
      serveraddress: 'https://index.docker.io/v1/',
    }),
    '{"username":"bob","password":"p\\u003ca\\u003e\\u0026\\"ss","serveraddress":"https://index.docker.io/v1/"}',
  );
});
