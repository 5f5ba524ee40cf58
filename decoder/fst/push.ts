// Weight pushing: reweights an FST by its shortest distances to (or from) the final states (OpenFst's Push, Reweight).

import { ArcView, NO_STATE, type MutableFst } from './fst.ts';
import { Props } from './properties.ts';
import { DEFAULT_DELTA, type Semiring } from './semiring.ts';
import { shortestDistance } from './shortest-distance.ts';

export interface PushOptions {
  /** Convergence tolerance of the shortest-distance computation (cyclic log FSTs). Default 1/1024, as fstpush. */
  delta?: number;
  /** Push towards the final states instead of the initial state. Default false. */
  toFinal?: boolean;
  /** Divide the total weight (⊕ of all path weights) out of the result. Default false. */
  removeTotalWeight?: boolean;
}

/**
 * Pushes weights in place, as `fstpush --push_weights`. Towards the initial state (default) the potentials are
 * the distances to the final states, and afterwards every state except the start has outgoing arc and final
 * weights that ⊕-sum to one; towards the final states the potentials are the distances from the start.
 * The start state's potential is put back (or, with `removeTotalWeight`, removed) on the start state's arcs and
 * final weight, or, when the start state lies on a cycle, on an epsilon arc from a new start state, exactly as
 * OpenFst's Reweight does. Arithmetic is float32 step by step, like OpenFst's. Preserves the weighted relation.
 * Preconditions: the distances must exist (log cycles of positive weight; no negative tropical cycles).
 * Cost: one shortest-distance computation (O(V + E) acyclic, O(E log V) tropical, iterative for cyclic log)
 * plus O(V + E); O(V) extra memory.
 */
export function push(fst: MutableFst, opts: PushOptions = {}): void {
  const toFinal = opts.toFinal ?? false;
  const delta = opts.delta ?? DEFAULT_DELTA;
  const sr = fst.semiring;
  const dist = shortestDistance(fst, { reverse: !toFinal, delta });
  const n = fst.numStates();
  const potential = new Float32Array(n);
  for (let s = 0; s < n; s++) potential[s] = dist[s];
  let total = sr.zero;
  if (opts.removeTotalWeight) total = totalWeight(fst, potential, !toFinal);
  reweight(fst, potential, toFinal);
  if (opts.removeTotalWeight) removeWeight(fst, total, toFinal);
}

/** OpenFst's ComputeTotalWeight from distances to the finals (`reverse`) or from the start. */
function totalWeight(fst: MutableFst, d: Float32Array, reverse: boolean): number {
  const sr = fst.semiring;
  const start = fst.start();
  if (reverse) return start >= 0 && start < d.length ? d[start] : sr.zero;
  let sum = sr.zero;
  for (let s = 0; s < d.length; s++) sum = Math.fround(sr.plus(sum, times(d[s], fst.final(s))));
  return sum;
}

function times(a: number, b: number): number {
  return Math.fround(a + b);
}

function divide(a: number, b: number): number {
  if (b === Infinity) return NaN;
  return Math.fround(a - b);
}

/**
 * OpenFst's Reweight: an arc s → t of weight w becomes p[s]⁻¹ ⊗ w ⊗ p[t] (towards the initial state) or
 * p[s] ⊗ w ⊗ p[t]⁻¹ (towards the finals); states or destinations of zero potential are left alone. The start
 * potential is then applied to the start state, or through a new start state when the start is on a cycle.
 * Cost: O(V + E).
 */
export function reweight(fst: MutableFst, potential: Float32Array, toFinal: boolean): void {
  const n = fst.numStates();
  if (n === 0) return;
  const sr = fst.semiring;
  const zero = sr.zero;
  const saved = fst.properties(-1, false);
  const view = new ArcView();
  for (let s = 0; s < n; s++) {
    const ps = s < potential.length ? potential[s] : zero;
    if (ps !== zero) {
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        const t = view.nextstate[a];
        if (t >= potential.length) continue;
        const pt = potential[t];
        if (pt === zero) continue;
        const w = toFinal ? divide(times(ps, view.weight[a]), pt) : divide(times(view.weight[a], pt), ps);
        fst.setArc(s, a - view.begin, view.ilabel[a], view.olabel[a], w, t);
      }
      if (!toFinal) fst.setFinal(s, divide(fst.final(s), ps));
    }
    if (toFinal) fst.setFinal(s, times(ps, fst.final(s)));
  }
  const start = fst.start();
  const startWeight = start >= 0 && start < potential.length ? potential[start] : zero;
  let added = false;
  if (startWeight !== sr.one && startWeight !== zero) {
    const factor = toFinal ? divide(sr.one, startWeight) : startWeight;
    if (fst.properties(Props.INITIAL_ACYCLIC, true) & Props.INITIAL_ACYCLIC) {
      fst.arcs(start, view);
      for (let a = view.begin; a < view.end; a++) {
        fst.setArc(start, a - view.begin, view.ilabel[a], view.olabel[a], times(factor, view.weight[a]), view.nextstate[a]);
      }
      fst.setFinal(start, times(factor, fst.final(start)));
    } else {
      const s = fst.addState();
      fst.addArc(s, 0, 0, factor, start);
      fst.setStart(s);
      added = true;
    }
  }
  setReweightProperties(fst, saved, added, toFinal);
}

/** OpenFst's RemoveWeight: divides every path weight by w, at the finals or at the start state. O(V + E). */
function removeWeight(fst: MutableFst, w: number, atFinal: boolean): void {
  const sr: Semiring = fst.semiring;
  if (w === sr.one || w === sr.zero) return;
  const saved = fst.properties(-1, false);
  if (atFinal) {
    for (let s = 0, n = fst.numStates(); s < n; s++) fst.setFinal(s, divide(fst.final(s), w));
  } else {
    const start = fst.start();
    if (start === NO_STATE) return;
    const view = fst.arcs(start, new ArcView());
    for (let a = view.begin; a < view.end; a++) {
      fst.setArc(start, a - view.begin, view.ilabel[a], view.olabel[a], divide(view.weight[a], w), view.nextstate[a]);
    }
    fst.setFinal(start, divide(fst.final(start), w));
  }
  setReweightProperties(fst, saved, false, false);
}

/**
 * Reweighting keeps the structure; a new start state adds an epsilon arc and makes the start acyclic. Towards
 * the finals, states unreachable from the start lose their final weights, so co-accessibility may change.
 */
function setReweightProperties(fst: MutableFst, saved: number, addedStart: boolean, toFinal: boolean): void {
  let kept = Props.ACCEPTOR | Props.NOT_ACCEPTOR | Props.CYCLIC | Props.ACYCLIC | Props.ACCESSIBLE | Props.NOT_ACCESSIBLE;
  if (!toFinal) kept |= Props.COACCESSIBLE | Props.NOT_COACCESSIBLE;
  if (!addedStart) {
    kept |=
      Props.I_DETERMINISTIC | Props.NON_I_DETERMINISTIC | Props.O_DETERMINISTIC | Props.NON_O_DETERMINISTIC |
      Props.EPSILONS | Props.NO_EPSILONS | Props.I_EPSILONS | Props.NO_I_EPSILONS | Props.O_EPSILONS |
      Props.NO_O_EPSILONS | Props.I_LABEL_SORTED | Props.NOT_I_LABEL_SORTED | Props.O_LABEL_SORTED |
      Props.NOT_O_LABEL_SORTED | Props.INITIAL_CYCLIC | Props.INITIAL_ACYCLIC | Props.TOP_SORTED |
      Props.NOT_TOP_SORTED;
  }
  let bits = saved & kept;
  if (addedStart) {
    bits |= Props.INITIAL_ACYCLIC | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS;
    kept |= Props.INITIAL_ACYCLIC | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS;
  }
  fst.setProperties(bits, kept);
}
