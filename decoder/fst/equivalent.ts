// Equivalent: whether two deterministic acceptors give every string the same weight (OpenFst's Equivalent).

import { EncodeMapper, encode } from './encode.ts';
import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst } from './fst.ts';
import { quantizeWeights } from './float-weight.ts';
import { Props, type PropName } from './properties.ts';
import { push } from './push.ts';
import { DEFAULT_DELTA } from './semiring.ts';
import { VectorFst } from './vector-fst.ts';

export interface EquivalentOptions {
  /** Tolerance: pushed weights are quantized by it before comparison. Default 1/1024 (fstequivalent's). */
  delta?: number;
}

/**
 * True when the two acceptors accept the same strings with the same weights (within `delta`), as
 * `fstequivalent` (OpenFst's Equivalent). Unweighted inputs are compared directly (Aho, Hopcroft and Ullman's
 * union-find over pairs of states reached by the same prefix; a pair mixing final and non-final states
 * disproves equivalence). Weighted inputs are first copied, pushed towards the initial state, quantized by
 * `delta` and encoded with one shared (label, weight) table, then compared unweighted.
 * Caveat (OpenFst's too): when a start state lies on a cycle and its pushed potential is not one, pushing adds
 * an epsilon start arc whose encoded label the other FST may lack, so some equivalent pairs compare unequal.
 * Arcs of weight zero are ignored.
 * Preconditions: both are epsilon-free input-deterministic acceptors (FST_PROPERTY naming the missing
 * property otherwise) over the same semiring (FST_SEMIRING).
 * Cost: O((V + E) α(V)) for the comparison, plus pushing (a shortest-distance computation each) when weighted.
 */
export function equivalent(a: Fst, b: Fst, opts: EquivalentOptions = {}): boolean {
  const delta = opts.delta ?? DEFAULT_DELTA;
  if (a.semiring !== b.semiring) {
    throw new FstError('FST_SEMIRING', `equivalent: ${a.semiring.name} vs ${b.semiring.name} FSTs`);
  }
  checkProperties(a, 'first');
  checkProperties(b, 'second');
  const weighted =
    !(a.properties(Props.UNWEIGHTED, true) & Props.UNWEIGHTED) || !(b.properties(Props.UNWEIGHTED, true) & Props.UNWEIGHTED);
  if (!weighted) return equivalentUnweighted(a, b);
  const ea = VectorFst.from(a);
  const eb = VectorFst.from(b);
  push(ea, { delta });
  push(eb, { delta });
  quantizeWeights(ea, delta);
  quantizeWeights(eb, delta);
  const mapper = new EncodeMapper({ labels: true, weights: true });
  encode(ea, mapper);
  encode(eb, mapper);
  return equivalentUnweighted(ea, eb);
}

function checkProperties(fst: Fst, which: string): void {
  const need: [number, PropName][] = [
    [Props.ACCEPTOR, 'ACCEPTOR'],
    [Props.NO_EPSILONS, 'NO_EPSILONS'],
    [Props.I_DETERMINISTIC, 'I_DETERMINISTIC'],
  ];
  const p = fst.properties(Props.ACCEPTOR | Props.NO_EPSILONS | Props.I_DETERMINISTIC, true);
  for (const [bit, name] of need) {
    if (!(p & bit)) {
      throw new FstError('FST_PROPERTY', `equivalent: the ${which} FST is not an epsilon-free deterministic acceptor`, {
        missing: name,
      });
    }
  }
}

/**
 * Union-find over mapped ids: 0 is an implicit dead state, state s of `a` is 2s + 1 and of `b` is 2s + 2.
 * Pairs of states reached by the same string are merged breadth-first; any class mixing a final and a
 * non-final state proves the languages differ.
 */
function equivalentUnweighted(a: Fst, b: Fst): boolean {
  const size = 2 * Math.max(a.numStates(), b.numStates()) + 3;
  const parent = new Int32Array(size).fill(-1);
  const find = (x: number): number => {
    if (parent[x] < 0) {
      parent[x] = x;
      return x;
    }
    let r = x;
    while (parent[r] !== r) r = parent[r];
    while (parent[x] !== r) {
      const nx = parent[x];
      parent[x] = r;
      x = nx;
    }
    return r;
  };
  const isFinal = (fst: Fst, id: number): boolean => id !== 0 && fst.final((id - 1) >> 1) !== fst.semiring.zero;
  const mapA = (s: number) => (s === NO_STATE ? 0 : 2 * s + 1);
  const mapB = (s: number) => (s === NO_STATE ? 0 : 2 * s + 2);

  let qa = new Int32Array(64);
  let qb = new Int32Array(64);
  let head = 0;
  let tail = 0;
  const enqueue = (x: number, y: number) => {
    if (tail === qa.length) {
      // Compact the consumed prefix before growing.
      const live = tail - head;
      const cap = live * 2 < qa.length ? qa.length : qa.length * 2;
      const na = new Int32Array(cap);
      const nb = new Int32Array(cap);
      na.set(qa.subarray(head, tail));
      nb.set(qb.subarray(head, tail));
      qa = na;
      qb = nb;
      head = 0;
      tail = live;
    }
    qa[tail] = x;
    qb[tail] = y;
    tail++;
  };

  const s1 = mapA(a.start());
  const s2 = mapB(b.start());
  if (isFinal(a, s1) !== isFinal(b, s2)) return false;
  enqueue(s1, s2);
  const view = new ArcView();
  const pairs = new Map<number, number>();
  const destA: number[] = [];
  const destB: number[] = [];
  // Records where each label leads from state `id` of `fst` in `dest`. A label new to this pair of states gets a
  // slot on both sides, holding 0 (the dead state) on the side that has no arc with it.
  const collect = (fst: Fst, id: number, map: (s: number) => number, dest: number[]): void => {
    fst.arcs((id - 1) >> 1, view);
    for (let i = view.begin; i < view.end; i++) {
      if (view.weight[i] === fst.semiring.zero) continue;
      const l = view.ilabel[i];
      let k = pairs.get(l);
      if (k === undefined) {
        k = destA.length;
        pairs.set(l, k);
        destA.push(0);
        destB.push(0);
      }
      dest[k] = map(view.nextstate[i]);
    }
  };
  while (head < tail) {
    const x = qa[head];
    const y = qb[head];
    head++;
    const rx = find(x);
    const ry = find(y);
    if (rx === ry) continue;
    parent[rx] = ry;
    pairs.clear();
    destA.length = 0;
    destB.length = 0;
    if (x !== 0) collect(a, x, mapA, destA);
    if (y !== 0) collect(b, y, mapB, destB);
    for (let k = 0; k < destA.length; k++) {
      if (isFinal(a, destA[k]) !== isFinal(b, destB[k])) return false;
      enqueue(destA[k], destB[k]);
    }
  }
  return true;
}
