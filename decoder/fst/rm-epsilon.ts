// RmEpsilon: removes epsilon arcs (ilabel = olabel = 0) in place, keeping the weighted relation (OpenFst's RmEpsilon).

import { connect } from './connect.ts';
import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';
import { SHORTEST_DELTA } from './semiring.ts';

export interface RmEpsilonOptions {
  /**
   * Convergence tolerance of the epsilon-closure distances: relaxation stops once an update changes a distance
   * by at most delta. Matters only for the log semiring on epsilon cycles. Default 1e-6 (OpenFst's kShortestDelta).
   */
  delta?: number;
  /** Trim the result (states not on a successful path are removed). Default true, as OpenFst. */
  connect?: boolean;
}

/** Relaxations allowed in one call before giving up (log epsilon cycles of non-positive weight never converge). */
const MAX_RELAXATIONS = 1e8;

/**
 * Replaces every epsilon path followed by a non-epsilon arc with one arc, and every epsilon path reaching a final
 * state with a final weight, so that no arc has ilabel = olabel = 0 and the weighted relation is unchanged.
 *
 * For each state s, the epsilon closure C(s) is computed by single-source shortest distance d_s over the
 * epsilon arcs (generic relaxation; exact in the tropical semiring, within `delta` in the log semiring, where
 * every epsilon cycle must have positive weight). Then s gets Final(s) = ⊕_{q ∈ C(s)} d_s(q) ⊗ Final(q) and,
 * for each non-epsilon arc q → t of a state in C(s), an arc s → t weighted d_s(q) ⊗ w; arcs with the same
 * (ilabel, olabel, nextstate) are merged with ⊕. States are processed as OpenFst does: epsilon-graph SCCs in
 * reverse topological order, states of one SCC by increasing id; a closure stops at states already processed,
 * whose new arcs already summarise what lies beyond. Arc order within each state is OpenFst's too, so the result
 * is the FST fstrmepsilon builds (same states, arcs and order), weights equal up to float rounding.
 * With `connect` (the default), states entered only by epsilon arcs are not expanded (they become
 * unreachable) and the result is trimmed with `connect`.
 * Sets NO_EPSILONS (and, with connect, ACCESSIBLE and COACCESSIBLE).
 * Preconditions: tropical epsilon cycles must not have negative weight (FST_LIMIT once detected); the log
 * semiring needs epsilon cycles of positive weight to converge (FST_LIMIT after 1e8 relaxations otherwise).
 * Cost: Σ_s O(|C(s)| + E(C(s))) · log |C(s)| time over the expanded states, O(V) scratch; linear in practice
 * when epsilon closures are small. Epsilon cycles cost more relaxations in the log semiring.
 */
export function rmEpsilon(fst: MutableFst, opts: RmEpsilonOptions = {}): void {
  const delta = opts.delta ?? SHORTEST_DELTA;
  if (!(delta >= 0)) throw new FstError('FST_ARGUMENT', 'delta must be a non-negative number', { delta });
  const doConnect = opts.connect ?? true;
  const start = fst.start();
  if (start === NO_STATE) return;
  const saved = fst.properties(-1, false);
  const n = fst.numStates();
  const view = new ArcView();

  // States entered by a non-epsilon arc (or the start): only these stay reachable once epsilons are gone.
  const nonEpsIn = new Uint8Array(n);
  nonEpsIn[start] = 1;
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      if (view.ilabel[a] !== 0 || view.olabel[a] !== 0) nonEpsIn[view.nextstate[a]] = 1;
    }
  }

  const eps = epsilonSccs(fst);
  const order = processingOrder(eps.scc, eps.numScc);
  const closure = new EpsilonClosure(fst, eps.scc, eps.numScc, delta);
  for (let i = 0; i < n; i++) {
    const s = order[i];
    if (doConnect && !nonEpsIn[s]) continue;
    closure.expand(s);
    fst.setFinal(s, closure.final);
    fst.deleteArcs(s);
    const k = closure.numArcs;
    fst.reserveArcs(s, k);
    // OpenFst pops its collected arcs from the back, so they land in reverse order of discovery.
    for (let j = k - 1; j >= 0; j--) {
      fst.addArc(s, closure.il[j], closure.ol[j], closure.w[j], closure.ns[j]);
    }
  }
  if (doConnect) for (let s = 0; s < n; s++) if (!nonEpsIn[s]) fst.deleteArcs(s);

  const kept = Props.ACCEPTOR | Props.NO_I_EPSILONS | Props.NO_O_EPSILONS;
  fst.setProperties((saved & kept) | Props.NO_EPSILONS, -1);
  if (doConnect) connect(fst);
}

/**
 * Tarjan SCCs of the epsilon subgraph, DFS roots the start then every unvisited state in id order (as OpenFst's
 * DfsVisit). SCC ids are in completion order, i.e. reverse topological order of the condensation.
 */
function epsilonSccs(fst: MutableFst): { scc: Int32Array; numScc: number } {
  const n = fst.numStates();
  const view = new ArcView();
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callState = new Int32Array(n);
  const callArc = new Int32Array(n);
  const scc = new Int32Array(n).fill(-1);
  let sp = 0;
  let counter = 0;
  let numScc = 0;
  const start = fst.start();
  for (let i = -1; i < n; i++) {
    const root = i < 0 ? start : i;
    if (root < 0 || index[root] >= 0) continue;
    let depth = 0;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    callState[0] = root;
    callArc[0] = 0;
    depth = 1;
    while (depth > 0) {
      const s = callState[depth - 1];
      fst.arcs(s, view);
      let a = view.begin + callArc[depth - 1];
      while (a < view.end && (view.ilabel[a] !== 0 || view.olabel[a] !== 0)) a++;
      if (a < view.end) {
        callArc[depth - 1] = a - view.begin + 1;
        const t = view.nextstate[a];
        if (index[t] < 0) {
          index[t] = low[t] = counter++;
          stack[sp++] = t;
          onStack[t] = 1;
          callState[depth] = t;
          callArc[depth] = 0;
          depth++;
        } else if (onStack[t] && index[t] < low[s]) {
          low[s] = index[t];
        }
        continue;
      }
      depth--;
      if (depth > 0) {
        const p = callState[depth - 1];
        if (low[s] < low[p]) low[p] = low[s];
      }
      if (low[s] === index[s]) {
        let t: number;
        do {
          t = stack[--sp];
          onStack[t] = 0;
          scc[t] = numScc;
        } while (t !== s);
        numScc++;
      }
    }
  }
  return { scc, numScc };
}

/** States sorted by SCC id (sinks first), then by state id: a counting sort. */
function processingOrder(scc: Int32Array, numScc: number): Int32Array {
  const n = scc.length;
  const bucket = new Int32Array(numScc + 1);
  for (let s = 0; s < n; s++) bucket[scc[s] + 1]++;
  for (let c = 0; c < numScc; c++) bucket[c + 1] += bucket[c];
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) order[bucket[scc[s]]++] = s;
  return order;
}

/**
 * Epsilon closure of one state at a time, with scratch arrays shared across calls: distances are reset lazily
 * through a per-call stamp, so one expansion costs only the size of its closure.
 */
class EpsilonClosure {
  /** The result of the last `expand`: its final weight and arcs (index 0 … numArcs - 1, discovery order). */
  final = Infinity;
  numArcs = 0;
  il = new Int32Array(16);
  ol = new Int32Array(16);
  ns = new Int32Array(16);
  w = new Float64Array(16);

  private readonly fst: MutableFst;
  private readonly sccRank: Int32Array;
  private readonly delta: number;
  private readonly pushLimit: number;
  private readonly view = new ArcView();
  private stamp = 0;
  private relaxations = 0;
  // Per state: distance, residual not yet propagated, stamp of the call that last wrote them, queue and visit marks.
  private readonly d: Float64Array;
  private readonly r: Float64Array;
  private readonly seen: Int32Array;
  private readonly queued: Uint8Array;
  private readonly pushes: Int32Array;
  private readonly visited: Int32Array;
  // Binary heap of states keyed by (SCC rank, insertion number): whole SCCs in topological order, FIFO inside.
  private heapState = new Int32Array(16);
  private heapRank = new Int32Array(16);
  private heapSeq = new Float64Array(16);
  private heapSize = 0;
  private seq = 0;
  private dfs = new Int32Array(16);
  // Open-addressing table (ilabel, olabel, nextstate) → arc index, valid where keyStamp equals the call's stamp.
  private keyIl = new Int32Array(64);
  private keyOl = new Int32Array(64);
  private keyNs = new Int32Array(64);
  private keyIdx = new Int32Array(64);
  private keyStamp = new Int32Array(64);

  constructor(fst: MutableFst, scc: Int32Array, numScc: number, delta: number) {
    const n = fst.numStates();
    this.fst = fst;
    this.delta = delta;
    this.pushLimit = n + 1;
    // Tarjan ids are reverse topological; the queue wants sources first.
    this.sccRank = new Int32Array(n);
    for (let s = 0; s < n; s++) this.sccRank[s] = numScc - 1 - scc[s];
    this.d = new Float64Array(n);
    this.r = new Float64Array(n);
    this.seen = new Int32Array(n);
    this.queued = new Uint8Array(n);
    this.pushes = new Int32Array(n);
    this.visited = new Int32Array(n);
  }

  expand(source: number): void {
    const stamp = ++this.stamp;
    this.distances(source, stamp);
    const fst = this.fst;
    const sr = fst.semiring;
    const view = this.view;
    const d = this.d;
    let final = sr.zero;
    this.numArcs = 0;
    // Depth-first over the closure with a stack, as OpenFst does, so the arcs come out in its order.
    let sp = 0;
    this.dfs[sp++] = source;
    while (sp > 0) {
      const q = this.dfs[--sp];
      if (this.visited[q] === stamp) continue;
      this.visited[q] = stamp;
      const dq = this.seen[q] === stamp ? d[q] : sr.zero;
      fst.arcs(q, view);
      for (let a = view.begin; a < view.end; a++) {
        const t = view.nextstate[a];
        const il = view.ilabel[a];
        const ol = view.olabel[a];
        if (il === 0 && ol === 0) {
          if (this.visited[t] !== stamp) {
            if (sp === this.dfs.length) this.dfs = growI32(this.dfs, sp * 2);
            this.dfs[sp++] = t;
          }
        } else {
          this.addArc(il, ol, t, sr.times(dq, view.weight[a]), stamp);
        }
      }
      final = sr.plus(final, sr.times(dq, fst.final(q)));
    }
    this.final = final;
  }

  /** Single-source shortest distances over epsilon arcs: generic relaxation (Mohri 2002) with residuals. */
  private distances(source: number, stamp: number): void {
    const fst = this.fst;
    const sr = fst.semiring;
    const view = this.view;
    const d = this.d;
    const r = this.r;
    const delta = this.delta;
    this.touch(source, stamp);
    d[source] = sr.one;
    r[source] = sr.one;
    this.heapSize = 0;
    this.push(source);
    while (this.heapSize > 0) {
      const s = this.pop();
      this.queued[s] = 0;
      const rs = r[s];
      r[s] = sr.zero;
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        if (view.ilabel[a] !== 0 || view.olabel[a] !== 0) continue;
        const t = view.nextstate[a];
        this.touch(t, stamp);
        const w = sr.times(rs, view.weight[a]);
        const nd = sr.plus(d[t], w);
        if (++this.relaxations > MAX_RELAXATIONS) {
          throw new FstError('FST_LIMIT', 'epsilon closure did not converge (epsilon cycle of non-positive weight?)', {
            limit: MAX_RELAXATIONS,
          });
        }
        if (sr.approxEqual(d[t], nd, delta)) continue;
        d[t] = nd;
        r[t] = sr.plus(r[t], w);
        if (this.queued[t]) continue;
        // The queue is FIFO within an SCC, so without a negative cycle a state re-enters it at most once per
        // pass over its SCC; more means a tropical cycle of negative weight, which would never converge.
        if (sr.idempotent && ++this.pushes[t] > this.pushLimit) {
          throw new FstError('FST_LIMIT', 'epsilon cycle of negative weight: epsilon closure does not converge', {
            state: t,
          });
        }
        this.push(t);
      }
    }
  }

  private touch(s: number, stamp: number): void {
    if (this.seen[s] === stamp) return;
    this.seen[s] = stamp;
    this.d[s] = Infinity;
    this.r[s] = Infinity;
    this.queued[s] = 0;
    this.pushes[s] = 0;
  }

  /** Adds w to the arc (il, ol, ns) of this expansion, creating it if new. */
  private addArc(il: number, ol: number, ns: number, w: number, stamp: number): void {
    let size = this.keyIl.length;
    if (this.numArcs * 2 >= size) {
      this.rehash(size * 2, stamp);
      size *= 2;
    }
    const mask = size - 1;
    let h = hash3(il, ol, ns) & mask;
    while (this.keyStamp[h] === stamp) {
      if (this.keyIl[h] === il && this.keyOl[h] === ol && this.keyNs[h] === ns) {
        const i = this.keyIdx[h];
        this.w[i] = this.fst.semiring.plus(this.w[i], w);
        return;
      }
      h = (h + 1) & mask;
    }
    const i = this.numArcs++;
    if (i === this.il.length) {
      this.il = growI32(this.il, i * 2);
      this.ol = growI32(this.ol, i * 2);
      this.ns = growI32(this.ns, i * 2);
      const nw = new Float64Array(i * 2);
      nw.set(this.w);
      this.w = nw;
    }
    this.il[i] = il;
    this.ol[i] = ol;
    this.ns[i] = ns;
    this.w[i] = w;
    this.keyStamp[h] = stamp;
    this.keyIl[h] = il;
    this.keyOl[h] = ol;
    this.keyNs[h] = ns;
    this.keyIdx[h] = i;
  }

  /** Grows the key table to `size` slots (a power of two) and re-inserts this expansion's arcs. */
  private rehash(size: number, stamp: number): void {
    this.keyIl = new Int32Array(size);
    this.keyOl = new Int32Array(size);
    this.keyNs = new Int32Array(size);
    this.keyIdx = new Int32Array(size);
    this.keyStamp = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.numArcs; i++) {
      let h = hash3(this.il[i], this.ol[i], this.ns[i]) & mask;
      while (this.keyStamp[h] === stamp) h = (h + 1) & mask;
      this.keyStamp[h] = stamp;
      this.keyIl[h] = this.il[i];
      this.keyOl[h] = this.ol[i];
      this.keyNs[h] = this.ns[i];
      this.keyIdx[h] = i;
    }
  }

  private push(s: number): void {
    this.queued[s] = 1;
    let i = this.heapSize++;
    if (i === this.heapState.length) {
      this.heapState = growI32(this.heapState, i * 2);
      this.heapRank = growI32(this.heapRank, i * 2);
      const hs = new Float64Array(i * 2);
      hs.set(this.heapSeq);
      this.heapSeq = hs;
    }
    const rank = this.sccRank[s];
    const seq = this.seq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.heapRank[p] < rank || (this.heapRank[p] === rank && this.heapSeq[p] < seq)) break;
      this.heapState[i] = this.heapState[p];
      this.heapRank[i] = this.heapRank[p];
      this.heapSeq[i] = this.heapSeq[p];
      i = p;
    }
    this.heapState[i] = s;
    this.heapRank[i] = rank;
    this.heapSeq[i] = seq;
  }

  private pop(): number {
    const top = this.heapState[0];
    const last = --this.heapSize;
    const s = this.heapState[last];
    const rank = this.heapRank[last];
    const seq = this.heapSeq[last];
    let i = 0;
    while (true) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (
        c + 1 < last &&
        (this.heapRank[c + 1] < this.heapRank[c] ||
          (this.heapRank[c + 1] === this.heapRank[c] && this.heapSeq[c + 1] < this.heapSeq[c]))
      ) {
        c++;
      }
      if (this.heapRank[c] > rank || (this.heapRank[c] === rank && this.heapSeq[c] > seq)) break;
      this.heapState[i] = this.heapState[c];
      this.heapRank[i] = this.heapRank[c];
      this.heapSeq[i] = this.heapSeq[c];
      i = c;
    }
    this.heapState[i] = s;
    this.heapRank[i] = rank;
    this.heapSeq[i] = seq;
    return top;
  }
}

function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
  h ^= h >>> 15;
  return h;
}

function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
