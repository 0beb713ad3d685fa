/**
 * Property tests of reading a credential helper's answer
 * (stores/helper-reply.ts): whatever a `docker-credential-*` program
 * prints, and however it exits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { goCompactObject } from '../../src/internal/go-json.js';
import type { HelperCall } from '../../src/stores/helper-process.js';
import {
  exitError,
  HELPER_NOT_FOUND_MESSAGE,
  isNotFoundAnswer,
  readCredentials,
  readListing,
} from '../../src/stores/helper-reply.js';
import { jsonString } from './support/config-text.js';
import {
  assertNoControlCharacters,
  assertShowable,
  assertTypedError,
  checkProperty,
} from './support/fuzz.js';
import {
  anyText,
  hostileText,
  jsonObjectText,
  jsonText,
  textInputs,
  trickyCharacter,
} from './support/generators.js';

const NAMES_PROBLEM = /^Credential helper 'docker-credential-\S+' failed to /;

const call = (serverAddress: string, secret?: string): HelperCall => ({
  helper: 'fake',
  action: 'get',
  serverAddress,
  input: serverAddress,
  ...(secret === undefined ? {} : { secret }),
});

/** Answers shaped like `get` and `list` answers, fields in any case. */
const answerObject = jsonObjectText(
  fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'ServerURL',
          'Username',
          'Secret',
          'secret',
          'USERNAME',
        ),
        anyText,
      ),
      fc.oneof(jsonString, fc.constantFrom('null', '1', '{}', '[]', 'true')),
    ),
    { maxLength: 5 },
  ),
);

const stdouts = textInputs(
  fc.oneof(
    answerObject,
    jsonText,
    fc.tuple(answerObject, anyText).map(([json, tail]) => json + tail),
  ),
);

/** Lone surrogates as Go's JSON writer gives them back: U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  );
}

test('any get answer gives credentials or a typed error', () => {
  checkProperty(stdouts, (stdout) => {
    try {
      const credentials = readCredentials(call('r.example'), stdout);
      assert.equal(typeof credentials.username, 'string');
      assert.equal(typeof credentials.secret, 'string');
    } catch (error) {
      assertTypedError(error, ['ERR_HELPER_OUTPUT'], NAMES_PROBLEM);
    }
  });
});

test('any list answer gives a listing or a typed error', () => {
  checkProperty(stdouts, (stdout) => {
    try {
      for (const [server, user] of readListing(call(''), stdout)) {
        assert.equal(typeof server, 'string');
        assert.equal(typeof user, 'string');
      }
    } catch (error) {
      assertTypedError(error, ['ERR_HELPER_OUTPUT'], NAMES_PROBLEM);
    }
  });
});

test('credentials written as Go writes them read back, tail ignored', () => {
  const text = fc.string({ unit: 'binary', maxLength: 30 });
  const tail = fc.oneof(fc.constant(''), fc.constant('\n'), anyText);
  checkProperty(
    fc.tuple(text, text, text, tail),
    ([server, username, secret, after]) => {
      const answer = goCompactObject(
        [
          ['ServerURL', server],
          ['Username', username],
          ['Secret', secret],
        ],
        false,
      );
      assert.deepEqual(readCredentials(call(server), answer + after), {
        username: wellFormed(username),
        secret: wellFormed(secret),
      });
    },
  );
});

test('a listing written as Go writes it reads back', () => {
  const entries = fc.array(
    fc.tuple(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    ),
    { maxLength: 6 },
  );
  checkProperty(entries, (pairs) => {
    const expected = new Map(
      pairs.map(([server, user]) => [wellFormed(server), wellFormed(user)]),
    );
    assert.deepEqual(
      readListing(call(''), goCompactObject(pairs, false)),
      expected,
    );
  });
});

const GO_SPACES = ['\t', '\n', '\u000b', '\f', '\r', ' ', '\u0085', '\u00a0'];

test('only the not-found text, trimmed as Go trims, means not found', () => {
  const padding = fc.string({ unit: fc.constantFrom(...GO_SPACES) });
  const padded = fc
    .tuple(padding, padding)
    .map(([before, after]) => before + HELPER_NOT_FOUND_MESSAGE + after);
  const stdout = fc.oneof(padded, textInputs(padded));
  checkProperty(stdout, (text) => {
    const exit = { status: 1, signal: null, stdout: text, stderr: '' };
    // Go's unicode.IsSpace is Unicode's White_Space property
    const core = text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
    const expected = core === HELPER_NOT_FOUND_MESSAGE;
    assert.equal(isNotFoundAnswer(exit), expected, JSON.stringify(text));
  });
});

/** A secret sent to a helper, with a `#` no fixed text holds. */
const secret = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(...'abcXYZ0123456789!$%&*+-./_~é'),
      trickyCharacter,
    ),
    minLength: 7,
    maxLength: 30,
  })
  .map((text) => `#${text}`);

const failedExit = fc.record({
  server: fc.oneof(fc.constant('r.example'), anyText),
  secret,
  status: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 255 })),
  signal: fc.constantFrom(null, 'SIGKILL' as const),
  stdout: anyText,
  stderr: anyText,
  echo: fc.constantFrom('none', 'stdout', 'stderr', 'both'),
});

test('a failed helper is described in one clean line, secret masked', () => {
  checkProperty(failedExit, (exit) => {
    const stdout = ['stdout', 'both'].includes(exit.echo)
      ? `${exit.stdout}${exit.secret}${exit.stdout}`
      : exit.stdout;
    const stderr = ['stderr', 'both'].includes(exit.echo)
      ? `error: ${exit.secret}`
      : exit.stderr;
    const error = exitError(call(exit.server, exit.secret), {
      status: exit.status,
      signal: exit.status === null ? exit.signal : null,
      stdout,
      stderr,
    });
    assertTypedError(error, ['ERR_HELPER_FAILED'], NAMES_PROBLEM);
    assertShowable(error.detail, /\S/);
    assert.ok(!error.message.includes(exit.secret), error.message);
    assertNoControlCharacters(error.message);
  });
});

test('long hostile output of a failed helper is quoted quickly', () => {
  const outputs = fc.tuple(hostileText, fc.boolean());
  checkProperty(
    outputs,
    ([text, onStdout]) => {
      const error = exitError(call('r.example', '#secret-1'), {
        status: 1,
        signal: null,
        stdout: onStdout ? text : '',
        stderr: onStdout ? '' : text,
      });
      assertShowable(error.message, NAMES_PROBLEM);
    },
    300,
  );
});
