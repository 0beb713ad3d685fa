/**
 * Property tests of what the agent reads from its clients: the body of a
 * `get` (agent/request-body.ts), the allow-list match (agent/policy.ts),
 * and, with fewer inputs, whole requests sent as raw bytes to an agent on
 * a unix socket in a temp dir.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { AllowList } from '../../src/agent/policy.js';
import { goTrimSpace } from '../../src/internal/go-strings.js';
import { readBody } from '../../src/agent/request-body.js';
import { startAgent, type RunningAgent } from '../../src/agent/server.js';
import { loginServerKey } from '../../src/reference/server-address.js';
import { makeSandbox, type Sandbox } from '../support/cli.js';
import {
  assertNoControlCharacters,
  assertShowable,
  checkAsyncProperty,
  checkProperty,
  resultOrTypedError,
} from './support/fuzz.js';
import {
  anyBytes,
  anyText,
  mutated,
  textInputs,
  trickyCharacter,
} from './support/generators.js';

const MAX_BODY = 64;

/** A request stand-in: the body in chunks, and its Content-Length. */
function fakeRequest(chunks: Buffer[], declared?: string): IncomingMessage {
  const stream = Readable.from(chunks, { objectMode: false });
  const headers = declared === undefined ? {} : { 'content-length': declared };
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

const serverUrls = fc.oneof(
  fc.constantFrom('allowed.example', 'https://allowed.example/v2/', ''),
  fc.string({ unit: fc.oneof(trickyCharacter, fc.string()), maxLength: 40 }),
);

const bodies = fc.oneof(
  anyBytes,
  textInputs(serverUrls).map((text) => Buffer.from(text)),
  fc.nat({ max: 200 }).map((size) => Buffer.alloc(size, 'a')),
);

test('a get body gives a clean server URL, or says why not', async () => {
  const input = fc.record({
    body: bodies,
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
    declared: fc.oneof(
      fc.constant(undefined),
      fc.constant('exact'),
      fc.constantFrom('0', '-1', 'abc', '1e9', ' 5'),
    ),
  });
  await checkAsyncProperty(input, async ({ body, cuts, declared }) => {
    const points = [...new Set(cuts.map((cut) => cut % (body.length + 1)))];
    points.sort((a, b) => a - b);
    const chunks = [0, ...points]
      .map((start, index) => body.subarray(start, points[index] ?? body.length))
      .filter((chunk) => chunk.length > 0);
    const length = declared === 'exact' ? String(body.length) : declared;
    const reading = await readBody(fakeRequest(chunks, length), MAX_BODY);

    const declaredTooLarge = Number(length ?? 0) > MAX_BODY;
    if (body.length > MAX_BODY || declaredTooLarge) {
      assert.equal(reading.kind, 'too-large');
      return;
    }
    if (reading.kind === 'invalid') {
      assertShowable(reading.reason, /^The (request body|server URL) /);
      return;
    }
    assert.equal(reading.kind, 'text');
    // trimmed as a helper trims its stdin: Go's TrimSpace
    const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const decoded = utf8.decode(body);
    const text = goTrimSpace(decoded);
    assert.equal(reading.text, text);
    assert.notEqual(reading.text, '');
    // eslint-disable-next-line no-control-regex -- C0 and DEL are refused
    assert.doesNotMatch(reading.text, /[\u0000-\u001f\u007f]/);
  });
});

const registries = textInputs(
  fc.constantFrom(
    'ghcr.io',
    'https://ghcr.io/v2/',
    'localhost:5000',
    '[::1]:5000',
    'docker.io',
    'Registry.Example',
  ),
);

test('an allow-list is built, or refused with a typed error', () => {
  const lists = fc.array(registries, { maxLength: 4 });
  checkProperty(lists, (list) => {
    const allowList = resultOrTypedError(
      () => new AllowList(list),
      ['ERR_USAGE', 'ERR_INVALID_ADDRESS'],
      /\S/,
    );
    if (allowList === undefined) return;
    assert.ok(allowList.keys.length > 0);
    for (const key of allowList.keys) assertNoControlCharacters(key);
  });
});

test('a server URL matches the registry it names, in any ASCII case', () => {
  const input = fc.tuple(
    fc.array(registries, { minLength: 1, maxLength: 3 }),
    fc.oneof(serverUrls, registries, mutated(serverUrls)),
  );
  checkProperty(input, ([list, serverUrl]) => {
    let allowList: AllowList;
    try {
      allowList = new AllowList(list);
    } catch {
      return;
    }
    const { key, allowed } = allowList.match(serverUrl);
    assert.equal(key, loginServerKey(serverUrl));
    const folded = (text: string) =>
      text.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const expected =
      key !== '' && allowList.keys.some((one) => folded(one) === folded(key));
    assert.equal(allowed, expected);
    for (const one of allowList.keys) {
      // `docker.io` alone means the Hub key, as in `docker login`; the
      // key `docker.io` (from `https://docker.io`) is asked for as a URL
      if (one === 'docker.io') continue;
      assert.ok(allowList.match(one).allowed, one);
      // a URL in capitals is a host to Docker, not the Hub key
      if (!one.includes('://')) {
        const upper = one.replace(/[a-z]/g, (c) => c.toUpperCase());
        assert.ok(allowList.match(upper).allowed, one);
      }
    }
  });
});

/*
 * Whole requests against a running agent: fewer of them, as each one is a
 * connection. Every answer must be one well-formed HTTP response (or the
 * connection closed without one), promptly, and the agent must go on
 * serving.
 */

const RAW_REQUESTS = 300;
const ANSWER_TIME_LIMIT_MS = 8_000;
const BATCH_TIME_LIMIT_MS = 2 * ANSWER_TIME_LIMIT_MS;

let box: Sandbox;
let agent: RunningAgent;
const auditLines: string[] = [];

before(async () => {
  box = makeSandbox();
  const auth = Buffer.from('ann:pw-allowed').toString('base64');
  box.writeConfig({ auths: { 'allowed.example': { auth } } });
  agent = await startAgent({
    allow: ['allowed.example', 'docker.io'],
    socketPath: join(box.dir, 'agent.sock'),
    env: box.env,
    audit: (line) => auditLines.push(line),
    helperTimeoutMs: 1_000,
    graceMs: 100,
  });
});

after(async () => {
  await agent.close();
  box.cleanup();
});

const method = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'),
  fc.string({ unit: fc.constantFrom(...'GETPOSgetpos!-'), maxLength: 8 }),
);

const path = fc.oneof(
  fc.constantFrom('/v1/get', '/v1/list', '/v1/ping', '/v1/store', '/v1/erase'),
  fc.constantFrom('*', '/', '/v1/get?x=1', '/V1/GET', '//v1/get'),
  fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((p) => `/${p}`),
  fc.string({ unit: 'binary', maxLength: 10 }).map((p) => `/v1/${p}`),
  fc.nat({ max: 9_000 }).map((size) => `/${'a'.repeat(size)}`),
);

const header = fc.oneof(
  fc.constantFrom(
    'Host: x',
    'Transfer-Encoding: chunked',
    'Content-Length: 99999999',
    'Content-Length: -1',
    'Content-Length: 3, 4',
    'Connection: keep-alive',
    'Expect: 100-continue',
  ),
  fc.tuple(anyText, anyText).map(([name, value]) => `${name}: ${value}`),
);

/** A request as bytes: well formed, spoilt, or noise. */
const rawRequest: fc.Arbitrary<Buffer> = fc.oneof(
  {
    arbitrary: fc
      .record({
        method,
        path,
        headers: fc.array(header, { maxLength: 3 }),
        body: fc.oneof(
          serverUrls.map((text) => Buffer.from(text)),
          anyBytes,
          fc.nat({ max: 6_000 }).map((size) => Buffer.alloc(size, 'b')),
        ),
        declareLength: fc.boolean(),
      })
      .map(({ method: verb, path: target, headers, body, declareLength }) => {
        const lines = [`${verb} ${target} HTTP/1.1`, ...headers];
        if (declareLength) lines.push(`Content-Length: ${body.length}`);
        const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
        return Buffer.concat([head, body]);
      }),
    weight: 4,
  },
  { arbitrary: anyBytes, weight: 1 },
);

/** Sends bytes, half-closes, and collects everything until the close. */
function exchange(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(agent.socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_TIME_LIMIT_MS} ms`));
    }, ANSWER_TIME_LIMIT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.end(bytes);
  });
}

const CONTINUE_REGEXP = /^HTTP\/1\.1 100 Continue\r\n\r\n/;
const STATUS_LINE_REGEXP = /^HTTP\/1\.1 (\d{3}) [^\r\n]*\r\n/;
const STATUSES = [200, 400, 403, 404, 405, 408, 413, 431, 500, 503, 504];

function checkAnswer(answer: Buffer): void {
  if (answer.length === 0) return;
  // Node answers `Expect: 100-continue` by itself, before the answer
  // (garbage sent after a request closes the connection, maybe first)
  const text = answer.toString('utf8').replace(CONTINUE_REGEXP, '');
  if (text === '') return;
  const status = STATUS_LINE_REGEXP.exec(text);
  assert.ok(status, `not an HTTP answer: ${JSON.stringify(text)}`);
  assert.ok(STATUSES.includes(Number(status[1])), status[0]);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  assertNoControlCharacters(body.replace(/\n$/, ''));
}

test(`${RAW_REQUESTS} raw requests each get one clean answer`, async () => {
  const started = auditLines.length;
  await checkAsyncProperty(
    fc.array(rawRequest, { minLength: 1, maxLength: 4 }),
    async (batch) => {
      // a few at once, as clients would
      const answers = await Promise.all(batch.map(exchange));
      answers.forEach(checkAnswer);
    },
    Math.ceil(RAW_REQUESTS / 2.5),
    BATCH_TIME_LIMIT_MS,
  );
  for (const line of auditLines.slice(started)) {
    assertNoControlCharacters(line);
    assert.match(line, /^\S+ \S+ \S+ registry=\S+ outcome=\w+ status=\d+/);
  }

  const ping = await exchange(
    Buffer.from('GET /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n'),
  );
  assert.match(ping.toString('utf8'), /^HTTP\/1\.1 200 .*regcred-agent 1\n$/s);
});
