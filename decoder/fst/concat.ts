// Concat: appends a second FST after a first one, in place (OpenFst's Concat, same construction).

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';
import { compatSymbols } from './symbol-table.ts';
import { VectorFst } from './vector-fst.ts';

/**
 * fst1 ← fst1 · fst2. The states of fst2 are appended to fst1 (fst2's state s becomes numStates1 + s, arcs in
 * order); every final state f of fst1 stops being final and gets an epsilon arc, weighted Final(f), to fst2's
 * start. The result is identical to fstconcat's output.
 * Edge cases as OpenFst: fst1 without a start stays unchanged (the empty language); fst2 without a start still
 * has its states appended and fst1's final states are cleared (the result accepts nothing).
 * Preconditions: same semiring (FST_SEMIRING); compatible symbol tables on each side (FST_SYMBOL).
 * Cost: O(V1 + V2 + E2) time; one extra arc per final state of fst1.
 */
export function concat(fst1: MutableFst, fst2: Fst): void {
  if (fst1.semiring !== fst2.semiring) {
    throw new FstError('FST_SEMIRING', `cannot concatenate ${fst1.semiring.name} and ${fst2.semiring.name} FSTs`);
  }
  if (!compatSymbols(fst1.isymbols, fst2.isymbols) || !compatSymbols(fst1.osymbols, fst2.osymbols)) {
    throw new FstError('FST_SYMBOL', 'symbol tables of the two FSTs differ');
  }
  const src: Fst = fst2 === fst1 ? VectorFst.from(fst2) : fst2;
  const sr = fst1.semiring;
  const props1 = fst1.properties(-1, false);
  const props2 = src.properties(-1, false);
  const start1 = fst1.start();
  if (start1 === NO_STATE) return;
  const numStates1 = fst1.numStates();
  const n2 = src.numStates();
  fst1.reserveStates(numStates1 + n2);
  fst1.addStates(n2);
  const view = new ArcView();
  for (let s = 0; s < n2; s++) {
    const d = numStates1 + s;
    fst1.setFinal(d, src.final(s));
    src.arcs(s, view);
    fst1.reserveArcs(d, view.end - view.begin);
    for (let a = view.begin; a < view.end; a++) {
      fst1.addArc(d, view.ilabel[a], view.olabel[a], view.weight[a], view.nextstate[a] + numStates1);
    }
  }
  const start2 = src.start();
  for (let s = 0; s < numStates1; s++) {
    const w = fst1.final(s);
    if (w === sr.zero) continue;
    fst1.setFinal(s, sr.zero);
    if (start2 !== NO_STATE) fst1.addArc(s, 0, 0, w, start2 + numStates1);
  }
  if (start2 !== NO_STATE) fst1.setProperties(concatProps(props1, props2), -1);
}

/**
 * Property bits of a concatenation, given what was known of each input. No arc leads back from fst2's states
 * into fst1's, so cycles stay inside one part; the joining arcs are epsilons carrying fst1's final weights.
 */
function concatProps(p1: number, p2: number): number {
  const both = Props.ACCEPTOR | Props.UNWEIGHTED | Props.ACYCLIC;
  const either = Props.NOT_ACCEPTOR | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS | Props.WEIGHTED | Props.CYCLIC;
  return (p1 & p2 & both) | ((p1 | p2) & either) | (p1 & (Props.INITIAL_ACYCLIC | Props.INITIAL_CYCLIC));
}

