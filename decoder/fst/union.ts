// Union: adds the paths of a second FST to a first one, in place (OpenFst's Union, same construction).

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';
import { compatSymbols } from './symbol-table.ts';
import { VectorFst } from './vector-fst.ts';

/**
 * fst1 ← fst1 ∪ fst2. The states of fst2 are appended to fst1 (fst2's state s becomes numStates1 + s, its arcs
 * keep their order), then fst1's start gets an epsilon arc (weight one) to fst2's start. When fst1 is not known
 * to be initial-acyclic (its start may lie on a cycle), a new start state is added instead, with epsilon arcs to
 * both old starts, so that the added arc cannot be re-entered through a cycle.
 * Like OpenFst, the initial-acyclic test reads the *cached* property of fst1 and does not compute it, keeping
 * the cost proportional to fst2; call `fst1.properties(Props.INITIAL_ACYCLIC, true)` first to get the smaller
 * construction when fst1's start is not on a cycle. The result is then identical to fstunion's output given
 * the same knowledge of that property.
 * If fst2 is empty (no start) fst1 is unchanged; if fst1 has no start, the result's start is fst2's.
 * Preconditions: same semiring (FST_SEMIRING); compatible symbol tables on each side (FST_SYMBOL).
 * Cost: O(V2 + E2) time, one or two extra arcs and at most one extra state.
 */
export function union(fst1: MutableFst, fst2: Fst): void {
  if (fst1.semiring !== fst2.semiring) {
    throw new FstError('FST_SEMIRING', `cannot unite ${fst1.semiring.name} and ${fst2.semiring.name} FSTs`);
  }
  if (!compatSymbols(fst1.isymbols, fst2.isymbols) || !compatSymbols(fst1.osymbols, fst2.osymbols)) {
    throw new FstError('FST_SYMBOL', 'symbol tables of the two FSTs differ');
  }
  // Appending an FST to itself would read states while they are being added.
  const src: Fst = fst2 === fst1 ? VectorFst.from(fst2) : fst2;
  const sr = fst1.semiring;
  const numStates1 = fst1.numStates();
  const initialAcyclic1 = (fst1.properties(Props.INITIAL_ACYCLIC, false) & Props.INITIAL_ACYCLIC) !== 0;
  const props1 = fst1.properties(-1, false);
  const props2 = src.properties(-1, false);
  const start2 = src.start();
  if (start2 === NO_STATE) return;
  const n2 = src.numStates();
  fst1.reserveStates(numStates1 + n2 + (initialAcyclic1 ? 0 : 1));
  appendStates(fst1, src);
  const start1 = fst1.start();
  if (start1 === NO_STATE) {
    // OpenFst sets start2 here, which is the same state when fst1 has no states; the offset keeps it right
    // when fst1 has states but no start.
    fst1.setStart(start2 + numStates1);
    fst1.setProperties(appendedProps(props1, props2), -1);
    return;
  }
  if (initialAcyclic1) {
    fst1.addArc(start1, 0, 0, sr.one, start2 + numStates1);
  } else {
    const nstart = fst1.addState();
    fst1.setStart(nstart);
    fst1.addArc(nstart, 0, 0, sr.one, start1);
    fst1.addArc(nstart, 0, 0, sr.one, start2 + numStates1);
  }
  fst1.setProperties(
    appendedProps(props1, props2) | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS | Props.INITIAL_ACYCLIC,
    -1,
  );
}

/** Appends the states and arcs of `src` to `dst` (state s → numStates(dst) + s), keeping arc order. O(V + E). */
function appendStates(dst: MutableFst, src: Fst): void {
  const offset = dst.numStates();
  const n = src.numStates();
  dst.addStates(n);
  const view = new ArcView();
  for (let s = 0; s < n; s++) {
    const d = offset + s;
    dst.setFinal(d, src.final(s));
    src.arcs(s, view);
    dst.reserveArcs(d, view.end - view.begin);
    for (let a = view.begin; a < view.end; a++) {
      dst.addArc(d, view.ilabel[a], view.olabel[a], view.weight[a], view.nextstate[a] + offset);
    }
  }
}

/** Property bits that hold for two FSTs side by side, given what was known of each. */
function appendedProps(p1: number, p2: number): number {
  const both = Props.ACCEPTOR | Props.UNWEIGHTED | Props.ACYCLIC | Props.ACCESSIBLE | Props.COACCESSIBLE;
  const either =
    Props.NOT_ACCEPTOR | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS | Props.WEIGHTED | Props.CYCLIC |
    Props.NOT_ACCESSIBLE | Props.NOT_COACCESSIBLE;
  return (p1 & p2 & both) | ((p1 | p2) & either);
}

