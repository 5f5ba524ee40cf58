// Weight quantisation computed in float32 arithmetic, step for step as OpenFst's FloatWeight::Quantize does.

import { ArcView, type MutableFst } from './fst.ts';
import { ALL_PROPS, Props } from './properties.ts';

/**
 * OpenFst's Quantize on a float weight: floor(w / delta + 0.5) * delta with every operation rounded to float32,
 * so that weights that OpenFst would quantize to the same value do so here too (with delta = 1e-6 the float32
 * rounding is coarser than the step for weights above 8). Infinities and NaN are returned unchanged.
 */
export function quantizeFloat(w: number, delta: number): number {
  if (w === Infinity || w === -Infinity || Number.isNaN(w)) return w;
  const d = Math.fround(delta);
  return Math.fround(Math.floor(Math.fround(Math.fround(w / d) + 0.5)) * d);
}

/** OpenFst's ArcMap(fst, QuantizeMapper(delta)): quantizes every arc and final weight in place. O(V + E). */
export function quantizeWeights(fst: MutableFst, delta: number): void {
  const saved = fst.properties(-1, false);
  const view = new ArcView();
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const w = view.weight[a];
      const q = quantizeFloat(w, delta);
      // setArc never moves arcs, so the view stays valid while rewriting in place.
      if (q !== w) fst.setArc(s, a - view.begin, view.ilabel[a], view.olabel[a], q, view.nextstate[a]);
    }
    const f = fst.final(s);
    const q = quantizeFloat(f, delta);
    if (q !== f) fst.setFinal(s, q);
  }
  // Quantising keeps every structural property; only the weighted bit can change (to unweighted).
  const structural = ALL_PROPS & ~(Props.WEIGHTED | Props.UNWEIGHTED);
  fst.setProperties(saved & structural, structural);
}
