// Invert: swaps input and output labels, in place (OpenFst's Invert).

import { ArcView, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';

/** Swaps the labels of every arc and the two symbol tables. Cost: O(V + E). */
export function invert(fst: MutableFst): void {
  const saved = fst.properties(-1, false);
  const view = new ArcView();
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const il = view.ilabel[a];
      fst.setArc(s, a - view.begin, view.olabel[a], il, view.weight[a], view.nextstate[a]);
    }
  }
  const tmp = fst.isymbols;
  fst.isymbols = fst.osymbols;
  fst.osymbols = tmp;
  // Input-side bits sit two places below the matching output-side bits: swap the two groups.
  const iSide =
    Props.I_DETERMINISTIC | Props.NON_I_DETERMINISTIC | Props.I_EPSILONS | Props.NO_I_EPSILONS |
    Props.I_LABEL_SORTED | Props.NOT_I_LABEL_SORTED;
  const oSide = iSide << 2;
  const bits = (saved & ~(iSide | oSide)) | ((saved & iSide) << 2) | ((saved & oSide) >>> 2);
  fst.setProperties(bits, -1);
}
