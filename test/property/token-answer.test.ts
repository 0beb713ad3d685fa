/**
 * Property tests of what a token service answers (`readTokenGrant`,
 * `readTokenRefusal`): any body, any header, and refusals that echo the
 * password back, which must never reach a message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { loginToRegistry } from '../../src/registry/login.js';
import {
  readTokenGrant,
  readTokenRefusal,
} from '../../src/registry/token-answer.js';
import { bearerRegistry } from '../support/http-registry.js';
import { startServer, type TestServer } from '../support/http-server.js';
import {
  assertShowable,
  assertTypedError,
  checkAsyncProperty,
  checkProperty,
} from './support/fuzz.js';
import { jsonString } from './support/config-text.js';
import {
  anyBytes,
  anyText,
  hostileText,
  jsonObjectText,
  mutated,
  trickyCharacter,
} from './support/generators.js';

const FIELD_NAMES = [
  'token',
  'access_token',
  'refresh_token',
  'Token',
  'ACCESS_TOKEN',
  'expires_in',
  'details',
  'errors',
  'error',
  'error_description',
];

const fieldValue = fc.oneof(
  jsonString,
  fc.constantFrom('null', '1', 'true', '[]', '{}', '""'),
  fc
    .array(
      jsonObjectText(
        fc.array(
          fc.tuple(fc.constantFrom('code', 'message', 'detail'), jsonString),
        ),
      ),
      { maxLength: 3 },
    )
    .map((entries) => `[${entries.join(',')}]`),
);

const answerObject = jsonObjectText(
  fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), fieldValue), {
    maxLength: 5,
  }),
);

const bodies: fc.Arbitrary<Buffer> = fc.oneof(
  anyBytes,
  fc
    .oneof(answerObject, mutated(answerObject))
    .map((text) => Buffer.from(text)),
);

test('any body gives a token or says why not, and never fails', () => {
  checkProperty(fc.tuple(bodies, anyText), ([body, contentType]) => {
    const grant = readTokenGrant(body, contentType);
    if ('token' in grant) {
      assert.equal(typeof grant.token, 'string');
      assert.notEqual(grant.token, '');
      assert.match(grant.token, /^[\x21-\x7e]+$/);
      return;
    }
    const kinds = [
      'not-json',
      'not-object',
      'bad-field',
      'no-token',
      'unsafe-token',
    ];
    assert.ok(kinds.includes(grant.kind), grant.kind);
  });
});

test('a grant holds the tokens the answer gave, access_token first', () => {
  const tokenText = fc.string({ unit: 'binary', maxLength: 40 });
  const fields = fc.record(
    {
      token: tokenText,
      access_token: tokenText,
      refresh_token: tokenText,
      expires_in: fc.nat(),
    },
    { requiredKeys: [] },
  );
  checkProperty(fields, (answer) => {
    const body = Buffer.from(JSON.stringify(answer));
    const grant = readTokenGrant(body, 'application/json');
    const token = answer.access_token || answer.token;
    if (!token) {
      assert.deepEqual(grant, { kind: 'no-token' });
      return;
    }
    if (!/^[\x21-\x7e]+$/.test(token)) {
      assert.deepEqual(grant, { kind: 'unsafe-token' });
      return;
    }
    const expected = answer.refresh_token
      ? { token, refreshToken: answer.refresh_token }
      : { token };
    assert.deepEqual(grant, expected);
  });
});

/**
 * A password: at least eight characters, one of them a `#` so that no
 * word regcred writes itself can hold it; maybe white space and control
 * characters inside.
 */
const password = fc
  .tuple(
    fc.string({
      unit: fc.oneof(
        fc.constantFrom(...'abcdefXYZ0123456789!$%&*+-./_~é'),
        fc.constantFrom(' ', '\t', '\u0001', '\u007f', '\u0085'),
      ),
      minLength: 7,
      maxLength: 20,
    }),
    fc.nat(),
  )
  .map(([text, at]) => {
    const cut = at % (text.length + 1);
    return `${text.slice(0, cut)}#${text.slice(cut)}`;
  });

/** The ways a careless server may echo a password. */
function echoes(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
  ];
}

/** A refusal whose words hold the password somewhere. */
function refusalEchoing(secrets: fc.Arbitrary<string>) {
  return fc
    .record({
      status: fc.oneof(
        fc.constantFrom(400, 401, 403, 404, 429),
        fc.integer({ min: 400, max: 599 }),
      ),
      secret: secrets,
      echo: fc.nat({ max: 2 }),
      before: fc.string({ unit: fc.oneof(trickyCharacter, fc.string()) }),
      after: fc.string({ unit: fc.oneof(trickyCharacter, fc.string()) }),
      shape: fc.nat({ max: 5 }),
    })
    .map(({ status, secret, echo, before, after, shape }) => {
      const words = `${before}${echoes(secret)[echo] ?? secret}${after}`;
      const quoted = JSON.stringify(words);
      const bodyShapes = [
        `{"details":${quoted}}`,
        `{"errors":[{"code":"DENIED","message":${quoted}}]}`,
        `{"errors":[{"code":${quoted}}]}`,
        `{"error":"invalid_grant","error_description":${quoted}}`,
        `{"error":${quoted}}`,
        '{}',
      ];
      const challenge =
        'Bearer error="invalid_token",error_description="' +
        `${words.replace(/["\\]/g, '\\$&')}"`;
      return {
        status,
        secret,
        body: Buffer.from(bodyShapes[shape] ?? '{}'),
        headers: { 'www-authenticate': shape === 5 ? challenge : undefined },
      };
    });
}

const echoingRefusal = refusalEchoing(password);

const anyRefusal = fc.record({
  status: fc.integer({ min: 400, max: 599 }),
  secret: password,
  body: bodies,
  headers: fc.record({
    'www-authenticate': fc.oneof(
      fc.constant(undefined),
      anyText,
      fc.array(anyText, { maxLength: 3 }),
    ),
  }),
});

function assertNoSecret(message: string, secret: string): void {
  // eslint-disable-next-line no-control-regex -- as the message shows them
  const shown = secret.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  // a password of mostly white space leaves too little to look for
  const forms =
    shown.replace(/\s/g, '').length >= 6 ? [secret, shown] : [secret];
  for (const form of forms) {
    assert.ok(!message.includes(form), `the password shows in ${message}`);
  }
}

test('a refusal is described in one clean line', () => {
  checkProperty(
    fc.oneof(anyRefusal, echoingRefusal),
    ({ status, secret, body, headers }) => {
      const refusal = readTokenRefusal(status, headers, body, [secret]);
      assertShowable(refusal.message, /\S/);
      assert.ok(!refusal.message.includes('\n'));
      if (status >= 500) {
        assert.equal(refusal.unauthorized, false);
        assert.equal(refusal.message, `unexpected HTTP status ${status}`);
      }
    },
  );
});

test('a refusal never shows the password, however it is echoed', () => {
  checkProperty(echoingRefusal, ({ status, secret, body, headers }) => {
    const refusal = readTokenRefusal(status, headers, body, [secret]);
    assertNoSecret(refusal.message, secret);
  });
});

test('long hostile words in a refusal are quoted quickly', () => {
  const hostile = fc.record({
    words: hostileText,
    shape: fc.nat({ max: 2 }),
    status: fc.constantFrom(400, 401, 403),
  });
  checkProperty(
    hostile,
    ({ words, shape, status }) => {
      const quoted = JSON.stringify(words);
      const body = [
        `{"details":${quoted}}`,
        `{"errors":[{"code":"DENIED","message":${quoted}}]}`,
        `{"error":"invalid_grant","error_description":${quoted}}`,
      ][shape];
      const refusal = readTokenRefusal(status, {}, Buffer.from(body ?? '{}'), [
        '#secret-1',
      ]);
      assertShowable(refusal.message, /\S/);
    },
    300,
  );
});

/*
 * The same answers from a token service on loopback, through a whole
 * login: fewer of them, as each is a few HTTP exchanges.
 */

const LOGINS = 200;

let certsDir: string;
let registry: TestServer;
let tokens: TestServer;

before(async () => {
  certsDir = mkdtempSync(join(tmpdir(), 'regcred-certs-'));
  tokens = await startServer(() => ({ status: 500 }));
  registry = await startServer(
    bearerRegistry({
      realm: `${tokens.url}/token`,
      service: 'svc',
      acceptedTokens: ['good'],
    }),
  );
});

after(async () => {
  await Promise.all([registry.close(), tokens.close()]);
  rmSync(certsDir, { recursive: true, force: true });
});

/** What Node lets a server send in a header: tab, ASCII and Latin-1. */
function sendable(text: string): string {
  return text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
}

const latin1 = fc
  .integer({ min: 0x80, max: 0xff })
  .map((code) => String.fromCharCode(code));

/** A C1 control as UTF-8 bytes, which the client decodes back to it. */
const utf8Control = fc
  .integer({ min: 0x80, max: 0x9f })
  .map((code) => Buffer.from(String.fromCharCode(code)).toString('latin1'));

const headerValue = fc
  .string({ unit: fc.oneof(latin1, utf8Control, trickyCharacter, fc.string()) })
  .map(sendable);

const tokenAnswer = fc.oneof(
  fc.record({
    status: fc.constantFrom(200, 200, 201, 400, 401, 403, 429, 500, 503),
    contentType: fc.oneof(fc.constant('application/json'), headerValue),
    challenge: fc.option(headerValue),
    body: bodies,
  }),
  // a header carries only Latin-1, which the client reads as UTF-8: a
  // password the server cannot echo exactly is left to the tests above
  refusalEchoing(
    password.map((secret) => secret.replace(/[^\t\x20-\x7e]/g, 'x')),
  ).map(({ status, secret, body, headers }) => ({
    status,
    contentType: 'application/json',
    challenge: sendable(headers['www-authenticate'] ?? '') || null,
    body,
    secret,
  })),
);

test(`${LOGINS} token service answers end in a login or a clean error`, async () => {
  await checkAsyncProperty(
    fc.tuple(tokenAnswer, password),
    async ([answer, generated]) => {
      const secret = 'secret' in answer ? answer.secret : generated;
      tokens.handle(() => ({
        status: answer.status,
        headers: {
          'content-type': answer.contentType,
          ...(answer.challenge === null
            ? {}
            : { 'www-authenticate': answer.challenge }),
        },
        body: answer.body,
      }));
      try {
        await loginToRegistry({
          serverKey: registry.host,
          username: 'alice',
          password: secret,
          env: {},
          certsDir,
        });
      } catch (error) {
        assertTypedError(
          error,
          ['ERR_LOGIN_UNAUTHORIZED', 'ERR_TOKEN_SERVICE', 'ERR_LOGIN_FAILED'],
          /\S/,
        );
        assertNoSecret(error.message, secret);
      }
    },
    LOGINS,
  );
});
