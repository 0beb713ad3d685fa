import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable, printableInline } from '../src/cli/output.js';

test('printable() shows escape sequences instead of acting on them', () => {
  assert.equal(printable('a\x1b]0;title\x07b\nc'), 'a\\x1b]0;title\\x07b\nc');
});

test('printableInline() keeps a value on its line', () => {
  assert.equal(
    printableInline('ev\x1b[2Kil\nFAKE ROW\r\tx'),
    'ev\\x1b[2Kil\\x0aFAKE ROW\\x0d\\x09x',
  );
});
