// N-best word sequences of a traceback segment, word posteriors from them, and n-best lists joined across segments.

import { NO_LINK } from './token-arena.ts';
import type { LinkStore } from './link-store.ts';

/** One distinct word sequence of a segment, with its cost above the segment's best path (≥ 0). */
export interface SegmentHypothesis {
  words: number[];
  delta: number;
}

/** A binary min-heap of (delta, node, word-list cell) triples, in parallel arrays. */
class PathHeap {
  delta: number[] = [];
  node: number[] = [];
  list: number[] = [];
  get size(): number {
    return this.delta.length;
  }
  push(d: number, n: number, l: number): void {
    let i = this.delta.length;
    this.delta.push(d);
    this.node.push(n);
    this.list.push(l);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.delta[p] <= d) break;
      this.move(i, p);
      i = p;
    }
    this.delta[i] = d;
    this.node[i] = n;
    this.list[i] = l;
  }
  /** Removes the top into `out` ([delta, node, list]). */
  pop(out: number[]): void {
    out[0] = this.delta[0];
    out[1] = this.node[0];
    out[2] = this.list[0];
    const d = this.delta.pop() as number;
    const n = this.node.pop() as number;
    const l = this.list.pop() as number;
    const size = this.delta.length;
    if (size === 0) return;
    let i = 0;
    while (true) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && this.delta[c + 1] < this.delta[c]) c++;
      if (this.delta[c] >= d) break;
      this.move(i, c);
      i = c;
    }
    this.delta[i] = d;
    this.node[i] = n;
    this.list[i] = l;
  }
  private move(to: number, from: number): void {
    this.delta[to] = this.delta[from];
    this.node[to] = this.node[from];
    this.list[to] = this.list[from];
  }
}

/**
 * The up to `k` cheapest distinct word sequences of the paths from link `root` back to the empty history, cheapest
 * first; the first is the primary (best) path's. A path follows `prev` from each link; at a recombination node it
 * may instead take any alternative, for that alternative's cost above the node's cheapest. Deviations are searched
 * best-first (the rest of a path along primaries costs nothing extra, so paths complete in order of cost).
 * Preconditions: `root` is a link of `store` (or NO_LINK, which yields one empty sequence). Cost: O(p · L) for p
 * paths popped (at most `maxPaths`) of up to L links each; allocates the result.
 */
export function segmentNbest(store: LinkStore, root: number, k: number, maxPaths = 2000): SegmentHypothesis[] {
  const out: SegmentHypothesis[] = [];
  const seen = new Set<string>();
  // Persistent word lists (cons cells), newest word first.
  const cellWord: number[] = [];
  const cellNext: number[] = [];
  const heap = new PathHeap();
  heap.push(0, root, -1);
  const top = [0, 0, 0];
  let popped = 0;
  while (heap.size > 0 && out.length < k && popped < maxPaths) {
    heap.pop(top);
    popped++;
    const acc = top[0];
    let list = top[2];
    for (let node = top[1]; node !== NO_LINK; node = store.prev[node]) {
      const w = store.word[node];
      if (w > 0) {
        cellWord.push(w);
        cellNext.push(list);
        list = cellWord.length - 1;
      }
      const head = store.alt[node];
      if (head < 0) continue;
      let best = Infinity;
      for (let a = head; a >= 0; a = store.altNext[a]) if (store.altCost[a] < best) best = store.altCost[a];
      const primary = store.prev[node];
      let skipped = false;
      for (let a = head; a >= 0; a = store.altNext[a]) {
        if (!skipped && store.altLink[a] === primary && store.altCost[a] === best) {
          skipped = true;
          continue;
        }
        heap.push(acc + (store.altCost[a] - best), store.altLink[a], list);
      }
    }
    const words: number[] = [];
    // The list's head is the oldest word (the walk goes back in time).
    for (let c = list; c >= 0; c = cellNext[c]) words.push(cellWord[c]);
    const key = words.join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ words, delta: acc });
  }
  return out;
}

/**
 * Posterior of each word of `reference` under the n-best list `hyps`: hypothesis h weighs e^(−scale·delta_h),
 * normalised over the list, and a reference word gets the weight of every hypothesis that keeps it in a minimum
 * edit-distance (LCS) alignment with the reference. So a word every alternative agrees on is near 1, and a word that
 * likely alternatives replace or drop is low. `reference` should be in `hyps` (usually hyps[0]).
 * Cost: O(Σ |h| · |reference|) time and memory.
 */
export function wordPosteriors(reference: readonly number[], hyps: readonly SegmentHypothesis[], scale: number): Float64Array {
  const post = new Float64Array(reference.length);
  if (reference.length === 0) return post;
  if (hyps.length === 0) return post.fill(1);
  let total = 0;
  const weights = hyps.map((h) => Math.exp(-scale * (h.delta - hyps[0].delta)));
  for (const w of weights) total += w;
  hyps.forEach((h, hi) => {
    const kept = lcsMatches(reference, h.words);
    const w = weights[hi] / total;
    for (let i = 0; i < reference.length; i++) if (kept[i]) post[i] += w;
  });
  for (let i = 0; i < post.length; i++) post[i] = Math.min(1, Math.max(0, post[i]));
  return post;
}

/** For each position of `a`, whether a longest common subsequence of a and b keeps it. O(|a|·|b|). */
function lcsMatches(a: readonly number[], b: readonly number[]): Uint8Array {
  const n = a.length;
  const m = b.length;
  const dp = new Int32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const at = i * (m + 1) + j;
      dp[at] = a[i] === b[j] ? dp[at + m + 2] + 1 : Math.max(dp[at + m + 1], dp[at + 1]);
    }
  }
  const kept = new Uint8Array(n);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      kept[i] = 1;
      i++;
      j++;
    } else if (dp[(i + 1) * (m + 1) + j] >= dp[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return kept;
}

/**
 * The k cheapest concatenations of one hypothesis from each segment list (segments in time order), as sums of the
 * segments' deltas. Pairwise merges keeping k at each step: O(S · k² log k) for S segments. Equal word sequences
 * from different splits are merged (the cheapest kept).
 */
export function joinSegments(segments: readonly (readonly SegmentHypothesis[])[], k: number): SegmentHypothesis[] {
  let acc: SegmentHypothesis[] = [{ words: [], delta: 0 }];
  for (const seg of segments) {
    if (seg.length === 0) continue;
    const next: SegmentHypothesis[] = [];
    for (const a of acc) for (const b of seg) next.push({ words: [...a.words, ...b.words], delta: a.delta + b.delta });
    next.sort((x, y) => x.delta - y.delta);
    const seen = new Set<string>();
    acc = [];
    for (const h of next) {
      const key = h.words.join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
      acc.push(h);
      if (acc.length === k) break;
    }
  }
  return acc;
}
