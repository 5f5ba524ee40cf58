// ArcSort: sorts the arcs of every state by input or output label, in place (OpenFst's ArcSort).

import { ArcView, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';

export type ArcSortType = 'ilabel' | 'olabel';

/**
 * Sorts each state's arcs by (ilabel, olabel) for 'ilabel' or (olabel, ilabel) for 'olabel', stably, as
 * OpenFst's ILabelCompare / OLabelCompare do. Sets I_LABEL_SORTED or O_LABEL_SORTED.
 * Cost: O(E log d) for out-degree d; O(d) scratch per state.
 */
export function arcSort(fst: MutableFst, type: ArcSortType): void {
  const saved = fst.properties(-1, false);
  const view = new ArcView();
  let idx: number[] = [];
  let il = new Int32Array(16);
  let ol = new Int32Array(16);
  let ns = new Int32Array(16);
  let w = new Float32Array(16);
  const byI = type === 'ilabel';
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    fst.arcs(s, view);
    const k = view.end - view.begin;
    if (k < 2) continue;
    let sorted = true;
    for (let a = view.begin + 1; a < view.end && sorted; a++) {
      const p1 = byI ? view.ilabel[a - 1] : view.olabel[a - 1];
      const p2 = byI ? view.ilabel[a] : view.olabel[a];
      const q1 = byI ? view.olabel[a - 1] : view.ilabel[a - 1];
      const q2 = byI ? view.olabel[a] : view.ilabel[a];
      if (p1 > p2 || (p1 === p2 && q1 > q2)) sorted = false;
    }
    if (sorted) continue;
    if (k > il.length) {
      il = new Int32Array(k * 2);
      ol = new Int32Array(k * 2);
      ns = new Int32Array(k * 2);
      w = new Float32Array(k * 2);
    }
    const b = view.begin;
    il.set(view.ilabel.subarray(b, view.end));
    ol.set(view.olabel.subarray(b, view.end));
    ns.set(view.nextstate.subarray(b, view.end));
    w.set(view.weight.subarray(b, view.end));
    idx.length = k;
    for (let i = 0; i < k; i++) idx[i] = i;
    const p = byI ? il : ol;
    const q = byI ? ol : il;
    idx = idx.sort((x, y) => p[x] - p[y] || q[x] - q[y] || x - y);
    for (let i = 0; i < k; i++) {
      const j = idx[i];
      fst.setArc(s, i, il[j], ol[j], w[j], ns[j]);
    }
  }
  const keep =
    Props.ACCEPTOR | Props.NOT_ACCEPTOR | Props.I_DETERMINISTIC | Props.NON_I_DETERMINISTIC |
    Props.O_DETERMINISTIC | Props.NON_O_DETERMINISTIC | Props.EPSILONS | Props.NO_EPSILONS |
    Props.I_EPSILONS | Props.NO_I_EPSILONS | Props.O_EPSILONS | Props.NO_O_EPSILONS |
    Props.WEIGHTED | Props.UNWEIGHTED | Props.CYCLIC | Props.ACYCLIC | Props.INITIAL_CYCLIC |
    Props.INITIAL_ACYCLIC | Props.TOP_SORTED | Props.NOT_TOP_SORTED | Props.ACCESSIBLE | Props.NOT_ACCESSIBLE |
    Props.COACCESSIBLE | Props.NOT_COACCESSIBLE;
  let bits = saved & keep;
  bits |= byI ? Props.I_LABEL_SORTED : Props.O_LABEL_SORTED;
  if (saved & Props.ACCEPTOR) bits |= Props.I_LABEL_SORTED | Props.O_LABEL_SORTED;
  fst.setProperties(bits, -1);
}
