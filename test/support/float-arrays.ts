// Comparing float arrays in tests.

import assert from 'node:assert/strict';

/** Largest |a[i] − b[i]|; the arrays must have the same length. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
