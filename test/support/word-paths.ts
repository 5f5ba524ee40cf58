// Test helper for grammar tests: the best cost of a word sequence through a G, by a plain search (no FST algorithms).

import { ArcView, type Fst } from '../../decoder/fst/fst.ts';
import type { WordTable } from '../../decoder/graph/words.ts';

/**
 * The lowest cost of a path of `fst` whose non-epsilon output labels spell `labels` (epsilon outputs, e.g. G's
 * #0:<eps> back-off arcs, are free moves), including the final weight; Infinity when no such path exists.
 * Label-correcting search over (state, position) pairs; for small test FSTs without negative cycles only.
 */
export function bestCost(fst: Fst, labels: readonly number[]): number {
  const start = fst.start();
  if (start < 0) return Infinity;
  const n = labels.length;
  const dist = new Map<number, number>();
  const key = (s: number, p: number) => s * (n + 1) + p;
  const queue: number[] = [key(start, 0)];
  dist.set(queue[0], 0);
  const view = new ArcView();
  let steps = 0;
  while (queue.length > 0) {
    if (++steps > 1_000_000) throw new Error('bestCost: no convergence');
    const k = queue.shift() as number;
    const s = Math.floor(k / (n + 1));
    const p = k % (n + 1);
    const d = dist.get(k) as number;
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const ol = view.olabel[a];
      let q = p;
      if (ol !== 0) {
        if (p === n || labels[p] !== ol) continue;
        q = p + 1;
      }
      const k2 = key(view.nextstate[a], q);
      const d2 = d + view.weight[a];
      if (d2 < (dist.get(k2) ?? Infinity) - 1e-9) {
        dist.set(k2, d2);
        queue.push(k2);
      }
    }
  }
  let best = Infinity;
  for (const [k, d] of dist) {
    if (k % (n + 1) === n) best = Math.min(best, d + fst.final(Math.floor(k / (n + 1))));
  }
  return best;
}

/** `bestCost` of a sentence given as text ("turn on the light"); a word missing from `words` is never accepted. */
export function sentenceCost(fst: Fst, words: WordTable, sentence: string): number {
  const labels = sentence.split(/\s+/).filter((w) => w !== '').map((w) => words.find(w));
  if (labels.some((l) => l <= 0)) return Infinity;
  return bestCost(fst, labels);
}
