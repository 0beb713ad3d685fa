import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact } from '../src/redact.js';

test('redact() masks secrets in every shape they travel in', () => {
  const cases: [string, string][] = [
    ['Authorization: Bearer abc.def', 'Authorization: Bearer [redacted]'],
    ['Basic dXNlcjpwdw==', 'Basic [redacted]'],
    [
      '{"Secret":"hunter2","Username":"u"}',
      '{"Secret":"[redacted]","Username":"u"}',
    ],
    ['refresh_token=RT1&service=s', 'refresh_token=[redacted]&service=s'],
    ['failed: token=abc123 rejected', 'failed: token=[redacted] rejected'],
    ['password: hunter2', 'password: [redacted]'],
    ['https://bob:pw@reg.example/v2/', 'https://[redacted]@reg.example/v2/'],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input), expected);
});

test('redact() leaves ordinary text alone', () => {
  const text = "helper 'pass' get 'e.example': found in 41 ms";
  assert.equal(redact(text), text);
});

test('redact() leaves descriptions of secrets alone', () => {
  const text = 'username alice, password: set (redacted), token: none';
  assert.equal(redact(text), text);
});

test("redact() leaves regcred's own sentences about tokens readable", () => {
  const texts = [
    'refused by the token service http://127.0.0.1:5/token: unauthorized: ' +
      'invalid username or password',
    'the realm gave no usable token: the answer is not JSON',
    'its Bearer challenge names no realm; it asks for Basic auth',
  ];
  for (const text of texts) assert.equal(redact(text), text);
});

test('redact() still masks secret-looking values after a colon', () => {
  assert.equal(redact('token: abc123'), 'token: [redacted]');
  assert.equal(
    redact('secret: aVeryLongSecretWithOnlyLetters'),
    'secret: [redacted]',
  );
  assert.equal(redact('/token?token=abc'), '/token?token=[redacted]');
});
