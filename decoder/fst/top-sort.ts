// TopSort: renumbers the states of an acyclic FST in topological order, in place (OpenFst's TopSort).

import { ArcView, NO_STATE, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';

/**
 * If the FST is acyclic, renumbers its states so that every arc goes from a lower to a higher id and returns
 * true; otherwise returns false and leaves the FST unchanged (only the CYCLIC property is recorded).
 * The order is OpenFst's: reverse DFS finishing order, the DFS visiting the start first, then every still
 * unvisited state in id order, arcs in stored order. Each state keeps its arcs in their order, so the result is
 * identical to fsttopsort's output. Sets ACYCLIC, INITIAL_ACYCLIC and TOP_SORTED on success.
 * Cost: O(V + E) time; O(V) scratch plus one copy of the arcs while they are renumbered.
 */
export function topSort(fst: MutableFst): boolean {
  const n = fst.numStates();
  const saved = fst.properties(-1, false);
  const order = topOrder(fst);
  if (order === undefined) {
    fst.setProperties(Props.CYCLIC | Props.NOT_TOP_SORTED, Props.CYCLIC | Props.NOT_TOP_SORTED);
    return false;
  }
  // Copy every state out, then write them back at their new ids (all at once: a permutation in place would
  // need the same copies anyway).
  const view = new ArcView();
  const first = new Int32Array(n + 1);
  for (let s = 0; s < n; s++) first[s + 1] = first[s] + fst.numArcs(s);
  const m = first[n];
  const il = new Int32Array(m);
  const ol = new Int32Array(m);
  const ns = new Int32Array(m);
  const w = new Float32Array(m);
  const finals = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    finals[s] = fst.final(s);
    fst.arcs(s, view);
    let k = first[s];
    for (let a = view.begin; a < view.end; a++, k++) {
      il[k] = view.ilabel[a];
      ol[k] = view.olabel[a];
      ns[k] = order[view.nextstate[a]];
      w[k] = view.weight[a];
    }
  }
  const start = fst.start();
  for (let s = 0; s < n; s++) {
    const t = order[s];
    fst.deleteArcs(t);
    fst.setFinal(t, finals[s]);
    fst.reserveArcs(t, first[s + 1] - first[s]);
    for (let k = first[s]; k < first[s + 1]; k++) fst.addArc(t, il[k], ol[k], w[k], ns[k]);
  }
  if (start !== NO_STATE) fst.setStart(order[start]);
  const kept =
    Props.ACCEPTOR | Props.NOT_ACCEPTOR | Props.I_DETERMINISTIC | Props.NON_I_DETERMINISTIC | Props.O_DETERMINISTIC |
    Props.NON_O_DETERMINISTIC | Props.EPSILONS | Props.NO_EPSILONS | Props.I_EPSILONS | Props.NO_I_EPSILONS |
    Props.O_EPSILONS | Props.NO_O_EPSILONS | Props.I_LABEL_SORTED | Props.NOT_I_LABEL_SORTED | Props.O_LABEL_SORTED |
    Props.NOT_O_LABEL_SORTED | Props.WEIGHTED | Props.UNWEIGHTED | Props.ACCESSIBLE | Props.NOT_ACCESSIBLE |
    Props.COACCESSIBLE | Props.NOT_COACCESSIBLE;
  fst.setProperties((saved & kept) | Props.ACYCLIC | Props.INITIAL_ACYCLIC | Props.TOP_SORTED, -1);
  return true;
}

/**
 * order[s] = topological rank of s (OpenFst's TopOrderVisitor over DfsVisit), or undefined when a cycle exists.
 * Iterative DFS with an explicit stack of (state, next arc index). O(V + E).
 */
function topOrder(fst: MutableFst): Int32Array | undefined {
  const n = fst.numStates();
  const color = new Uint8Array(n); // 0 white, 1 grey (on the DFS stack), 2 black (finished)
  const stackState = new Int32Array(n);
  const stackArc = new Int32Array(n);
  const order = new Int32Array(n);
  const view = new ArcView();
  let finished = 0;
  const start = fst.start();
  for (let i = -1; i < n; i++) {
    const root = i < 0 ? start : i;
    if (root === NO_STATE || color[root] !== 0) continue;
    let sp = 0;
    stackState[sp] = root;
    stackArc[sp] = 0;
    sp++;
    color[root] = 1;
    while (sp > 0) {
      const s = stackState[sp - 1];
      fst.arcs(s, view);
      const k = stackArc[sp - 1];
      if (view.begin + k >= view.end) {
        color[s] = 2;
        // Finishing order reversed is a topological order: the last state to finish gets rank 0.
        order[s] = n - 1 - finished++;
        sp--;
        continue;
      }
      stackArc[sp - 1] = k + 1;
      const t = view.nextstate[view.begin + k];
      if (color[t] === 1) return undefined;
      if (color[t] === 0) {
        color[t] = 1;
        stackState[sp] = t;
        stackArc[sp] = 0;
        sp++;
      }
    }
  }
  return order;
}
