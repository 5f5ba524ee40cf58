// WER / CER: edit counts on known cases, normalisation, corpus totals, and agreement with a plain Levenshtein.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorRateAccumulator, alignCounts, charErrors, errorRate, normalizeTranscript, wordErrors } from '../../../engine/wer.ts';
import { Rng, baseSeed } from '../../support/random.ts';

/** The textbook full-matrix Levenshtein distance (the reference twin of alignCounts' total). */
function levenshtein<T>(a: readonly T[], b: readonly T[]): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

test('known alignments: substitutions, deletions, insertions', () => {
  assert.deepEqual(wordErrors('the cat sat', 'the cat sat'), { substitutions: 0, deletions: 0, insertions: 0, hits: 3, refLength: 3 });
  assert.deepEqual(wordErrors('the cat sat', 'the bat sat'), { substitutions: 1, deletions: 0, insertions: 0, hits: 2, refLength: 3 });
  assert.deepEqual(wordErrors('the cat sat', 'the sat'), { substitutions: 0, deletions: 1, insertions: 0, hits: 2, refLength: 3 });
  assert.deepEqual(wordErrors('the cat sat', 'the fat cat sat down'), { substitutions: 0, deletions: 0, insertions: 2, hits: 3, refLength: 3 });
  assert.deepEqual(wordErrors('a b', 'c'), { substitutions: 1, deletions: 1, insertions: 0, hits: 0, refLength: 2 });
  assert.deepEqual(wordErrors('', 'x y'), { substitutions: 0, deletions: 0, insertions: 2, hits: 0, refLength: 0 });
  assert.deepEqual(wordErrors('x y', ''), { substitutions: 0, deletions: 2, insertions: 0, hits: 0, refLength: 2 });
  assert.equal(errorRate(wordErrors('seven three nine', 'seven three five nine')), 1 / 3);
  assert.equal(errorRate(wordErrors('', '')), 0);
  assert.equal(errorRate(wordErrors('', 'x')), Infinity);
});

test('transcripts are normalised: case, punctuation, typographic apostrophes', () => {
  assert.deepEqual(normalizeTranscript('  Don’t STOP, the "music" -- now!  '), ["don't", 'stop', 'the', 'music', 'now']);
  assert.equal(errorRate(wordErrors('Hello, world.', 'hello world')), 0);
});

test('character errors count spaces between words', () => {
  assert.deepEqual(charErrors('ab cd', 'ab cd'), { substitutions: 0, deletions: 0, insertions: 0, hits: 5, refLength: 5 });
  assert.deepEqual(charErrors('ab cd', 'abcd'), { substitutions: 0, deletions: 1, insertions: 0, hits: 4, refLength: 5 });
  assert.deepEqual(charErrors('cat', 'cut'), { substitutions: 1, deletions: 0, insertions: 0, hits: 2, refLength: 3 });
});

test('corpus rates sum edits over utterances (not a mean of rates)', () => {
  const acc = new ErrorRateAccumulator();
  acc.add('one two three four', 'one two three four');
  acc.add('five', 'six');
  assert.equal(acc.utterances, 2);
  assert.equal(acc.wer, 1 / 5);
  assert.equal(acc.words.substitutions, 1);
  assert.equal(acc.cer, 3 / (18 + 4));
});

test('the counted alignment is a minimum edit alignment (differential against plain Levenshtein)', () => {
  const rng = new Rng(baseSeed());
  for (let k = 0; k < 300; k++) {
    const a = Array.from({ length: rng.int(0, 11) }, () => rng.int(0, 3));
    const b = Array.from({ length: rng.int(0, 11) }, () => rng.int(0, 3));
    const c = alignCounts(a, b);
    assert.equal(c.substitutions + c.deletions + c.insertions, levenshtein(a, b), `seed ${baseSeed()} case ${k}: ${a} vs ${b}`);
    assert.equal(c.hits + c.substitutions + c.deletions, a.length);
    assert.equal(c.hits + c.substitutions + c.insertions, b.length);
  }
});
