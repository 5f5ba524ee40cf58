// Project: copies input labels onto output labels or the reverse, in place (OpenFst's Project).

import { ArcView, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';

export type ProjectType = 'input' | 'output';

/** Makes an acceptor of the input ('input') or output ('output') side. Sets ACCEPTOR. Cost: O(V + E). */
export function project(fst: MutableFst, type: ProjectType): void {
  const saved = fst.properties(-1, false);
  const view = new ArcView();
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    fst.arcs(s, view);
    const lab = type === 'input' ? view.ilabel : view.olabel;
    for (let a = view.begin; a < view.end; a++) {
      // setArc does not move arcs, so the view stays valid while we rewrite in place.
      const l = lab[a];
      fst.setArc(s, a - view.begin, l, l, view.weight[a], view.nextstate[a]);
    }
  }
  const kept =
    Props.WEIGHTED | Props.UNWEIGHTED | Props.CYCLIC | Props.ACYCLIC | Props.INITIAL_CYCLIC | Props.INITIAL_ACYCLIC |
    Props.TOP_SORTED | Props.NOT_TOP_SORTED | Props.ACCESSIBLE | Props.NOT_ACCESSIBLE | Props.COACCESSIBLE |
    Props.NOT_COACCESSIBLE;
  let bits = (saved & kept) | Props.ACCEPTOR;
  const side = type === 'input'
    ? saved & (Props.I_DETERMINISTIC | Props.NON_I_DETERMINISTIC | Props.I_EPSILONS | Props.NO_I_EPSILONS | Props.I_LABEL_SORTED | Props.NOT_I_LABEL_SORTED)
    : (saved & (Props.O_DETERMINISTIC | Props.NON_O_DETERMINISTIC | Props.O_EPSILONS | Props.NO_O_EPSILONS | Props.O_LABEL_SORTED | Props.NOT_O_LABEL_SORTED)) >>> 2;
  bits |= side | (side << 2);
  if (side & Props.I_EPSILONS) bits |= Props.EPSILONS;
  if (side & Props.NO_I_EPSILONS) bits |= Props.NO_EPSILONS;
  fst.setProperties(bits, -1);
}
