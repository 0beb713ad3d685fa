import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  challengesOf,
  parseChallenge,
  type Challenge,
} from '../src/registry/challenge.js';
import { encodeForm, queryEscape } from '../src/registry/form-encoding.js';
import { connectionFailure } from '../src/registry/network-errors.js';
import { quoteServerText } from '../src/registry/server-text.js';
import {
  readTokenGrant,
  readTokenRefusal,
} from '../src/registry/token-answer.js';

function challenge(
  scheme: string,
  parameters: Record<string, string> = {},
): Challenge {
  return { scheme, parameters: new Map(Object.entries(parameters)) };
}

/** [header line, challenge Docker's parser reads from it] */
const CHALLENGE_VECTORS: Array<[string, Challenge | undefined]> = [
  [
    'Basic realm="Registry Realm"',
    challenge('basic', { realm: 'Registry Realm' }),
  ],
  [
    'Bearer realm="https://auth.example/token",service="registry.example"',
    challenge('bearer', {
      realm: 'https://auth.example/token',
      service: 'registry.example',
    }),
  ],
  // scheme and keys lowercased, bare tokens, spaces after commas
  [
    'BEARER Realm=abc,  Service=svc',
    challenge('bearer', { realm: 'abc', service: 'svc' }),
  ],
  // a backslash keeps the next character
  ['Bearer realm="a\\"b\\\\c"', challenge('bearer', { realm: 'a"b\\c' })],
  // a bare token ends at a separator such as ':'
  [
    'Bearer realm=https://auth.example/token',
    challenge('bearer', { realm: 'https' }),
  ],
  // a space before '=' ends the parse
  ['Bearer realm = "x"', challenge('bearer')],
  // two challenges on one line: Docker keeps the first only
  ['Basic realm="a", Bearer realm="b"', challenge('basic', { realm: 'a' })],
  // the last of a repeated key wins
  ['Bearer realm="a",realm="b"', challenge('bearer', { realm: 'b' })],
  // an empty or unterminated value ends the parse
  ['Bearer service=s,realm=""', challenge('bearer', { service: 's' })],
  ['Bearer service=s,realm="open', challenge('bearer', { service: 's' })],
  ['Negotiate', challenge('negotiate')],
  [
    'Bearer realm="x",error="invalid_token",scope="repository:a/b:pull,push"',
    challenge('bearer', {
      realm: 'x',
      error: 'invalid_token',
      scope: 'repository:a/b:pull,push',
    }),
  ],
  // no scheme token at the start
  [' Bearer realm="x"', undefined],
  ['="x"', undefined],
  ['', undefined],
];

test('parseChallenge() reads header lines as Docker does', () => {
  for (const [line, expected] of CHALLENGE_VECTORS) {
    assert.deepEqual(parseChallenge(line), expected, line);
  }
});

test('challengesOf() reads one challenge per line, only from a 401', () => {
  const lines = ['Bearer realm="https://a/token"', 'Basic realm="r"', '(x)'];
  assert.deepEqual(challengesOf(401, lines), [
    challenge('bearer', { realm: 'https://a/token' }),
    challenge('basic', { realm: 'r' }),
  ]);
  assert.deepEqual(challengesOf(401, 'Basic realm="r"'), [
    challenge('basic', { realm: 'r' }),
  ]);
  assert.deepEqual(challengesOf(403, lines), []);
  assert.deepEqual(challengesOf(200, lines), []);
  assert.deepEqual(challengesOf(401, undefined), []);
});

test('encodeForm() sorts keys and escapes as Go does', () => {
  // the token query docker login sends, in Docker's order
  assert.equal(
    encodeForm([
      ['service', 'acceptance-registry'],
      ['offline_token', 'true'],
      ['client_id', 'docker'],
      ['account', 'alice'],
    ]),
    'account=alice&client_id=docker&offline_token=true&service=acceptance-registry',
  );
  // one key's values keep their order
  assert.equal(
    encodeForm([
      ['scope', 'b'],
      ['a', '1'],
      ['scope', 'a'],
    ]),
    'a=1&scope=b&scope=a',
  );
  assert.equal(queryEscape('a b+c~*é/:'), 'a+b%2Bc~%2A%C3%A9%2F%3A');
  assert.equal(queryEscape(''), '');
});

test('readTokenGrant() prefers access_token and keeps refresh_token', () => {
  const grant = (value: unknown, type = 'application/json') =>
    readTokenGrant(Buffer.from(JSON.stringify(value)), type);
  assert.deepEqual(grant({ token: 't' }), { token: 't' });
  assert.deepEqual(grant({ token: 't', access_token: 'a' }), { token: 'a' });
  assert.deepEqual(grant({ access_token: '', token: 't' }), { token: 't' });
  assert.deepEqual(grant({ token: 't', refresh_token: 'r', expires_in: 300 }), {
    token: 't',
    refreshToken: 'r',
  });
  // keys match without regard to case, as Go's decoder matches them
  assert.deepEqual(grant({ Token: 'T' }), { token: 'T' });
  assert.deepEqual(grant({ token: 't', refresh_token: '' }), { token: 't' });
});

test('readTokenGrant() names what is wrong with an answer', () => {
  const html = Buffer.from('<html><body>Sign in</body></html>');
  assert.deepEqual(readTokenGrant(html, 'text/html'), {
    kind: 'not-json',
    contentType: 'text/html',
  });
  assert.deepEqual(readTokenGrant(Buffer.from(''), 'none'), {
    kind: 'not-json',
    contentType: 'none',
  });
  assert.deepEqual(readTokenGrant(Buffer.from('[1]'), ''), {
    kind: 'not-object',
  });
  assert.deepEqual(readTokenGrant(Buffer.from('{}'), ''), { kind: 'no-token' });
  assert.deepEqual(readTokenGrant(Buffer.from('null'), ''), {
    kind: 'no-token',
  });
  assert.deepEqual(readTokenGrant(Buffer.from('{"token":5}'), ''), {
    kind: 'bad-field',
    field: 'token',
  });
});

test('readTokenRefusal() reads the forms token services refuse in', () => {
  const refusal = (
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) =>
    readTokenRefusal(
      status,
      headers,
      Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      ['hunter2'],
    );

  assert.deepEqual(refusal(401, { details: 'bad creds' }), {
    unauthorized: true,
    message: 'unauthorized: bad creds',
  });
  assert.deepEqual(
    refusal(401, {
      errors: [
        { code: 'UNAUTHORIZED', message: 'invalid username or password' },
      ],
    }),
    {
      unauthorized: true,
      message: 'unauthorized: invalid username or password',
    },
  );
  assert.deepEqual(refusal(401, 'not json'), {
    unauthorized: true,
    message: 'unauthorized: authentication required',
  });
  assert.deepEqual(
    refusal(403, { errors: [{ code: 'DENIED', message: 'no access' }] }),
    { unauthorized: false, message: 'denied: no access' },
  );
  assert.deepEqual(refusal(400, { error: 'invalid_grant' }), {
    unauthorized: true,
    message: 'invalid_grant',
  });
  assert.deepEqual(refusal(429, { details: 'slow down' }), {
    unauthorized: false,
    message: 'toomanyrequests: slow down',
  });
  assert.deepEqual(
    refusal(401, '', {
      'www-authenticate':
        'Bearer realm="x",error="invalid_token",error_description="token expired"',
    }),
    { unauthorized: true, message: 'unauthorized: token expired' },
  );
  assert.deepEqual(refusal(502, { details: 'x' }), {
    unauthorized: false,
    message: 'unexpected HTTP status 502',
  });
});

test('readTokenRefusal() masks a secret the server echoes', () => {
  const { message } = readTokenRefusal(
    401,
    {},
    Buffer.from(JSON.stringify({ details: 'wrong password hunter2 for bob' })),
    ['hunter2'],
  );
  assert.equal(message, 'unauthorized: wrong password [redacted] for bob');
});

test('quoteServerText() keeps text to one short line', () => {
  assert.equal(quoteServerText('a\r\nb\u0007c', []), 'a b c');
  const long = quoteServerText('x'.repeat(1000), []);
  assert.equal(long.length, 301);
  assert.equal(quoteServerText('token=abc.def', []), 'token=[redacted]');
});

test('connectionFailure() says why a request got no answer', () => {
  const url = 'https://reg.test:5000/v2/';
  const failure = (code: string, advice?: string) =>
    connectionFailure(
      Object.assign(new Error('low-level'), { code }),
      url,
      advice === undefined ? {} : { caAdvice: advice },
    );
  const dns = failure('ENOTFOUND');
  assert.equal(dns.code, 'ERR_REGISTRY_UNREACHABLE');
  assert.equal(
    dns.message,
    `Cannot reach ${url}: the host name reg.test cannot be resolved`,
  );
  assert.equal(dns.url, url);
  assert.match(failure('EAI_AGAIN').message, /cannot be resolved/);
  assert.match(failure('UND_ERR_CONNECT_TIMEOUT').message, /no answer in time/);
  assert.match(failure('ECONNRESET').message, /closed before an answer/);

  const untrusted = failure('SELF_SIGNED_CERT_IN_CHAIN', 'put the CA in X');
  assert.equal(untrusted.code, 'ERR_TLS');
  assert.match(untrusted.message, /unknown authority .*; put the CA in X$/);
  assert.match(
    failure('ERR_TLS_CERT_ALTNAME_INVALID').message,
    /not valid for reg\.test/,
  );
  // the code may sit on a cause or inside an AggregateError
  const nested = connectionFailure(
    new AggregateError([
      Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    ]),
    url,
  );
  assert.match(nested.message, /connection refused/);
});

test('quoteServerText() masks a password the server echoes in any spelling', () => {
  const password = 'good S3cr3t/PW&x';
  const echoed =
    `bad login: ${password} url=${encodeURIComponent(password)} ` +
    `form=${encodeURIComponent(password).replaceAll('%20', '+')} ` +
    `b64=${Buffer.from(password).toString('base64')}`;
  const quoted = quoteServerText(echoed, [password]);
  assert.ok(!quoted.includes('S3cr3t'), quoted);
  assert.ok(!quoted.includes(Buffer.from(password).toString('base64')));
});

test('quoteServerText() leaves a message alone for a one-letter password', () => {
  assert.equal(
    quoteServerText('unauthorized: invalid user', ['e']),
    'unauthorized: invalid user',
  );
});
