// ShortestDistance: single-source distances from the start, or to the final states (OpenFst's ShortestDistance).

import { FstError } from './errors.ts';
import { ArcView, type Fst } from './fst.ts';
import { Props, sccInfo } from './properties.ts';
import { SHORTEST_DELTA } from './semiring.ts';

export interface ShortestDistanceOptions {
  /** Distances to the final states (the semiring sum of path weights from each state) instead of from the start. */
  reverse?: boolean;
  /** Convergence tolerance for non-idempotent semirings on cyclic FSTs. Default 1e-6 (OpenFst's kShortestDelta). */
  delta?: number;
  /** Give up after this many relaxations (guards against non-convergent log cycles). Default 1e8. */
  maxRelaxations?: number;
}

/**
 * d[s] = ⊕ over paths start → s of the path weight (or, with `reverse`, ⊕ over paths s → final of the path
 * weight times the final weight). Unreachable states get zero.
 *
 * Acyclic FSTs: one pass in topological order, exact, O(V + E). Cyclic tropical FSTs: shortest-first (Dijkstra,
 * label-correcting so that negative arcs without negative cycles stay exact), O(E log V) for non-negative weights. Cyclic log FSTs: the generic
 * queue algorithm of Mohri (2002) with a FIFO queue, converging to within `delta` (the semiring must be k-closed
 * on the FST's cycles, i.e. cycles of positive cost).
 */
export function shortestDistance(fst: Fst, opts: ShortestDistanceOptions = {}): Float64Array {
  const n = fst.numStates();
  const sr = fst.semiring;
  const delta = opts.delta ?? SHORTEST_DELTA;
  const d = new Float64Array(n).fill(sr.zero);
  const start = fst.start();
  if (start < 0 || n === 0) return d;
  const view = new ArcView();

  // Adjacency in the direction of the computation: forward arcs, or reversed arcs (s ← t) for `reverse`.
  let adjStart: Int32Array;
  let adjNext: Int32Array;
  let adjW: Float32Array;
  const sources: number[] = [];
  const init = new Float64Array(n).fill(sr.zero);
  if (!opts.reverse) {
    const m = countArcs(fst, view);
    adjStart = new Int32Array(n + 1);
    adjNext = new Int32Array(m);
    adjW = new Float32Array(m);
    let k = 0;
    for (let s = 0; s < n; s++) {
      adjStart[s] = k;
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        adjNext[k] = view.nextstate[a];
        adjW[k++] = view.weight[a];
      }
    }
    adjStart[n] = k;
    init[start] = sr.one;
    sources.push(start);
  } else {
    adjStart = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) {
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) adjStart[view.nextstate[a] + 1]++;
    }
    for (let s = 0; s < n; s++) adjStart[s + 1] += adjStart[s];
    const fill = adjStart.slice(0, n);
    adjNext = new Int32Array(adjStart[n]);
    adjW = new Float32Array(adjStart[n]);
    for (let s = 0; s < n; s++) {
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        const i = fill[view.nextstate[a]]++;
        adjNext[i] = s;
        adjW[i] = view.weight[a];
      }
    }
    for (let s = 0; s < n; s++) {
      const f = fst.final(s);
      if (f !== sr.zero) {
        init[s] = f;
        sources.push(s);
      }
    }
  }

  const acyclic = (fst.properties(Props.ACYCLIC, true) & Props.ACYCLIC) !== 0;
  if (acyclic) {
    // Tarjan numbers SCCs in reverse topological order; for an acyclic FST each state is its own SCC.
    const info = sccInfo(fst);
    const order = new Int32Array(n);
    for (let s = 0; s < n; s++) order[opts.reverse ? info.scc[s] : info.numScc - 1 - info.scc[s]] = s;
    d.set(init);
    for (let i = 0; i < n; i++) {
      const s = order[i];
      const ds = d[s];
      if (ds === sr.zero) continue;
      for (let k = adjStart[s]; k < adjStart[s + 1]; k++) {
        const t = adjNext[k];
        d[t] = sr.plus(d[t], sr.times(ds, adjW[k]));
      }
    }
    return d;
  }

  const maxRelax = opts.maxRelaxations ?? 1e8;
  let relax = 0;
  if (sr.idempotent) {
    // Dijkstra with a binary heap keyed by distance; lazy deletion.
    const heapS: number[] = [];
    const heapD: number[] = [];
    const push = (s: number, v: number) => {
      let i = heapS.length;
      heapS.push(s);
      heapD.push(v);
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapD[p] <= v) break;
        heapS[i] = heapS[p];
        heapD[i] = heapD[p];
        i = p;
      }
      heapS[i] = s;
      heapD[i] = v;
    };
    let popped = 0;
    const pop = (): number => {
      const top = heapS[0];
      popped = heapD[0];
      const ls = heapS.pop() as number;
      const lv = heapD.pop() as number;
      const len = heapS.length;
      if (len > 0) {
        let i = 0;
        while (true) {
          let c = 2 * i + 1;
          if (c >= len) break;
          if (c + 1 < len && heapD[c + 1] < heapD[c]) c++;
          if (heapD[c] >= lv) break;
          heapS[i] = heapS[c];
          heapD[i] = heapD[c];
          i = c;
        }
        heapS[i] = ls;
        heapD[i] = lv;
      }
      return top;
    };
    for (const s of sources) {
      d[s] = sr.plus(d[s], init[s]);
      push(s, d[s]);
    }
    while (heapS.length > 0) {
      // Lazy deletion: skip entries made stale by a later improvement. A state may be processed again if a
      // negative arc improves it after it was popped (label-correcting), so negative weights stay exact.
      const s = pop();
      if (popped > d[s]) continue;
      const ds = d[s];
      for (let k = adjStart[s]; k < adjStart[s + 1]; k++) {
        const t = adjNext[k];
        const nd = sr.times(ds, adjW[k]);
        if (nd < d[t]) {
          d[t] = nd;
          push(t, nd);
        }
        if (++relax > maxRelax) throw new FstError('FST_LIMIT', 'shortest distance did not converge');
      }
    }
    return d;
  }

  // Generic algorithm (Mohri 2002): r[s] holds weight added to d[s] since s was last processed.
  const r = new Float64Array(n).fill(sr.zero);
  const inQueue = new Uint8Array(n);
  const queue = new Int32Array(n + 1);
  let qh = 0;
  let qt = 0;
  let qn = 0;
  for (const s of sources) {
    d[s] = init[s];
    r[s] = init[s];
    inQueue[s] = 1;
    queue[qt] = s;
    qt = (qt + 1) % queue.length;
    qn++;
  }
  while (qn > 0) {
    const s = queue[qh];
    qh = (qh + 1) % queue.length;
    qn--;
    inQueue[s] = 0;
    const rs = r[s];
    r[s] = sr.zero;
    for (let k = adjStart[s]; k < adjStart[s + 1]; k++) {
      const t = adjNext[k];
      const w = sr.times(rs, adjW[k]);
      const nd = sr.plus(d[t], w);
      if (!sr.approxEqual(d[t], nd, delta)) {
        d[t] = nd;
        r[t] = sr.plus(r[t], w);
        if (!inQueue[t]) {
          inQueue[t] = 1;
          queue[qt] = t;
          qt = (qt + 1) % queue.length;
          qn++;
        }
      }
      if (++relax > maxRelax) throw new FstError('FST_LIMIT', 'shortest distance did not converge');
    }
  }
  return d;
}

function countArcs(fst: Fst, view: ArcView): number {
  let m = 0;
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    fst.arcs(s, view);
    m += view.end - view.begin;
  }
  return m;
}
