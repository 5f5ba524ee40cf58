// quickselect against its reference twin (sort) on random arrays with duplicates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quickselect, selectBySort } from '../../../../decoder/search/quickselect.ts';
import { Rng, baseSeed } from '../../../support/random.ts';

test('quickselect returns the k-th smallest and partitions around it, as selectBySort', () => {
  for (let i = 0; i < 500; i++) {
    const seed = baseSeed() + i;
    const rng = new Rng(seed);
    const n = rng.int(1, 200);
    const a = new Float64Array(n + 5);
    const levels = rng.int(1, 30);
    for (let j = 0; j < a.length; j++) a[j] = rng.bool(0.5) ? rng.int(0, levels) : rng.next() * levels;
    const k = rng.int(0, n - 1);
    const want = selectBySort(a, n, k);
    const tail = a.slice(n);
    const got = quickselect(a, n, k);
    assert.equal(got, want, `seed ${seed}`);
    assert.equal(a[k], want, `seed ${seed}`);
    for (let j = 0; j < k; j++) assert.ok(a[j] <= want, `seed ${seed}`);
    for (let j = k + 1; j < n; j++) assert.ok(a[j] >= want, `seed ${seed}`);
    assert.deepEqual(a.slice(n), tail, 'elements past n untouched');
  }
});
