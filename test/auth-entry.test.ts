import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAuthField, encodeAuthField } from '../src/config/auth-entry.js';

// §10.4 and Docker 28.2.2 observations: `auth` value -> what Docker decodes.
const DECODES: [string, string, string, string][] = [
  ['a password keeps its colons', 'YTpiOmM=', 'a', 'b:c'],
  ['trailing NULs are stripped from the password', 'dTpwAAA=', 'u', 'p'],
  ['a newline inside is ignored', 'dTpw\n', 'u', 'p'],
  ['CR and LF anywhere are ignored', 'dT\r\npw', 'u', 'p'],
  ['line breaks after the padding are ignored', 'dTpwdw==\r\n\r\n', 'u', 'pw'],
  ['an empty password is allowed', 'dXNlcjo=', 'user', ''],
  ['non-zero leftover bits are accepted', 'dTpwdx==', 'u', 'pw'],
  ['the second = follows a line break', 'dTpwYQ=\n=', 'u', 'pa'],
  // "\0u:p\0": the user name keeps its NUL, the password loses it
  ['NULs are stripped from the password only', 'AHU6cAA=', '\0u', 'p'],
  ['a user name of NULs is not empty', 'AAA6cA==', '\0\0', 'p'],
  // Bytes that are not UTF-8 are kept, one lone surrogate (U+DC00 + byte)
  // each, as Go keeps them; Docker writes each as \ufffd.
  ['the alphabet includes + and /', 'dTpw/w==', 'u', 'p\uDCFF'],
  // "u:" + E2 82 41: each invalid byte kept, not the whole sequence
  ['invalid UTF-8 keeps each byte', 'dTrigkE=', 'u', '\uDCE2\uDC82A'],
  ['UTF-8 is decoded', 'w6k6w7w=', 'é', 'ü'],
];

for (const [name, auth, username, password] of DECODES) {
  test(`decodeAuthField() decodes when ${name}`, () => {
    assert.deepEqual(decodeAuthField(auth), { ok: true, username, password });
  });
}

// Docker 28.2.2 prints "illegal base64 data at input byte N" for these.
const BAD_BASE64: [string, string, number][] = [
  ['unpadded', 'dTpwdw', 4],
  ['short of padding', 'dTpwdw=', 7],
  ['over-padded', 'dTpwd===', 5],
  ['data after the padding', 'dTpwdw==dTpw', 8],
  ['URL-safe -', 'dTp-', 3],
  ['URL-safe _', 'dTp_', 3],
  ['a tab', 'dTpw\t', 4],
  ['a space inside', 'dTp w', 3],
  ['a leading space', ' dTpw', 0],
  ['only padding', '=', 0],
  ['a single symbol', 'dTpwd', 4],
  ['a padding quantum not followed by =', 'YQ=A', 2],
  ['a line break, then no second =', 'YQ=\nA', 3],
  ['a line break, then the end', 'dTpwYQ=\n', 8],
];

for (const [name, auth, offset] of BAD_BASE64) {
  test(`decodeAuthField() rejects base64 with ${name} as Docker does`, () => {
    const decoded = decodeAuthField(auth);
    assert.equal(decoded.ok, false);
    assert.match(
      decoded.ok ? '' : decoded.reason,
      new RegExp(`illegal base64 data at input byte ${offset}\\)$`),
    );
  });
}

const BAD_CONTENT: [string, string, RegExp][] = [
  ['has no colon', 'dXNlcg==', /no ':'/],
  ['has an empty user name', 'OnB3', /empty user name/],
  ['decodes to nothing', '\n', /no ':'/],
  ['is empty', '', /empty/],
];

for (const [name, auth, reason] of BAD_CONTENT) {
  test(`decodeAuthField() is not ok when the value ${name}`, () => {
    const decoded = decodeAuthField(auth);
    assert.equal(decoded.ok, false);
    assert.match(decoded.ok ? '' : decoded.reason, reason);
  });
}

test('decodeAuthField() never puts decoded text in its reason', () => {
  // "sekrit-user" without a colon, and ":sekrit-pass"
  const noColon = Buffer.from('sekrit-user').toString('base64');
  const noUser = Buffer.from(':sekrit-pass').toString('base64');
  for (const auth of [noColon, noUser, `${noColon}x`]) {
    const decoded = decodeAuthField(auth);
    assert.equal(decoded.ok, false);
    const reason = decoded.ok ? '' : decoded.reason;
    assert.doesNotMatch(reason, /sekrit/);
    assert.ok(!reason.includes(auth));
  }
});

test('encodeAuthField() writes padded standard base64 of user:password', () => {
  assert.equal(encodeAuthField('bob', 'pw'), 'Ym9iOnB3');
  assert.equal(encodeAuthField('alice', ''), 'YWxpY2U6');
  assert.equal(encodeAuthField('u', 'p'), 'dTpw');
  assert.equal(encodeAuthField('a', 'b:c'), 'YTpiOmM=');
});

test('encodeAuthField() returns an empty string when both are empty', () => {
  assert.equal(encodeAuthField('', ''), '');
});

test('encodeAuthField() refuses a user name with a colon', () => {
  assert.throws(() => encodeAuthField('a:b', 'c'), RangeError);
});

test('encodeAuthField() round-trips through decodeAuthField()', () => {
  for (const [username, password] of [
    ['alice', 's3cr:et'],
    ['ünï', 'pässwörd ✓'],
    ['u', ''],
  ] as const) {
    assert.deepEqual(decodeAuthField(encodeAuthField(username, password)), {
      ok: true,
      username,
      password,
    });
  }
});

test('encodeAuthField() gives back bytes that were not UTF-8', () => {
  const decoded = decodeAuthField('dTpw/w==');
  assert.ok(decoded.ok);
  assert.equal(encodeAuthField(decoded.username, decoded.password), 'dTpw/w==');
});
