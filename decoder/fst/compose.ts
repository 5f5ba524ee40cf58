// Compose: weighted composition of two transducers through a sorted-arc matcher and an epsilon filter (OpenFst's Compose).

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst } from './fst.ts';
import { connect } from './connect.ts';
import { Props } from './properties.ts';
import { compatSymbols } from './symbol-table.ts';
import { VectorFst } from './vector-fst.ts';

/**
 * Epsilon filters, as OpenFst's --compose_filter names them. With epsilons on fst1's output or fst2's input, a
 * naive product has several paths for one pair of input paths; a filter keeps one (or, for 'trivial', all).
 * - 'auto' / 'sequence': fst1 takes its output epsilons before fst2 takes its input epsilons (the default).
 * - 'alt_sequence': the reverse order.
 * - 'match': an epsilon on each side is taken together when both are waiting, else one side at a time.
 * - 'null': epsilons only match epsilons (no side moves alone); correct when epsilons are ordinary symbols.
 * - 'no_match': either side moves alone, epsilon never matches epsilon (redundant paths remain).
 * - 'trivial': no filtering; correct only for epsilon-free inputs, otherwise paths are duplicated.
 */
export type ComposeFilter = 'auto' | 'sequence' | 'alt_sequence' | 'match' | 'null' | 'no_match' | 'trivial';

export interface ComposeOptions {
  /** Remove states not on a path from the start to a final state (OpenFst's --connect). Default true. */
  connect?: boolean;
  /** Epsilon filter (see `ComposeFilter`). Default 'auto', which is 'sequence' for the FSTs of this library. */
  filter?: ComposeFilter;
  /**
   * Throw FST_LIMIT once the composition reaches more than this many states (counted before trimming). Guards
   * against products that would exhaust memory. Default Infinity (no limit).
   */
  maxStates?: number;
}

const FILTERS: readonly ComposeFilter[] = ['auto', 'sequence', 'alt_sequence', 'match', 'null', 'no_match', 'trivial'];


/** First index in [lo, hi) whose label is >= `label`; `labels` is sorted on that range. */
function lowerBound(labels: Int32Array, lo: number, hi: number, label: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (labels[mid] < label) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The property bits a composition inherits from its inputs (OpenFst's ComposeProperties): acceptors compose to
 * an acceptor, and epsilon-freeness, acyclicity and determinism carry over where both inputs have them.
 */
function composeProperties(p1: number, p2: number): number {
  const both = p1 & p2;
  let out = Props.ACCESSIBLE;
  if (both & Props.ACCEPTOR) {
    out |= Props.ACCEPTOR;
    out |= both & (Props.NO_EPSILONS | Props.NO_I_EPSILONS | Props.NO_O_EPSILONS | Props.ACYCLIC | Props.INITIAL_ACYCLIC);
    if (both & Props.NO_I_EPSILONS) out |= both & (Props.I_DETERMINISTIC | Props.O_DETERMINISTIC);
  } else {
    out |= both & (Props.NO_I_EPSILONS | Props.ACYCLIC | Props.INITIAL_ACYCLIC);
    if (both & Props.NO_I_EPSILONS) out |= both & Props.I_DETERMINISTIC;
  }
  return out;
}

/**
 * The composition fst1 ∘ fst2: it maps x to z with weight ⊕ over y of fst1(x, y) ⊗ fst2(y, z). States are pairs
 * (s1, s2) plus a filter state, numbered breadth-first from the start pair in order of discovery, and each
 * state's arcs come in OpenFst's order, so with the same options the result prints exactly as `fstcompose`
 * output does (its states are then trimmed unless `connect` is false). Input symbols come from fst1, output
 * symbols from fst2.
 *
 * Matching: arcs of one side are looked up by binary search among the sorted arcs of the other. When fst1 is
 * O_LABEL_SORTED and fst2 I_LABEL_SORTED, each state iterates the side with fewer arcs; otherwise the sorted
 * side is searched.
 *
 * Preconditions: the same semiring (else FST_SEMIRING); fst1 O_LABEL_SORTED or fst2 I_LABEL_SORTED, computed if
 * unknown (else FST_PROPERTY, `missing: 'O_LABEL_SORTED'` for fst1 with `orMissing: 'I_LABEL_SORTED'` for fst2);
 * fst1's output and fst2's input symbol tables equal where both exist (else FST_SYMBOL).
 * Result properties: those of OpenFst's ComposeProperties, plus ACCESSIBLE and (with connect) COACCESSIBLE.
 *
 * Cost: with v visited states, d1 the out-degree of the iterated side, d2 and m2 the degree and largest label
 * multiplicity of the searched side: O(v d1 (log d2 + m2)) time; O(v) memory for the pair table (17 to 34 bytes
 * a state) beyond the result, plus O(V1 + V2) for per-state epsilon counts when the filter needs them; O(V + E)
 * more for connect. The inputs' properties are computed once, O(V + E), if unknown.
 * Caveat: OpenFst picks the matched side from the sortedness bits it already knows before testing; this computes
 * them, so for an FST whose bits are unknown to OpenFst yet true, the arc order can differ from fstcompose's.
 */
export function compose(fst1: Fst, fst2: Fst, opts: ComposeOptions = {}): VectorFst {
  const sr = fst1.semiring;
  if (fst2.semiring !== sr) {
    throw new FstError('FST_SEMIRING', `cannot compose ${sr.name} with ${fst2.semiring.name} FSTs`, {
      semiring1: sr.name,
      semiring2: fst2.semiring.name,
    });
  }
  const filter = opts.filter ?? 'auto';
  if (!FILTERS.includes(filter)) throw new FstError('FST_ARGUMENT', `unknown compose filter "${filter}"`, { filter });
  const maxStates = opts.maxStates ?? Infinity;
  if (!(maxStates >= 1)) throw new FstError('FST_ARGUMENT', 'maxStates must be at least 1', { maxStates });
  if (!compatSymbols(fst1.osymbols, fst2.isymbols)) {
    throw new FstError('FST_SYMBOL', 'output symbols of the 1st FST differ from input symbols of the 2nd', {});
  }
  const sorted1 = (fst1.properties(Props.O_LABEL_SORTED, true) & Props.O_LABEL_SORTED) !== 0;
  const sorted2 = (fst2.properties(Props.I_LABEL_SORTED, true) & Props.I_LABEL_SORTED) !== 0;
  if (!sorted1 && !sorted2) {
    throw new FstError('FST_PROPERTY', 'compose needs fst1 sorted by output label or fst2 sorted by input label', {
      missing: 'O_LABEL_SORTED',
      orMissing: 'I_LABEL_SORTED',
    });
  }

  const out = new VectorFst(sr);
  out.isymbols = fst1.isymbols;
  out.osymbols = fst2.osymbols;
  const props = composeProperties(fst1.properties(-1, false), fst2.properties(-1, false));
  const start1 = fst1.start();
  const start2 = fst2.start();
  if (start1 === NO_STATE || start2 === NO_STATE) {
    out.setProperties(props | Props.COACCESSIBLE, -1);
    return out;
  }

  const zero = sr.zero;
  const seq = filter === 'auto' || filter === 'sequence';
  const alt = filter === 'alt_sequence';
  const matchF = filter === 'match';
  // Per-state epsilon counts (-1 = not yet counted), only for the filters that read them.
  const oeps1 = seq || matchF ? new Int32Array(fst1.numStates()).fill(-1) : undefined;
  const ieps2 = alt || matchF ? new Int32Array(fst2.numStates()).fill(-1) : undefined;
  const v1 = new ArcView();
  const v2 = new ArcView();

  // Pair table: tuple arrays indexed by result state, and an open-addressing hash of state ids.
  let cap = 1024;
  let t1 = new Int32Array(cap);
  let t2 = new Int32Array(cap);
  let tf = new Uint8Array(cap);
  let numStates = 0;
  let hmask = 2 * cap - 1;
  let htab = new Int32Array(2 * cap).fill(-1);
  const hash = (a: number, b: number, c: number): number => {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b) ^ Math.imul(c + 1, 0xc2b2ae35);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    return (h ^ (h >>> 13)) & hmask;
  };
  const findState = (a: number, b: number, c: number): number => {
    let i = hash(a, b, c);
    for (let id = htab[i]; id >= 0; id = htab[i]) {
      if (t1[id] === a && t2[id] === b && tf[id] === c) return id;
      i = (i + 1) & hmask;
    }
    if (numStates >= maxStates) {
      throw new FstError('FST_LIMIT', `composition exceeds ${maxStates} states`, { limit: maxStates });
    }
    const id = numStates++;
    if (id === cap) {
      cap *= 2;
      const g1 = new Int32Array(cap);
      g1.set(t1);
      t1 = g1;
      const g2 = new Int32Array(cap);
      g2.set(t2);
      t2 = g2;
      const gf = new Uint8Array(cap);
      gf.set(tf);
      tf = gf;
      // Keep the load factor at or below 1/2: rehash every id into a table twice the tuple capacity.
      hmask = 2 * cap - 1;
      htab = new Int32Array(2 * cap).fill(-1);
      for (let k = 0; k < id; k++) {
        let j = hash(t1[k], t2[k], tf[k]);
        while (htab[j] >= 0) j = (j + 1) & hmask;
        htab[j] = k;
      }
      i = hash(a, b, c);
      while (htab[i] >= 0) i = (i + 1) & hmask;
    }
    t1[id] = a;
    t2[id] = b;
    tf[id] = c;
    htab[i] = id;
    return id;
  };
  const countEps = (fst: Fst, s: number, labels: 'i' | 'o', view: ArcView): number => {
    fst.arcs(s, view);
    const lab = labels === 'i' ? view.ilabel : view.olabel;
    let n = 0;
    for (let a = view.begin; a < view.end; a++) if (lab[a] === 0) n++;
    return n;
  };

  findState(start1, start2, 0);
  for (let s = 0; s < numStates; s++) {
    const s1 = t1[s];
    const s2 = t2[s];
    const fs = tf[s];
    out.addState();
    const f1 = fst1.final(s1);
    const f2 = f1 === zero ? zero : fst2.final(s2);
    out.setFinal(s, f1 === zero ? f1 : f2 === zero ? f2 : sr.times(f1, f2));

    // The filter's verdict depends only on the kind of move and on this state, so decide each kind once:
    // the next filter state, or -1 where the filter blocks that kind of move.
    let move1 = 0; // fst1 takes an output epsilon, fst2 stays
    let move2 = 0; // fst2 takes an input epsilon, fst1 stays
    let epsEps = 0; // an output epsilon of fst1 matches an input epsilon of fst2
    if (seq || alt || matchF) {
      let noeps1 = false;
      let alleps1 = false;
      let noeps2 = false;
      let alleps2 = false;
      if (oeps1 !== undefined) {
        let ne = oeps1[s1];
        if (ne < 0) ne = oeps1[s1] = countEps(fst1, s1, 'o', v1);
        noeps1 = ne === 0;
        alleps1 = ne === fst1.numArcs(s1) && f1 === zero;
      }
      if (ieps2 !== undefined) {
        let ne = ieps2[s2];
        if (ne < 0) ne = ieps2[s2] = countEps(fst2, s2, 'i', v2);
        noeps2 = ne === 0;
        alleps2 = ne === fst2.numArcs(s2) && fst2.final(s2) === zero;
      }
      if (seq) {
        move2 = alleps1 ? -1 : noeps1 ? 0 : 1;
        move1 = fs !== 0 ? -1 : 0;
        epsEps = -1;
      } else if (alt) {
        move1 = alleps2 ? -1 : noeps2 ? 0 : 1;
        move2 = fs === 1 ? -1 : 0;
        epsEps = -1;
      } else {
        move1 = fs === 0 ? (noeps2 ? 0 : alleps2 ? -1 : 1) : fs === 1 ? 1 : -1;
        move2 = fs === 0 ? (noeps1 ? 0 : alleps1 ? -1 : 2) : fs === 2 ? 2 : -1;
        epsEps = fs === 0 ? 0 : -1;
      }
    } else if (filter === 'null') {
      move1 = move2 = -1;
    } else if (filter === 'no_match') {
      epsEps = -1;
    }

    fst1.arcs(s1, v1);
    fst2.arcs(s2, v2);
    const il1 = v1.ilabel;
    const ol1 = v1.olabel;
    const ns1 = v1.nextstate;
    const w1 = v1.weight;
    const b1 = v1.begin;
    const e1 = v1.end;
    const il2 = v2.ilabel;
    const ol2 = v2.olabel;
    const ns2 = v2.nextstate;
    const w2 = v2.weight;
    const b2 = v2.begin;
    const e2 = v2.end;
    // OpenFst's MatchInput: search fst2 and iterate fst1 when only fst2 is sorted, or when both are and fst1's
    // state has no more arcs than fst2's.
    const searchFst2 = sorted2 && (!sorted1 || e1 - b1 <= e2 - b2);
    if (searchFst2) {
      // First the moves where fst1 stays (its implicit epsilon loop) against fst2's input epsilons.
      if (move2 >= 0) {
        for (let a2 = b2; a2 < e2 && il2[a2] === 0; a2++) {
          out.addArc(s, 0, ol2[a2], sr.times(sr.one, w2[a2]), findState(s1, ns2[a2], move2));
        }
      }
      for (let a1 = b1; a1 < e1; a1++) {
        const l = ol1[a1];
        if (l === 0) {
          if (move1 >= 0) out.addArc(s, il1[a1], 0, sr.times(w1[a1], sr.one), findState(ns1[a1], s2, move1));
          if (epsEps < 0) continue;
        }
        const next = l === 0 ? epsEps : 0;
        for (let a2 = lowerBound(il2, b2, e2, l); a2 < e2 && il2[a2] === l; a2++) {
          out.addArc(s, il1[a1], ol2[a2], sr.times(w1[a1], w2[a2]), findState(ns1[a1], ns2[a2], next));
        }
      }
    } else {
      // First the moves where fst2 stays (its implicit epsilon loop) against fst1's output epsilons.
      if (move1 >= 0) {
        for (let a1 = b1; a1 < e1 && ol1[a1] === 0; a1++) {
          out.addArc(s, il1[a1], 0, sr.times(w1[a1], sr.one), findState(ns1[a1], s2, move1));
        }
      }
      for (let a2 = b2; a2 < e2; a2++) {
        const l = il2[a2];
        if (l === 0) {
          if (move2 >= 0) out.addArc(s, 0, ol2[a2], sr.times(sr.one, w2[a2]), findState(s1, ns2[a2], move2));
          if (epsEps < 0) continue;
        }
        const next = l === 0 ? epsEps : 0;
        for (let a1 = lowerBound(ol1, b1, e1, l); a1 < e1 && ol1[a1] === l; a1++) {
          out.addArc(s, il1[a1], ol2[a2], sr.times(w1[a1], w2[a2]), findState(ns1[a1], ns2[a2], next));
        }
      }
    }
  }

  out.setStart(0);
  out.setProperties(props, -1);
  if (opts.connect !== false) connect(out);
  return out;
}
