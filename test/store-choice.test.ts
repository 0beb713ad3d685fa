import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseStore } from '../src/stores/store-choice.js';
import { mergeHelperAnswer } from '../src/stores/helper-store.js';

const HUB = 'https://index.docker.io/v1/';

function settings(
  helpers: Record<string, string>,
  credsStore = '',
  detected = false,
) {
  return {
    credHelpers: new Map(Object.entries(helpers)),
    credsStore,
    credsStoreDetected: detected,
  };
}

test('chooseStore() prefers credHelpers, matched exactly, over credsStore', () => {
  const s = settings({ 'gcr.io': 'gcloud', 'docker.io': 'hub' }, 'desktop');
  assert.deepEqual(chooseStore('gcr.io', s), {
    kind: 'helper',
    helper: 'gcloud',
    source: 'credHelpers',
  });
  // Hub lookups use the Hub key; a credHelpers key 'docker.io' is never used.
  assert.deepEqual(chooseStore(HUB, s), {
    kind: 'helper',
    helper: 'desktop',
    source: 'credsStore',
  });
});

test('chooseStore() sends a key with an empty credHelpers value to the file', () => {
  const s = settings({ 'x.example': '' }, 'desktop');
  assert.deepEqual(chooseStore('x.example', s), {
    kind: 'file',
    source: 'credHelpers',
  });
});

test('chooseStore() reports a detected default store as such', () => {
  const s = settings({}, 'pass', true);
  assert.deepEqual(chooseStore('x.example', s), {
    kind: 'helper',
    helper: 'pass',
    source: 'platform-default',
  });
  assert.deepEqual(chooseStore('x.example', settings({})), {
    kind: 'file',
    source: 'file',
  });
});

test('mergeHelperAnswer() keeps email and registrytoken from the file', () => {
  const file = {
    username: 'stale',
    password: 'stale-pw',
    email: 'a@b.example',
    registrytoken: 'RT',
    serveraddress: 'e.example',
  };
  assert.deepEqual(
    mergeHelperAnswer('e.example', file, { username: 'u', secret: 'p' }),
    {
      username: 'u',
      password: 'p',
      email: 'a@b.example',
      registrytoken: 'RT',
      serveraddress: 'e.example',
    },
  );
  assert.deepEqual(mergeHelperAnswer('e.example', file, undefined), {
    email: 'a@b.example',
    registrytoken: 'RT',
  });
});

test('mergeHelperAnswer() turns the <token> user into an identity token', () => {
  assert.deepEqual(
    mergeHelperAnswer('raw.example', undefined, {
      username: '<token>',
      secret: 'IDTOK',
    }),
    { serveraddress: 'raw.example', identitytoken: 'IDTOK' },
  );
});

test('mergeHelperAnswer() keeps the server address for an empty answer', () => {
  // Debian's docker-credential-pass 0.6.4 answers unknown hosts this way.
  assert.deepEqual(
    mergeHelperAnswer('h.example', undefined, { username: '', secret: '' }),
    {
      serveraddress: 'h.example',
    },
  );
});
