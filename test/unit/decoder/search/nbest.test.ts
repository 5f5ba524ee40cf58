// Segment n-best against brute-force path enumeration; word posteriors; joining segments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkStore, NO_CHAR } from '../../../../decoder/search/link-store.ts';
import { joinSegments, segmentNbest, wordPosteriors, type SegmentHypothesis } from '../../../../decoder/search/nbest.ts';
import { NO_LINK } from '../../../../decoder/search/token-arena.ts';
import { Rng, baseSeed } from '../../../support/random.ts';

/** A random lattice-shaped store: word links, and recombination nodes whose alternatives cost more than the primary. */
function randomLattice(rng: Rng): { store: LinkStore; root: number } {
  const s = new LinkStore(4, 2);
  const n = rng.int(1, 25);
  for (let i = 0; i < n; i++) {
    const pick = () => (i === 0 || rng.bool(0.08) ? NO_LINK : rng.int(Math.max(0, i - 5), i - 1));
    if (i > 1 && rng.bool(0.3)) {
      const k = rng.int(2, 3);
      let head = -1;
      const base = 100 + rng.int(0, 10);
      const primary = pick();
      head = s.addAlt(primary, base, 0, head);
      for (let j = 1; j < k; j++) head = s.addAlt(pick(), base + rng.int(0, 40) / 8, 0, head);
      s.addMerge(primary, i, head, k);
    } else {
      s.add(pick(), rng.bool(0.6) ? rng.int(1, 4) : 0, rng.bool(0.3) ? 1 : NO_CHAR, i, 0);
    }
  }
  return { store: s, root: n - 1 };
}

/** Every path from `root` to the empty history, with its words and its cost above the primaries. */
function allPaths(s: LinkStore, root: number): SegmentHypothesis[] {
  const out: SegmentHypothesis[] = [];
  const walk = (l: number, delta: number, words: number[]) => {
    if (l === NO_LINK) {
      out.push({ words: [...words].reverse(), delta });
      return;
    }
    const w = s.word[l] > 0 ? [...words, s.word[l]] : words;
    if (s.alt[l] < 0) return walk(s.prev[l], delta, w);
    let best = Infinity;
    for (let a = s.alt[l]; a >= 0; a = s.altNext[a]) best = Math.min(best, s.altCost[a]);
    for (let a = s.alt[l]; a >= 0; a = s.altNext[a]) walk(s.altLink[a], delta + s.altCost[a] - best, w);
  };
  walk(root, 0, []);
  return out;
}

test('segmentNbest finds the cheapest distinct word sequences, in order, the primary path first', () => {
  for (let i = 0; i < 300; i++) {
    const seed = baseSeed() + 500 + i;
    const { store, root } = randomLattice(new Rng(seed));
    const all = allPaths(store, root);
    const best = new Map<string, number>();
    for (const p of all) best.set(p.words.join(' '), Math.min(best.get(p.words.join(' ')) ?? Infinity, p.delta));
    const want = [...best.entries()].sort((a, b) => a[1] - b[1]);
    const k = 4;
    const got = segmentNbest(store, root, k, 100000);
    assert.equal(got.length, Math.min(k, want.length), `seed ${seed}`);
    got.forEach((h, j) => {
      assert.ok(Math.abs(h.delta - want[j][1]) < 1e-9, `seed ${seed}: rank ${j}: ${h.delta} vs ${want[j][1]}`);
      assert.equal(best.get(h.words.join(' ')), h.delta, `seed ${seed}: ${h.words}`);
    });
    // The first hypothesis is the primary path's.
    const primary: number[] = [];
    for (let l = root; l !== NO_LINK; l = store.prev[l]) if (store.word[l] > 0) primary.unshift(store.word[l]);
    assert.equal(got[0].delta, 0);
    assert.equal(best.get(primary.join(' ')), 0, `seed ${seed}`);
  }
});

test('word posteriors: agreed words near 1, contested words split by weight', () => {
  const hyps = [
    { words: [1, 2, 3], delta: 0 },
    { words: [1, 5, 3], delta: Math.log(3) },
    { words: [1, 3], delta: 10 },
  ];
  const p = wordPosteriors([1, 2, 3], hyps, 1);
  const z = 1 + 1 / 3 + Math.exp(-10);
  assert.ok(Math.abs(p[0] - 1) < 1e-12 && Math.abs(p[2] - 1) < 1e-12);
  assert.ok(Math.abs(p[1] - 1 / z) < 1e-12);
  assert.deepEqual([...wordPosteriors([4], [], 1)], [1]);
  assert.deepEqual([...wordPosteriors([], hyps, 1)], []);
});

test('joinSegments gives the k cheapest concatenations', () => {
  const rng = new Rng(baseSeed() + 77);
  for (let i = 0; i < 50; i++) {
    const segs = Array.from({ length: rng.int(1, 4) }, (_, s) =>
      Array.from({ length: rng.int(1, 3) }, (_, j) => ({ words: [s * 10 + j], delta: j === 0 ? 0 : rng.int(1, 20) / 4 })),
    );
    let all: SegmentHypothesis[] = [{ words: [], delta: 0 }];
    for (const seg of segs) all = all.flatMap((a) => seg.map((b) => ({ words: [...a.words, ...b.words], delta: a.delta + b.delta })));
    all.sort((a, b) => a.delta - b.delta);
    const got = joinSegments(segs, 5);
    assert.deepEqual(got.map((h) => h.delta), all.slice(0, 5).map((h) => h.delta));
  }
});
