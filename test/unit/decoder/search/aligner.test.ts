// WordAligner: words timed by their characters whether labels come before, among or after them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WordAligner } from '../../../../decoder/search/aligner.ts';

const LENGTHS: Record<number, number> = { 1: 3, 2: 2, 3: -1 };
const lengthOf = (l: number) => LENGTHS[l] ?? -1;

/** Characters of "abc de" at frames 0-1, 3, 5, [space 7], 9, 10-11 (start, previous end). */
function chars(a: WordAligner, withSpace = true): void {
  a.addChar(0, -1, false);
  a.addChar(3, 1, false);
  a.addChar(5, 3, false);
  if (withSpace) a.addChar(7, 5, true);
  a.addChar(9, withSpace ? 7 : 5, false);
  a.addChar(10, 9, false);
}

for (const [name, order] of [
  ['labels first (pushed to the start)', 'before'],
  ['labels last (delayed by determinization)', 'after'],
] as const) {
  test(`word times come from characters: ${name}`, () => {
    const a = new WordAligner(lengthOf);
    if (order === 'before') {
      a.addWord(1, 0.9);
      a.addWord(2, 0.8);
    }
    chars(a);
    if (order === 'after') {
      a.addWord(1, 0.9);
      a.addWord(2, 0.8);
    }
    assert.equal(a.out.length, 1, 'the second word waits for its last character to end');
    a.flush(11);
    assert.deepEqual(a.out, [
      { label: 1, startFrame: 0, endFrame: 5, confidence: 0.9 },
      { label: 2, startFrame: 9, endFrame: 11, confidence: 0.8 },
    ]);
  });
}

test('a word of unknown spelling takes the characters up to the next space', () => {
  const a = new WordAligner(lengthOf);
  a.addWord(3, 1);
  a.addWord(2, 1);
  chars(a);
  a.flush(12);
  assert.deepEqual(a.out.map((w) => [w.startFrame, w.endFrame]), [[0, 5], [9, 12]]);
});

test('copies are independent; words left without characters are timed at the end', () => {
  const a = new WordAligner(lengthOf);
  a.addWord(1, 1);
  chars(a, false);
  const b = new WordAligner(lengthOf);
  b.copyFrom(a);
  b.addWord(2, 1);
  b.addWord(1, 0.5);
  b.flush(11);
  assert.deepEqual(b.out.map((w) => [w.label, w.startFrame, w.endFrame]), [[1, 0, 5], [2, 9, 11], [1, 11, 11]]);
  assert.equal(a.out.length, 1);
  assert.equal(a.pendingWords, 0);
  a.reset();
  assert.equal(a.out.length, 0);
});
