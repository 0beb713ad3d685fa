/**
 * Property tests of image reference parsing (`parseImageReference`), the
 * boundary every `regcred get REF` and pull goes through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  credentialKeyForDomain,
  DOCKER_HUB_KEY,
  parseImageReference,
  type ImageReference,
} from '../../src/reference/image-reference.js';
import { checkProperty, resultOrTypedError } from './support/fuzz.js';
import { hostileText, textInputs } from './support/generators.js';
import {
  normalisedDomain,
  normalisedPath,
  validReference,
} from './support/references.js';

const NAMES_PROBLEM = /^Invalid image reference '.*': \S/s;

const references = textInputs(validReference.map((built) => built.text));

function parse(reference: string): ImageReference | undefined {
  return resultOrTypedError(
    () => parseImageReference(reference),
    ['ERR_INVALID_REFERENCE'],
    NAMES_PROBLEM,
  );
}

/** Writes a parsed reference back out in full. */
function render(parsed: ImageReference): string {
  return (
    (parsed.domain === '' ? '' : `${parsed.domain}/`) +
    parsed.path +
    (parsed.tag === undefined ? '' : `:${parsed.tag}`) +
    (parsed.digest === undefined ? '' : `@${parsed.digest}`)
  );
}

test('any text parses or fails with a typed error naming the problem', () => {
  checkProperty(references, (reference) => void parse(reference));
});

test('what parses has a lowercase path of at most 255 characters', () => {
  checkProperty(references, (reference) => {
    const parsed = parse(reference);
    if (parsed === undefined) return;
    assert.ok(parsed.path.length <= 255);
    assert.match(parsed.path, /^[a-z0-9]+(?:(?:[._]|__|-+|\/)[a-z0-9]+)*$/);
    assert.doesNotMatch(parsed.domain, /[/@\s]/);
  });
});

test('a parsed reference written out in full parses to the same', () => {
  checkProperty(references, (reference) => {
    const parsed = parse(reference);
    if (parsed === undefined) return;
    assert.deepEqual(parseImageReference(render(parsed)), parsed);
  });
});

test('every reference built from the grammar parses into its parts', () => {
  checkProperty(validReference, (built) => {
    const parsed = parseImageReference(built.text);
    const expected: ImageReference = {
      domain: normalisedDomain(built),
      path: normalisedPath(built),
    };
    if (built.tag !== undefined) expected.tag = built.tag;
    if (built.digest !== undefined) expected.digest = built.digest;
    assert.deepEqual(parsed, expected);
  });
});

test('the credential key is the Hub key or the domain as written', () => {
  checkProperty(validReference, (built) => {
    const { domain } = parseImageReference(built.text);
    const key = credentialKeyForDomain(domain);
    const isHub = domain === 'docker.io';
    assert.equal(key, isHub ? DOCKER_HUB_KEY : domain);
  });
});

test('long hostile references fail quickly', () => {
  const unit = fc.constantFrom('a-', 'a_', 'a.', 'a/', 'a__', 'A', ':', '@');
  const hostile = fc
    .tuple(unit, fc.integer({ min: 1_000, max: 60_000 }), fc.string())
    .map(([piece, count, tail]) => piece.repeat(count) + tail);
  checkProperty(
    fc.oneof(hostile, hostileText),
    (reference) => void parse(reference),
    300,
  );
});
