// FST property bits (a subset of OpenFst's), each a pair of "known true" / "known false" bits, and their computation.

import type { Fst } from './fst.ts';
import { ArcView } from './fst.ts';

/**
 * Property bits. Each property P has a positive bit and a negative bit; when neither is set the property is
 * unknown. Algorithms read them (computing on demand) to check preconditions; results carry the bits the
 * algorithm guarantees.
 */
export const Props = {
  ACCEPTOR: 1 << 0, // every arc has ilabel === olabel
  NOT_ACCEPTOR: 1 << 1,
  I_DETERMINISTIC: 1 << 2, // no state has two arcs with the same ilabel (epsilon counts as a label, as in OpenFst)
  NON_I_DETERMINISTIC: 1 << 3,
  O_DETERMINISTIC: 1 << 4,
  NON_O_DETERMINISTIC: 1 << 5,
  EPSILONS: 1 << 6, // some arc has ilabel === olabel === 0
  NO_EPSILONS: 1 << 7,
  I_EPSILONS: 1 << 8, // some arc has ilabel === 0
  NO_I_EPSILONS: 1 << 9,
  O_EPSILONS: 1 << 10,
  NO_O_EPSILONS: 1 << 11,
  I_LABEL_SORTED: 1 << 12, // arcs of every state are sorted by ilabel
  NOT_I_LABEL_SORTED: 1 << 13,
  O_LABEL_SORTED: 1 << 14,
  NOT_O_LABEL_SORTED: 1 << 15,
  WEIGHTED: 1 << 16, // some arc or final weight is neither one nor zero
  UNWEIGHTED: 1 << 17,
  CYCLIC: 1 << 18, // some cycle exists (over all states)
  ACYCLIC: 1 << 19,
  INITIAL_CYCLIC: 1 << 20, // the start state lies on a cycle
  INITIAL_ACYCLIC: 1 << 21,
  TOP_SORTED: 1 << 22, // every arc goes from a lower to a higher state id
  NOT_TOP_SORTED: 1 << 23,
  ACCESSIBLE: 1 << 24, // every state is reachable from the start
  NOT_ACCESSIBLE: 1 << 25,
  COACCESSIBLE: 1 << 26, // every state reaches a final state
  NOT_COACCESSIBLE: 1 << 27,
} as const;

export type PropName = keyof typeof Props;

/** All positive bits; the negative bit of a property is always the positive bit shifted left by one. */
export const POS_PROPS = 0b0101_0101_0101_0101_0101_0101_0101;
export const NEG_PROPS = POS_PROPS << 1;
export const ALL_PROPS = POS_PROPS | NEG_PROPS;

/** Mask of both bits of each property named in `bits` (positive or negative bits accepted). */
export function pairMask(bits: number): number {
  const pos = (bits | (bits >>> 1)) & POS_PROPS;
  return pos | (pos << 1);
}

/** True when every property in `mask` is known (either bit set) in `known`. */
export function allKnown(known: number, mask: number): boolean {
  const pm = pairMask(mask);
  const k = ((known | (known >>> 1)) & POS_PROPS) & pm;
  return k === (pm & POS_PROPS);
}

/** Names of the bits set in `bits`, for messages and `info`. */
export function propNames(bits: number): PropName[] {
  const out: PropName[] = [];
  for (const [name, bit] of Object.entries(Props) as [PropName, number][]) if (bits & bit) out.push(name);
  return out;
}

/**
 * Computes every property of `fst` from scratch.
 * Cost: O(V + E) time, O(V) extra memory (an iterative Tarjan SCC pass and a reverse reachability pass).
 */
export function computeProperties(fst: Fst): number {
  const n = fst.numStates();
  const sr = fst.semiring;
  const view = new ArcView();
  let acceptor = true;
  let ideterministic = true;
  let odeterministic = true;
  let eps = false;
  let ieps = false;
  let oeps = false;
  let isorted = true;
  let osorted = true;
  let weighted = false;
  let topsorted = true;
  let numArcs = 0;
  for (let s = 0; s < n; s++) {
    const f = fst.final(s);
    if (f !== sr.zero && f !== sr.one) weighted = true;
    fst.arcs(s, view);
    const { ilabel, olabel, nextstate, weight } = view;
    let pi = -1;
    let po = -1;
    for (let a = view.begin; a < view.end; a++) {
      const il = ilabel[a];
      const ol = olabel[a];
      numArcs++;
      if (il !== ol) acceptor = false;
      if (il === 0) {
        ieps = true;
        if (ol === 0) eps = true;
      }
      if (ol === 0) {
        oeps = true;
      }
      if (a > view.begin) {
        if (il < pi) isorted = false;
        else if (il === pi) ideterministic = false;
        if (ol < po) osorted = false;
        else if (ol === po) odeterministic = false;
      }
      pi = il;
      po = ol;
      const w = weight[a];
      if (w !== sr.one && w !== sr.zero) weighted = true;
      if (nextstate[a] <= s) topsorted = false;
    }
  }
  // Deterministic tests above assume sorted arcs; recheck unsorted states with a set when needed.
  if ((!isorted && ideterministic) || (!osorted && odeterministic)) {
    const seenI = new Set<number>();
    const seenO = new Set<number>();
    for (let s = 0; s < n && (ideterministic || odeterministic); s++) {
      fst.arcs(s, view);
      seenI.clear();
      seenO.clear();
      for (let a = view.begin; a < view.end; a++) {
        if (seenI.has(view.ilabel[a])) ideterministic = false;
        seenI.add(view.ilabel[a]);
        if (seenO.has(view.olabel[a])) odeterministic = false;
        seenO.add(view.olabel[a]);
      }
    }
  }
  const scc = sccInfo(fst);
  let accessible = true;
  let coaccessible = true;
  for (let s = 0; s < n; s++) {
    if (!scc.access[s]) accessible = false;
    if (!scc.coaccess[s]) coaccessible = false;
  }
  const start = fst.start();
  let p = 0;
  p |= acceptor ? Props.ACCEPTOR : Props.NOT_ACCEPTOR;
  p |= ideterministic ? Props.I_DETERMINISTIC : Props.NON_I_DETERMINISTIC;
  p |= odeterministic ? Props.O_DETERMINISTIC : Props.NON_O_DETERMINISTIC;
  p |= eps ? Props.EPSILONS : Props.NO_EPSILONS;
  p |= ieps ? Props.I_EPSILONS : Props.NO_I_EPSILONS;
  p |= oeps ? Props.O_EPSILONS : Props.NO_O_EPSILONS;
  p |= isorted ? Props.I_LABEL_SORTED : Props.NOT_I_LABEL_SORTED;
  p |= osorted ? Props.O_LABEL_SORTED : Props.NOT_O_LABEL_SORTED;
  p |= weighted ? Props.WEIGHTED : Props.UNWEIGHTED;
  p |= scc.cyclic ? Props.CYCLIC : Props.ACYCLIC;
  p |= start >= 0 && scc.cyclicScc[scc.scc[start]] ? Props.INITIAL_CYCLIC : Props.INITIAL_ACYCLIC;
  p |= topsorted ? Props.TOP_SORTED : Props.NOT_TOP_SORTED;
  p |= accessible ? Props.ACCESSIBLE : Props.NOT_ACCESSIBLE;
  p |= coaccessible ? Props.COACCESSIBLE : Props.NOT_COACCESSIBLE;
  void numArcs;
  return p;
}

/** Strongly connected components, accessibility and co-accessibility of every state. */
export interface SccInfo {
  /** SCC id per state; ids are in reverse topological order of the condensation (Tarjan's order). */
  scc: Int32Array;
  numScc: number;
  /** Per SCC: 1 when it contains a cycle (more than one state, or a self-loop). */
  cyclicScc: Uint8Array;
  cyclic: boolean;
  access: Uint8Array;
  coaccess: Uint8Array;
}

/**
 * Iterative Tarjan over all states (the start state first, as OpenFst's DfsVisit does), plus co-accessibility.
 * Cost: O(V + E) time and memory.
 */
export function sccInfo(fst: Fst): SccInfo {
  const n = fst.numStates();
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const scc = new Int32Array(n).fill(-1);
  const access = new Uint8Array(n);
  const callState = new Int32Array(n);
  const callArc = new Int32Array(n);
  const callEnd = new Int32Array(n);
  const view = new ArcView();
  let counter = 0;
  let numScc = 0;
  const cyclicList: number[] = [];
  const selfLoop = new Uint8Array(n);
  const start = fst.start();
  const order: number[] = [];
  if (start >= 0 && start < n) order.push(start);
  for (let s = 0; s < n; s++) if (s !== start) order.push(s);
  for (const root of order) {
    if (index[root] >= 0) continue;
    let depth = 0;
    const enter = (s: number) => {
      index[s] = low[s] = counter++;
      stack[sp++] = s;
      onStack[s] = 1;
      fst.arcs(s, view);
      callState[depth] = s;
      callArc[depth] = view.begin;
      callEnd[depth] = view.end;
      depth++;
    };
    enter(root);
    while (depth > 0) {
      const s = callState[depth - 1];
      fst.arcs(s, view);
      const a = callArc[depth - 1];
      if (a < callEnd[depth - 1]) {
        callArc[depth - 1] = a + 1;
        const t = view.nextstate[a];
        if (t === s) selfLoop[s] = 1;
        if (index[t] < 0) {
          enter(t);
        } else if (onStack[t] && index[t] < low[s]) {
          low[s] = index[t];
        }
        continue;
      }
      depth--;
      if (depth > 0) {
        const parent = callState[depth - 1];
        if (low[s] < low[parent]) low[parent] = low[s];
      }
      if (low[s] === index[s]) {
        let size = 0;
        let cyc = 0;
        let t: number;
        do {
          t = stack[--sp];
          onStack[t] = 0;
          scc[t] = numScc;
          size++;
          if (selfLoop[t]) cyc = 1;
        } while (t !== s);
        cyclicList.push(size > 1 ? 1 : cyc);
        numScc++;
      }
    }
  }
  // Accessibility from the start state.
  if (start >= 0 && start < n) {
    const q = new Int32Array(n);
    let qh = 0;
    let qt = 0;
    q[qt++] = start;
    access[start] = 1;
    while (qh < qt) {
      const s = q[qh++];
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        const t = view.nextstate[a];
        if (!access[t]) {
          access[t] = 1;
          q[qt++] = t;
        }
      }
    }
  }
  const coaccess = coaccessible(fst);
  const cyclicScc = Uint8Array.from(cyclicList);
  let cyclic = false;
  for (let i = 0; i < numScc; i++) if (cyclicScc[i]) cyclic = true;
  return { scc, numScc, cyclicScc, cyclic, access, coaccess };
}

/**
 * States from which some final state is reachable; with `skipZeroArcs`, only through arcs whose weight is not
 * zero (the arcs randGen's weighted selection can take). Cost: O(V + E) time and memory (a reverse CSR).
 */
export function coaccessible(fst: Fst, skipZeroArcs = false): Uint8Array {
  const n = fst.numStates();
  const view = new ArcView();
  const zero = fst.semiring.zero;
  const indeg = new Int32Array(n + 1);
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      if (!skipZeroArcs || view.weight[a] !== zero) indeg[view.nextstate[a] + 1]++;
    }
  }
  for (let s = 0; s < n; s++) indeg[s + 1] += indeg[s];
  const fill = indeg.slice(0, n);
  const pred = new Int32Array(indeg[n]);
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      if (!skipZeroArcs || view.weight[a] !== zero) pred[fill[view.nextstate[a]]++] = s;
    }
  }
  const co = new Uint8Array(n);
  const q = new Int32Array(n);
  let qh = 0;
  let qt = 0;
  for (let s = 0; s < n; s++) {
    if (fst.final(s) !== zero) {
      co[s] = 1;
      q[qt++] = s;
    }
  }
  while (qh < qt) {
    const t = q[qh++];
    for (let i = indeg[t]; i < indeg[t + 1]; i++) {
      const s = pred[i];
      if (!co[s]) {
        co[s] = 1;
        q[qt++] = s;
      }
    }
  }
  return co;
}
