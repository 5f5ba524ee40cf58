// Closure: Kleene star or plus of an FST, in place (OpenFst's Closure, same construction).

import { FstError } from './errors.ts';
import { NO_STATE, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';

export type ClosureType = 'star' | 'plus';

/**
 * fst ← fst* ('star') or fst+ ('plus'). Every final state f gets an epsilon arc, weighted Final(f), back to the
 * start (final weights stay). For 'star' a new start state is added, final with weight one, with an epsilon arc
 * to the old start; it is numbered last. The result is identical to fstclosure's output.
 * An FST without a start gets, for 'star', just the new final start state (the empty string).
 * Cost: O(V) time; one arc per final state, plus one state and one arc for 'star'.
 */
export function closure(fst: MutableFst, type: ClosureType): void {
  if (type !== 'star' && type !== 'plus') {
    throw new FstError('FST_ARGUMENT', `closure type must be 'star' or 'plus', got ${String(type)}`);
  }
  const sr = fst.semiring;
  const props = fst.properties(-1, false);
  const start = fst.start();
  let anyFinal = false;
  // OpenFst adds the loop arc even when there is no start; it then points at no state, so we skip it.
  if (start !== NO_STATE) {
    for (let s = 0, n = fst.numStates(); s < n; s++) {
      const w = fst.final(s);
      if (w === sr.zero) continue;
      fst.addArc(s, 0, 0, w, start);
      anyFinal = true;
    }
  }
  if (type === 'star') {
    fst.reserveStates(fst.numStates() + 1);
    const nstart = fst.addState();
    fst.setStart(nstart);
    fst.setFinal(nstart, sr.one);
    if (start !== NO_STATE) fst.addArc(nstart, 0, 0, sr.one, start);
  }
  const kept = Props.ACCEPTOR | Props.NOT_ACCEPTOR | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS |
    Props.WEIGHTED | Props.UNWEIGHTED | Props.CYCLIC;
  let bits = props & kept;
  if (anyFinal || (type === 'star' && start !== NO_STATE)) bits |= Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS;
  if (type === 'star') bits |= Props.INITIAL_ACYCLIC;
  fst.setProperties(bits, -1);
}
