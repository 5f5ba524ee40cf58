// LinkStore: marking, the nearest dominator and compaction against plain reachability on random link graphs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CollectScratch, LinkStore, NO_CHAR } from '../../../../decoder/search/link-store.ts';
import { NO_LINK } from '../../../../decoder/search/token-arena.ts';
import { Rng, baseSeed } from '../../../support/random.ts';

/** A random store: links point back to random earlier links (or to nothing), some are recombination nodes. */
function randomStore(rng: Rng): { store: LinkStore; roots: Int32Array } {
  const store = new LinkStore(4, 2);
  const n = rng.int(1, 40);
  for (let i = 0; i < n; i++) {
    const pick = () => (i === 0 || rng.bool(0.1) ? NO_LINK : rng.int(Math.max(0, i - 6), i - 1));
    if (i > 1 && rng.bool(0.2)) {
      let head = -1;
      const k = rng.int(2, 3);
      let primary = NO_LINK;
      for (let j = 0; j < k; j++) {
        const l = pick();
        head = store.addAlt(l, j, rng.int(0, 5), head);
        if (j === 0) primary = l;
      }
      store.addMerge(primary, i, head, k);
    } else {
      // frame = i identifies the link after compaction.
      store.add(pick(), rng.bool(0.3) ? rng.int(1, 9) : 0, rng.bool(0.5) ? rng.int(0, 5) : NO_CHAR, i, i - 1);
    }
  }
  const roots = new Int32Array(rng.int(1, 5));
  for (let r = 0; r < roots.length; r++) roots[r] = rng.bool(0.05) ? NO_LINK : rng.int(Math.max(0, n - 8), n - 1);
  return { store, roots };
}

function preds(s: LinkStore, i: number): number[] {
  const out = [s.prev[i]];
  for (let a = s.alt[i]; a >= 0; a = s.altNext[a]) out.push(s.altLink[a]);
  return out;
}

/** Links reachable from the roots (plain depth-first search), and whether the empty history is reachable avoiding `avoid`. */
function reach(s: LinkStore, roots: Int32Array, avoid = -2): { seen: Set<number>; bottom: boolean } {
  const seen = new Set<number>();
  let bottom = false;
  const stack = [...roots];
  while (stack.length > 0) {
    const l = stack.pop() as number;
    if (l === avoid) continue;
    if (l === NO_LINK) {
      bottom = true;
      continue;
    }
    if (seen.has(l)) continue;
    seen.add(l);
    stack.push(...preds(s, l));
  }
  return { seen, bottom };
}

test('markFrom marks exactly the reachable links and finds the highest link on every path', () => {
  const sc = new CollectScratch();
  for (let i = 0; i < 400; i++) {
    const seed = baseSeed() + 300 + i;
    const { store, roots } = randomStore(new Rng(seed));
    const d = store.markFrom(roots, roots.length, sc);
    const { seen } = reach(store, roots);
    for (let l = 0; l < store.size; l++) assert.equal(sc.mark[l] === 1, seen.has(l), `seed ${seed}: link ${l}`);
    let want = -1;
    for (const x of [...seen].sort((a, b) => b - a)) {
      if (!reach(store, roots, x).bottom) {
        want = x;
        break;
      }
    }
    assert.equal(d, want, `seed ${seed}`);
  }
});

test('cut and compact keep the reachable structure, in order, and remap the roots', () => {
  const sc = new CollectScratch();
  for (let i = 0; i < 400; i++) {
    const seed = baseSeed() + 900 + i;
    const { store, roots } = randomStore(new Rng(seed));
    const d = store.markFrom(roots, roots.length, sc);
    const doCut = d >= 0 && (i & 1) === 0;
    if (doCut) store.cut(d, sc);
    // Expected: the structure reachable from the roots after the cut, by frame id.
    const { seen } = reach(store, roots);
    const describe = (s: LinkStore, l: number): string => {
      if (l === NO_LINK) return '-';
      const alts: string[] = [];
      for (let a = s.alt[l]; a >= 0; a = s.altNext[a]) alts.push(`${s.altLink[a] === NO_LINK ? '-' : s.frame[s.altLink[a]]}@${s.altCost[a]}#${s.altHash[a]}`);
      return `${s.frame[l]}:${s.word[l]}:${s.char[l]}:${s.prev[l] === NO_LINK ? '-' : s.frame[s.prev[l]]}:[${alts.join(',')}]`;
    };
    const before = [...seen].sort((a, b) => a - b).map((l) => describe(store, l));
    const rootFrames = [...roots].map((r) => (r === NO_LINK ? -1 : store.frame[r]));
    if (!doCut) store.markFrom(roots, roots.length, sc);
    store.compact(roots, roots.length, sc);
    assert.equal(store.size, seen.size, `seed ${seed}`);
    const after = Array.from({ length: store.size }, (_, l) => describe(store, l));
    assert.deepEqual(after, before, `seed ${seed}`);
    assert.deepEqual([...roots].map((r) => (r === NO_LINK ? -1 : store.frame[r])), rootFrames, `seed ${seed}`);
    for (let l = 0; l < store.size; l++) for (const p of preds(store, l)) assert.ok(p < l, `seed ${seed}: order`);
  }
});

test('dropping the alternatives around the best paths\' meeting point makes it the dominator', () => {
  const sc = new CollectScratch();
  let dropped = 0;
  for (let i = 0; i < 400; i++) {
    const seed = baseSeed() + 1700 + i;
    const { store, roots } = randomStore(new Rng(seed));
    const meet = store.markFrom(roots, roots.length, sc, true);
    if (meet < 0) continue;
    const prevBefore = Array.from(store.prev.subarray(0, store.size));
    if (store.markFrom(roots, roots.length, sc) !== meet) dropped++;
    store.dropAlternativesAround(meet, sc);
    assert.equal(store.markFrom(roots, roots.length, sc), meet, `seed ${seed}`);
    assert.deepEqual(Array.from(store.prev.subarray(0, store.size)), prevBefore, `seed ${seed}: best paths unchanged`);
  }
  assert.ok(dropped >= 20, `only ${dropped} cases needed dropping`);
});

test('a store grows, clears and gives memory back', () => {
  const s = new LinkStore(4, 2);
  for (let i = 0; i < 1000; i++) s.add(i - 1, 0, 1, i, i);
  for (let i = 0; i < 100; i++) s.addAlt(i, i, i, i - 1);
  assert.equal(s.size, 1000);
  assert.ok(s.bytes >= 1000 * LinkStore.BYTES_PER_LINK);
  s.clear();
  assert.equal(s.size, 0);
  assert.ok(s.bytes < 1000, `${s.bytes} bytes after clear`);
  assert.equal(s.isEmptyRoot(s.add(NO_LINK, 0, NO_CHAR, 0, 0)), true);
});
