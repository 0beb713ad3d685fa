import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerCache } from '../src/stores/answer-cache.js';

test('AnswerCache.get() shares one load between concurrent callers', async () => {
  const cache = new AnswerCache(1000);
  let loads = 0;
  const load = async () => {
    loads++;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return 'answer';
  };
  const answers = await Promise.all([1, 2, 3].map(() => cache.get('k', load)));
  assert.deepEqual(answers, ['answer', 'answer', 'answer']);
  assert.equal(loads, 1);
});

test('AnswerCache.get() reloads after the time to live', async () => {
  let now = 0;
  const cache = new AnswerCache(100, () => now);
  let loads = 0;
  const load = async () => ++loads;
  assert.equal(await cache.get('k', load), 1);
  now = 50;
  assert.equal(await cache.get('k', load), 1);
  now = 200;
  assert.equal(await cache.get('k', load), 2);
});

test('AnswerCache.get() remembers failures for the time to live', async () => {
  const cache = new AnswerCache(Infinity);
  let loads = 0;
  const load = async () => {
    loads++;
    throw new Error('helper timed out');
  };
  await assert.rejects(cache.get('k', load));
  await assert.rejects(cache.get('k', load));
  assert.equal(loads, 1);
});

test('AnswerCache.get() with no time to live only shares calls in flight', async () => {
  const cache = new AnswerCache(0);
  let loads = 0;
  const load = async () => ++loads;
  await cache.get('k', load);
  await cache.get('k', load);
  assert.equal(loads, 2);
});
