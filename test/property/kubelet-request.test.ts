/**
 * Property tests of the kubelet's CredentialProviderRequest as the plugin
 * reads it from stdin (k8s/kubelet-request.ts).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_REQUEST_BYTES,
  parseCredentialProviderRequest,
  PROVIDER_API_V1,
  PROVIDER_API_V1BETA1,
  PROVIDER_API_VERSIONS,
  readCredentialProviderRequest,
  REQUEST_KIND,
  type RequestReading,
} from '../../src/k8s/kubelet-request.js';
import { jsonString } from './support/config-text.js';
import {
  assertShowable,
  checkAsyncProperty,
  checkProperty,
} from './support/fuzz.js';
import {
  anyBytes,
  anyText,
  jsonObjectText,
  mutated,
} from './support/generators.js';
import { validReference } from './support/references.js';

/** A service-account token, which no answer may quote. */
const TOKEN = 'eyJhbGciOi#sa-token-value';

const field = (name: string, values: fc.Arbitrary<string>) =>
  values.map((value): [string, string] => [name, value]);

/** Requests near what the kubelet writes: fields right, wrong, repeated. */
const requestObject = jsonObjectText(
  fc.array(
    fc.oneof(
      field(
        'kind',
        fc.oneof(
          fc.constant(JSON.stringify(REQUEST_KIND)),
          jsonString,
          fc.constantFrom('null', '1', '[]'),
        ),
      ),
      field(
        'apiVersion',
        fc.oneof(
          fc
            .constantFrom(PROVIDER_API_V1, PROVIDER_API_V1BETA1, 'v1', '')
            .map((version) => JSON.stringify(version)),
          jsonString,
        ),
      ),
      field(
        'image',
        fc.oneof(
          validReference.map((built) => JSON.stringify(built.text)),
          jsonString,
          fc.constantFrom('null', '" "', '{}'),
        ),
      ),
      field('serviceAccountToken', fc.constant(JSON.stringify(TOKEN))),
      field('serviceAccountAnnotations', fc.constantFrom('{}', '{"a":"b"}')),
      fc.tuple(anyText, jsonString),
    ),
    { maxLength: 6 },
  ),
);

const requests: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: anyBytes, weight: 2 },
  {
    arbitrary: fc
      .oneof(requestObject, mutated(requestObject))
      .map((text) => Buffer.from(text)),
    weight: 8,
  },
);

function assertWellFormed(reading: RequestReading): void {
  if (reading.ok) {
    const { apiVersion, image } = reading.request;
    assert.ok(PROVIDER_API_VERSIONS.includes(apiVersion));
    assert.notEqual(image.trim(), '');
    return;
  }
  assertShowable(reading.problem, /^\S.*\. Send \{"kind"/s);
  assert.ok(!reading.problem.includes(TOKEN), reading.problem);
}

test('any stdin gives a request or a clean reason, never the token', () => {
  checkProperty(requests, (bytes) => {
    assertWellFormed(parseCredentialProviderRequest(bytes));
  });
});

test('a request the kubelet writes reads back as written', () => {
  const request = fc.record({
    apiVersion: fc.constantFrom(...PROVIDER_API_VERSIONS),
    image: fc.oneof(
      validReference.map((built) => built.text),
      fc.string({ unit: 'binary', minLength: 1 }),
    ),
    serviceAccountToken: fc.constant(TOKEN),
  });
  checkProperty(request, (fields) => {
    const bytes = Buffer.from(
      JSON.stringify({ kind: REQUEST_KIND, ...fields }),
    );
    const reading = parseCredentialProviderRequest(bytes);
    if (fields.image.trim() === '') {
      assert.equal(reading.ok, false);
      return;
    }
    // a lone surrogate is written as an escape and read back as itself
    assert.deepEqual(reading, {
      ok: true,
      request: { apiVersion: fields.apiVersion, image: fields.image },
    });
  });
});

test('stdin read in any chunks reads as the whole', async () => {
  const chunked = fc.tuple(
    requests,
    fc.array(fc.nat(), { maxLength: 4 }),
    fc.boolean(),
  );
  await checkAsyncProperty(chunked, async ([bytes, cuts, asText]) => {
    const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))];
    points.sort((a, b) => a - b);
    const chunks = [0, ...points].map((start, index) =>
      bytes.subarray(start, points[index] ?? bytes.length),
    );
    // text chunks stand for a stream in string mode, valid UTF-8 only
    const valid = Buffer.from(bytes.toString('utf8')).equals(bytes);
    const input =
      asText && valid ? [bytes.toString('utf8')] : chunks.map(Buffer.from);
    const reading = await readCredentialProviderRequest(Readable.from(input));
    assert.deepEqual(reading, parseCredentialProviderRequest(bytes));
  });
});

test('stdin past the size limit is refused without parsing', async () => {
  const sizes = fc.integer({ min: 1, max: 4 * 1024 });
  await checkAsyncProperty(
    sizes,
    async (extra) => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const count = Math.ceil((MAX_REQUEST_BYTES + extra) / chunk.length);
      const input = Readable.from(Array.from({ length: count }, () => chunk));
      const reading = await readCredentialProviderRequest(input);
      assert.equal(reading.ok, false);
      assertWellFormed(reading);
      assert.match(reading.ok ? '' : reading.problem, /larger than/);
    },
    50,
  );
});
