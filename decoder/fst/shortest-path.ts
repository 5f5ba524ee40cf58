// ShortestPath: the best path, or the n best paths, of a tropical FST (OpenFst's ShortestPath).

import { connect } from './connect.ts';
import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst } from './fst.ts';
import { Props } from './properties.ts';
import { reverse } from './reverse.ts';
import { SHORTEST_DELTA } from './semiring.ts';
import { shortestDistance } from './shortest-distance.ts';
import { VectorFst } from './vector-fst.ts';


export interface ShortestPathOptions {
  /** Number of best paths to return. Default 1. 0 (or less) returns an empty FST, as OpenFst. */
  nshortest?: number;
  /**
   * Return only paths with distinct label strings (epsilon counting as a label), by running the n-best search
   * on the determinized reversed FST, as OpenFst does. Needs an acceptor. Default false. Ignored for n = 1.
   */
  unique?: boolean;
  /**
   * Tolerance: two candidate weights within delta count as equal when ordering completed paths against
   * partial ones, and the determinization behind `unique` quantizes residual weights to it. Default 1e-6.
   */
  delta?: number;
}

/**
 * The n shortest (least-cost) successful paths of `fst`, as a new FST.
 *
 * n = 1: a single path, as OpenFst builds it: its states are numbered from the final state (0) back to the start
 * (the highest id), arcs are copies of the input's, the final state keeps the input's final weight. Found by a
 * label-correcting best-first search (exact with negative arcs, provided no negative cycle).
 * n > 1: Mohri & Riley's n-shortest-paths algorithm: best-first search on the reversed FST whose heuristic is the
 * shortest distance from the input's start, expanding each state at most n times; the result is a tree shaped as
 * OpenFst's (epsilon arcs at the start and before each final weight), trimmed. Paths with equal weights may be
 * chosen differently from OpenFst.
 * An FST without a successful path yields an empty FST (no states).
 * Preconditions: the tropical semiring (path property), else FST_SEMIRING; `unique` with n > 1 needs an acceptor
 * (FST_PROPERTY, missing ACCEPTOR). Symbol tables are shared with the input.
 * Cost: n = 1: O(E log V). n > 1: O(V + E) for the distances and reversal, then O(n·(V + E)·log(n·E)) for the
 * search; the result has O(n·V) states. `unique` adds a lazy determinization of the visited part.
 */
export function shortestPath(fst: Fst, opts: ShortestPathOptions = {}): VectorFst {
  const sr = fst.semiring;
  if (!sr.idempotent) {
    throw new FstError('FST_SEMIRING', `shortest path needs the path property (tropical), got ${sr.name}`);
  }
  const n = opts.nshortest ?? 1;
  const delta = opts.delta ?? SHORTEST_DELTA;
  if (!Number.isInteger(n)) throw new FstError('FST_ARGUMENT', 'nshortest must be an integer', { nshortest: n });
  if (!(delta >= 0)) throw new FstError('FST_ARGUMENT', 'delta must be a non-negative number', { delta });
  if (n === 1) return singleShortestPath(fst);
  const out = new VectorFst(sr);
  out.isymbols = fst.isymbols;
  out.osymbols = fst.osymbols;
  if (n <= 0) return out;
  if (opts.unique && !(fst.properties(Props.ACCEPTOR, true) & Props.ACCEPTOR)) {
    throw new FstError('FST_PROPERTY', 'unique n-shortest paths need an acceptor', { missing: 'ACCEPTOR' });
  }
  const dist = shortestDistance(fst);
  const rfst = reverse(fst);
  // Reversed state s + 1 is input state s; the superinitial state 0 is at distance ⊕_f Final(f) ⊗ d(f).
  const rdist = new Float32Array(fst.numStates() + 1);
  rdist.set(dist, 1);
  let d0 = sr.zero;
  const view = new ArcView();
  rfst.arcs(0, view);
  for (let a = view.begin; a < view.end; a++) d0 = sr.plus(d0, sr.times(view.weight[a], rdist[view.nextstate[a]]));
  rdist[0] = d0;
  nShortestPath(opts.unique ? new LazyDfa(rfst, rdist, delta) : new Reversed(rfst, rdist), n, delta, out);
  return out;
}

/**
 * What the n-best search reads: the reversed FST or its lazy determinization, with each state's distance from
 * the reversal's final states (the input's start).
 */
interface ArcSource {
  start(): number;
  final(s: number): number;
  arcs(s: number, view: ArcView): ArcView;
  distance(s: number): number;
}

/** The reversed FST with the distances of its states. */
class Reversed implements ArcSource {
  private readonly fst: VectorFst;
  private readonly dist: Float32Array;

  constructor(fst: VectorFst, dist: Float32Array) {
    this.fst = fst;
    this.dist = dist;
  }

  start(): number {
    return this.fst.start();
  }

  final(s: number): number {
    return this.fst.final(s);
  }

  arcs(s: number, view: ArcView): ArcView {
    return this.fst.arcs(s, view);
  }

  distance(s: number): number {
    return this.dist[s];
  }
}

function singleShortestPath(fst: Fst): VectorFst {
  const sr = fst.semiring;
  const out = new VectorFst(sr);
  out.isymbols = fst.isymbols;
  out.osymbols = fst.osymbols;
  const start = fst.start();
  if (start === NO_STATE) return out;
  const n = fst.numStates();
  // Float32 distances round sums as OpenFst's float weights do, so ties are broken on the same values.
  const dist = new Float32Array(n).fill(Infinity);
  const parent = new Int32Array(n).fill(NO_STATE);
  const parentArc = new Int32Array(n).fill(-1);
  const heap = new MinHeap();
  const view = new ArcView();
  dist[start] = 0;
  heap.push(start, 0);
  let fDistance = Infinity;
  let fParent = NO_STATE;
  while (heap.size > 0) {
    const key = heap.topKey();
    const s = heap.pop();
    // Lazy deletion: an entry made stale by a later improvement is skipped.
    if (key > dist[s]) continue;
    const ds = dist[s];
    const f = fst.final(s);
    if (f !== sr.zero) {
      const total = Math.fround(ds + f);
      if (total < fDistance) {
        fDistance = total;
        fParent = s;
      }
    }
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const t = view.nextstate[a];
      const nd = Math.fround(sr.times(ds, view.weight[a]));
      if (nd < dist[t]) {
        dist[t] = nd;
        parent[t] = s;
        parentArc[t] = a - view.begin;
        heap.push(t, nd);
      }
    }
  }
  if (fParent === NO_STATE) return out;
  // Walk back from the best final state; output states are numbered in that order, the start last.
  let next = NO_STATE;
  for (let s = fParent, d = NO_STATE; s !== NO_STATE; d = s, s = parent[s]) {
    const o = out.addState();
    if (d === NO_STATE) {
      out.setFinal(o, fst.final(fParent));
    } else {
      fst.arcs(s, view);
      const a = view.begin + parentArc[d];
      out.addArc(o, view.ilabel[a], view.olabel[a], view.weight[a], next);
    }
    next = o;
  }
  out.setStart(next);
  out.setProperties(
    Props.ACYCLIC | Props.INITIAL_ACYCLIC | Props.I_DETERMINISTIC | Props.O_DETERMINISTIC | Props.I_LABEL_SORTED |
      Props.O_LABEL_SORTED | Props.ACCESSIBLE | Props.COACCESSIBLE,
    -1,
  );
  return out;
}

/**
 * OpenFst's NShortestPath on the reversed FST `rfst`, whose state q is at distance `rfst.distance(q)` from the
 * final states of the reversal (the original start). Each output state stands for a partial path (a suffix of an
 * input path) given by the reversed state it reached, `pairState`, and its weight so far, `pairWeight`; the
 * search pops partial paths in order of weight ⊗ distance and expands each reversed state at most n times.
 */
function nShortestPath(rfst: ArcSource, n: number, delta: number, out: VectorFst): void {
  const rstart = rfst.start();
  if (rstart === NO_STATE || !(rfst.distance(rstart) < Infinity)) return;
  const ostart = out.addState();
  out.setStart(ostart);
  const finalState = out.addState();
  out.setFinal(finalState, 0);
  let pairState = new Int32Array(64);
  let pairWeight = new Float32Array(64);
  pairState[ostart] = NO_STATE;
  pairWeight[ostart] = Infinity;
  pairState[finalState] = rstart;
  pairWeight[finalState] = 0;
  let counts = new Int32Array(64);
  // Priority of an output state: pairWeight ⊗ distance of its reversed state (one for a completed path).
  const prio = (x: number): number => {
    const q = pairState[x];
    return Math.fround((q === NO_STATE ? 0 : rfst.distance(q)) + pairWeight[x]);
  };
  // x is popped before y. A completed path yields to a partial one of (approximately) equal weight, as OpenFst.
  const before = (x: number, y: number): boolean => {
    const wx = prio(x);
    const wy = prio(y);
    const xDone = pairState[x] === NO_STATE;
    const yDone = pairState[y] === NO_STATE;
    if (xDone && !yDone) return wx < wy && !approxEqual(wx, wy, delta);
    if (yDone && !xDone) return wx < wy || approxEqual(wx, wy, delta);
    return wx < wy;
  };
  const heap = new CompareHeap(before);
  heap.push(finalState);
  const view = new ArcView();
  while (heap.size > 0) {
    const state = heap.pop();
    const q = pairState[state];
    const pw = pairWeight[state];
    if (q + 1 >= counts.length) counts = growI32(counts, Math.max(q + 2, counts.length * 2));
    const count = ++counts[q + 1];
    if (q === NO_STATE) {
      out.addArc(ostart, 0, 0, 0, state);
      if (count === n) break;
      continue;
    }
    if (count > n) continue;
    rfst.arcs(q, view);
    const fw = rfst.final(q);
    const need = out.numStates() + (view.end - view.begin) + 1;
    if (need > pairState.length) {
      const size = Math.max(need, pairState.length * 2);
      pairState = growI32(pairState, size);
      const pw2 = new Float32Array(size);
      pw2.set(pairWeight);
      pairWeight = pw2;
    }
    for (let a = view.begin; a < view.end; a++) {
      const next = out.addState();
      pairState[next] = view.nextstate[a];
      pairWeight[next] = Math.fround(pw + view.weight[a]);
      out.addArc(next, view.ilabel[a], view.olabel[a], view.weight[a], state);
      heap.push(next);
    }
    if (fw !== Infinity) {
      const next = out.addState();
      pairState[next] = NO_STATE;
      pairWeight[next] = Math.fround(pw + fw);
      out.addArc(next, 0, 0, fw, state);
      heap.push(next);
    }
  }
  connect(out);
  out.setProperties(
    Props.ACYCLIC | Props.INITIAL_ACYCLIC | Props.ACCESSIBLE | Props.COACCESSIBLE,
    Props.ACYCLIC | Props.INITIAL_ACYCLIC | Props.ACCESSIBLE | Props.COACCESSIBLE,
  );
}

function approxEqual(a: number, b: number, delta: number): boolean {
  return a === b || (a <= b + delta && b <= a + delta);
}

/**
 * The determinization of a tropical acceptor, built on demand (OpenFst's DeterminizeFsa with distances):
 * a state is a subset of (input state, residual weight) pairs sorted by state, residuals quantized to delta;
 * epsilon is an ordinary label. `distance(s)` = ⊕ residual ⊗ inDist[state] over the subset of s.
 */
class LazyDfa implements ArcSource {
  private dist = new Float32Array(16);
  private readonly fst: VectorFst;
  private readonly inDist: Float32Array;
  private readonly delta: number;
  // Subsets in one arena: subset s is elements subStart[s] … subStart[s + 1] - 1.
  private subStart = new Int32Array(17);
  private subState = new Int32Array(64);
  private subWeight = new Float32Array(64);
  private numStates = 0;
  // Open-addressing table of subset hash → state id.
  private table = new Int32Array(64).fill(-1);
  private hashes = new Int32Array(16);
  // Arcs of expanded states, CSR-like: state s has arcs arcStart[s] … arcEnd[s] - 1 once expanded[s].
  private expanded = new Uint8Array(16);
  private arcStart = new Int32Array(16);
  private arcEnd = new Int32Array(16);
  private finals = new Float32Array(16);
  private il = new Int32Array(64);
  private ns = new Int32Array(64);
  private w = new Float32Array(64);
  private numArcs = 0;
  private readonly view = new ArcView();
  // Scratch for one expansion: candidate (label, nextstate, weight) triples.
  private cLabel = new Int32Array(64);
  private cNext = new Int32Array(64);
  private cWeight = new Float32Array(64);
  private cIdx: number[] = [];
  private tmpState = new Int32Array(64);
  private tmpWeight = new Float32Array(64);

  constructor(fst: VectorFst, inDist: Float32Array, delta: number) {
    this.fst = fst;
    this.inDist = inDist;
    this.delta = delta;
    const s = fst.start();
    if (s !== NO_STATE) {
      this.tmpState[0] = s;
      this.tmpWeight[0] = 0;
      this.findState(1);
    }
  }

  start(): number {
    return this.numStates > 0 ? 0 : NO_STATE;
  }

  distance(s: number): number {
    return this.dist[s];
  }

  final(s: number): number {
    this.expand(s);
    return this.finals[s];
  }

  arcs(s: number, view: ArcView): ArcView {
    this.expand(s);
    view.ilabel = this.il;
    view.olabel = this.il;
    view.nextstate = this.ns;
    view.weight = this.w;
    view.begin = this.arcStart[s];
    view.end = this.arcEnd[s];
    return view;
  }

  private expand(s: number): void {
    if (this.expanded[s]) return;
    const fst = this.fst;
    const view = this.view;
    let m = 0;
    let final = Infinity;
    for (let e = this.subStart[s]; e < this.subStart[s + 1]; e++) {
      const q = this.subState[e];
      const rw = this.subWeight[e];
      const f = fst.final(q);
      if (f !== Infinity) final = Math.min(final, Math.fround(rw + f));
      fst.arcs(q, view);
      for (let a = view.begin; a < view.end; a++) {
        if (m === this.cLabel.length) {
          this.cLabel = growI32(this.cLabel, m * 2);
          this.cNext = growI32(this.cNext, m * 2);
          const cw = new Float32Array(m * 2);
          cw.set(this.cWeight);
          this.cWeight = cw;
        }
        this.cLabel[m] = view.ilabel[a];
        this.cNext[m] = view.nextstate[a];
        this.cWeight[m] = Math.fround(rw + view.weight[a]);
        m++;
      }
    }
    const idx = this.cIdx;
    idx.length = m;
    for (let i = 0; i < m; i++) idx[i] = i;
    const cl = this.cLabel;
    const cn = this.cNext;
    idx.sort((x, y) => cl[x] - cl[y] || cn[x] - cn[y] || x - y);
    // Arcs go out in label order (OpenFst keeps them in a map by label); destinations are found as we go,
    // so stage them before they are appended.
    const first = this.numArcs;
    let i = 0;
    while (i < m) {
      const label = cl[idx[i]];
      let j = i;
      let divisor = Infinity;
      let k = 0;
      if (m > this.tmpState.length) {
        this.tmpState = growI32(this.tmpState, m);
        this.tmpWeight = new Float32Array(m);
      }
      while (j < m && cl[idx[j]] === label) {
        const c = idx[j];
        const wc = this.cWeight[c];
        if (wc < divisor) divisor = wc;
        if (k > 0 && this.tmpState[k - 1] === cn[c]) {
          this.tmpWeight[k - 1] = Math.min(this.tmpWeight[k - 1], wc);
        } else {
          this.tmpState[k] = cn[c];
          this.tmpWeight[k] = wc;
          k++;
        }
        j++;
      }
      i = j;
      // Arcs of infinite cost carry no path weight; OpenFst would divide zero by zero here.
      if (divisor === Infinity) continue;
      for (let e = 0; e < k; e++) {
        this.tmpWeight[e] = quantize(Math.fround(this.tmpWeight[e] - divisor), this.delta);
      }
      const dest = this.findState(k);
      this.pushArc(label, divisor, dest);
    }
    this.ensureStates(s + 1);
    this.arcStart[s] = first;
    this.arcEnd[s] = this.numArcs;
    this.finals[s] = final;
    this.expanded[s] = 1;
  }

  private pushArc(label: number, weight: number, dest: number): void {
    const i = this.numArcs++;
    if (i === this.il.length) {
      this.il = growI32(this.il, i * 2);
      this.ns = growI32(this.ns, i * 2);
      const w = new Float32Array(i * 2);
      w.set(this.w);
      this.w = w;
    }
    this.il[i] = label;
    this.ns[i] = dest;
    this.w[i] = weight;
  }

  /** The id of the subset held in tmpState/tmpWeight[0 … k), adding it when new. */
  private findState(k: number): number {
    let h = 0x811c9dc5;
    for (let e = 0; e < k; e++) {
      h = Math.imul(h ^ this.tmpState[e], 0x01000193);
      h = Math.imul(h ^ (Math.round(this.tmpWeight[e] / this.delta) | 0), 0x01000193);
    }
    const mask = this.table.length - 1;
    let slot = h & mask;
    while (this.table[slot] >= 0) {
      const id = this.table[slot];
      if (this.hashes[id] === h && this.sameSubset(id, k)) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.numStates++;
    this.ensureStates(id + 1);
    const base = this.subStart[id];
    if (base + k > this.subState.length) {
      const size = Math.max(base + k, this.subState.length * 2);
      this.subState = growI32(this.subState, size);
      const sw = new Float32Array(size);
      sw.set(this.subWeight);
      this.subWeight = sw;
    }
    let d = Infinity;
    for (let e = 0; e < k; e++) {
      this.subState[base + e] = this.tmpState[e];
      this.subWeight[base + e] = this.tmpWeight[e];
      d = Math.min(d, Math.fround(this.tmpWeight[e] + this.inDist[this.tmpState[e]]));
    }
    this.subStart[id + 1] = base + k;
    this.hashes[id] = h;
    this.dist[id] = d;
    this.table[slot] = id;
    if (this.numStates * 2 > this.table.length) this.rehash();
    return id;
  }

  private sameSubset(id: number, k: number): boolean {
    const base = this.subStart[id];
    if (this.subStart[id + 1] - base !== k) return false;
    for (let e = 0; e < k; e++) {
      if (this.subState[base + e] !== this.tmpState[e] || this.subWeight[base + e] !== this.tmpWeight[e]) return false;
    }
    return true;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let id = 0; id < this.numStates; id++) {
      let slot = this.hashes[id] & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    this.table = table;
  }

  private ensureStates(n: number): void {
    if (n + 1 <= this.subStart.length && n <= this.expanded.length) return;
    const size = Math.max(n + 1, this.expanded.length * 2);
    this.subStart = growI32(this.subStart, size + 1);
    this.hashes = growI32(this.hashes, size);
    this.arcStart = growI32(this.arcStart, size);
    this.arcEnd = growI32(this.arcEnd, size);
    const e = new Uint8Array(size);
    e.set(this.expanded);
    this.expanded = e;
    const f = new Float32Array(size);
    f.set(this.finals);
    this.finals = f;
    const d = new Float32Array(size);
    d.set(this.dist);
    this.dist = d;
  }
}

function quantize(w: number, delta: number): number {
  if (w === Infinity || delta === 0) return w;
  return Math.fround(Math.floor(w / delta + 0.5) * delta);
}

/** Binary min-heap of states keyed by a number (lazy deletion is left to the caller). */
class MinHeap {
  size = 0;
  private states = new Int32Array(64);
  private keys = new Float64Array(64);

  push(s: number, key: number): void {
    let i = this.size++;
    if (i === this.states.length) {
      this.states = growI32(this.states, i * 2);
      const k = new Float64Array(i * 2);
      k.set(this.keys);
      this.keys = k;
    }
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p] <= key) break;
      this.states[i] = this.states[p];
      this.keys[i] = this.keys[p];
      i = p;
    }
    this.states[i] = s;
    this.keys[i] = key;
  }

  topKey(): number {
    return this.keys[0];
  }

  pop(): number {
    const top = this.states[0];
    const last = --this.size;
    const s = this.states[last];
    const key = this.keys[last];
    let i = 0;
    while (true) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.keys[c + 1] < this.keys[c]) c++;
      if (this.keys[c] >= key) break;
      this.states[i] = this.states[c];
      this.keys[i] = this.keys[c];
      i = c;
    }
    this.states[i] = s;
    this.keys[i] = key;
    return top;
  }
}

/** Binary heap of ids ordered by a comparison (`before(x, y)`: x comes out first). */
class CompareHeap {
  size = 0;
  private items = new Int32Array(64);
  private readonly before: (x: number, y: number) => boolean;

  constructor(before: (x: number, y: number) => boolean) {
    this.before = before;
  }

  push(x: number): void {
    let i = this.size++;
    if (i === this.items.length) this.items = growI32(this.items, i * 2);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(x, this.items[p])) break;
      this.items[i] = this.items[p];
      i = p;
    }
    this.items[i] = x;
  }

  pop(): number {
    const top = this.items[0];
    const last = --this.size;
    const x = this.items[last];
    let i = 0;
    while (true) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.before(this.items[c + 1], this.items[c])) c++;
      if (!this.before(this.items[c], x)) break;
      this.items[i] = this.items[c];
      i = c;
    }
    this.items[i] = x;
    return top;
  }
}

function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
