// Reverse: the FST that reads every path backwards (OpenFst's Reverse), with OpenFst's state numbering.

import { ArcView, NO_STATE, type Fst } from './fst.ts';
import { Props, sccInfo } from './properties.ts';
import { VectorFst } from './vector-fst.ts';

export interface ReverseOptions {
  /**
   * Always add a superinitial state 0 (input state s becomes s + 1). When false, and the input has exactly one
   * final state that lies on no cycle and whose final weight is not one, that state becomes the start instead
   * (no new state, numbering unchanged). Default true (OpenFst's default).
   */
  requireSuperinitial?: boolean;
}

/**
 * Returns the reversal: every arc s → t becomes t → s with the same labels and weight (both semirings here are
 * commutative, so weight reversal is the identity); the input's start becomes the only final state (weight one)
 * and a superinitial state 0 reaches each input final state f by an epsilon arc weighted Final(f).
 * Arcs are laid out in input order (state by state, arc by arc), exactly as OpenFst does, so the result is
 * identical to fstreverse's output, not just isomorphic.
 * The input is read, never changed. Symbol tables are shared with the input.
 * Cost: O(V + E) time; the result takes V + 1 states and E + (number of final states) arcs. Without
 * `requireSuperinitial`, one extra O(V + E) SCC pass when a unique final state is found.
 */
export function reverse(fst: Fst, opts: ReverseOptions = {}): VectorFst {
  const sr = fst.semiring;
  const out = new VectorFst(sr);
  out.isymbols = fst.isymbols;
  out.osymbols = fst.osymbols;
  const n = fst.numStates();
  const istart = fst.start();
  let ostart = NO_STATE;
  if (opts.requireSuperinitial === false) ostart = uniqueFinalOffCycle(fst);
  const offset = ostart === NO_STATE ? 1 : 0;
  out.reserveStates(n + offset);
  out.addStates(n + offset);
  if (offset === 1) ostart = 0;
  // Arcs into a state are spread over the input; count them first so each output state gets one block.
  const view = new ArcView();
  const indeg = new Int32Array(n + offset);
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) indeg[view.nextstate[a] + offset]++;
    if (offset === 1 && fst.final(s) !== sr.zero) indeg[0]++;
  }
  for (let s = 0; s < n + offset; s++) if (indeg[s] > 0) out.reserveArcs(s, indeg[s]);
  const ostartFinal = offset === 0 ? fst.final(ostart) : sr.one;
  for (let is = 0; is < n; is++) {
    const os = is + offset;
    if (is === istart) out.setFinal(os, sr.one);
    const fw = fst.final(is);
    if (fw !== sr.zero && offset === 1) out.addArc(0, 0, 0, fw, os);
    fst.arcs(is, view);
    for (let a = view.begin; a < view.end; a++) {
      const nos = view.nextstate[a] + offset;
      let w = view.weight[a];
      // Without a superinitial state the old final weight has nowhere else to go: it moves onto the arcs
      // that leave the new start.
      if (offset === 0 && nos === ostart) w = sr.times(ostartFinal, w);
      out.addArc(nos, view.ilabel[a], view.olabel[a], w, os);
    }
  }
  out.setStart(ostart);
  if (offset === 0 && ostart === istart) out.setFinal(ostart, ostartFinal);
  const saved = fst.properties(-1, false);
  const kept =
    Props.ACCEPTOR | Props.NOT_ACCEPTOR | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS |
    Props.WEIGHTED | Props.UNWEIGHTED | Props.CYCLIC | Props.ACYCLIC;
  // Nothing enters a superinitial state, and a reused final state lies on no cycle: either way the start is acyclic.
  out.setProperties((saved & kept) | Props.INITIAL_ACYCLIC, kept | Props.INITIAL_ACYCLIC | Props.INITIAL_CYCLIC);
  return out;
}

/**
 * The single final state when there is exactly one, its final weight is not one and no cycle passes through
 * it (OpenFst's condition for reusing it as the start); otherwise NO_STATE.
 */
function uniqueFinalOffCycle(fst: Fst): number {
  const sr = fst.semiring;
  let f = NO_STATE;
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    if (fst.final(s) === sr.zero) continue;
    if (f !== NO_STATE) return NO_STATE;
    f = s;
  }
  if (f === NO_STATE || fst.final(f) === sr.one) return NO_STATE;
  const info = sccInfo(fst);
  if (info.cyclicScc[info.scc[f]]) return NO_STATE;
  return f;
}
