// RandGen: random successful paths of an FST (OpenFst's RandGen with the uniform or log-probability selector).

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst } from './fst.ts';
import { Props, coaccessible } from './properties.ts';
import { VectorFst } from './vector-fst.ts';

export interface RandGenOptions {
  /** Seed of the generator: equal seeds give equal output. Any finite number (integers up to 2^53 are distinct). */
  seed: number;
  /** Number of random walks. Walks that fail (dead end, or too long) yield no path. Default 1. */
  npath?: number;
  /**
   * A walk fails once it has taken this many arcs without stopping, so successful paths have fewer arcs
   * (OpenFst's max_length). Default 2^31 - 1 (OpenFst's).
   */
  maxLength?: number;
  /**
   * Choose among the arcs and the stop option with probability ∝ exp(-weight) (OpenFst's log_prob selector)
   * instead of uniformly (OpenFst's uniform selector, the default). Default false.
   */
  weighted?: boolean;
}

/**
 * Runs `npath` independent random walks from the start. At each state the walk picks one of the state's arcs or,
 * if the state is final, "stop" — uniformly or by weight — and succeeds when it stops. Each successful walk
 * becomes its own chain of states from the shared start state 0 of the result.
 * Unlike fstrandgen, which writes weight one everywhere, each chain keeps the input arcs' weights and ends in the
 * input's final weight, so every output path is a path of the input, weight included.
 * Walks that enter a state from which no final state can be reached are abandoned at once: they would fail
 * anyway, so the distribution of the output is OpenFst's; this also bounds walks on FSTs with dead cycles.
 * The random numbers are our own (not OpenFst's mt19937_64 stream).
 * An FST without a start, or with no successful walk, yields an empty FST.
 * Cost: O(V + E) once, then O(length · out-degree) per walk; the result has one state per arc taken plus one.
 */
export function randGen(fst: Fst, opts: RandGenOptions): VectorFst {
  const npath = opts.npath ?? 1;
  const maxLength = opts.maxLength ?? 2147483647;
  const weighted = opts.weighted ?? false;
  if (!Number.isFinite(opts.seed)) throw new FstError('FST_ARGUMENT', 'seed must be a finite number', { seed: opts.seed });
  if (!Number.isInteger(npath) || npath < 0) throw new FstError('FST_ARGUMENT', 'npath must be a non-negative integer', { npath });
  if (!(maxLength >= 0)) throw new FstError('FST_ARGUMENT', 'maxLength must be non-negative', { maxLength });
  const sr = fst.semiring;
  const out = new VectorFst(sr);
  out.isymbols = fst.isymbols;
  out.osymbols = fst.osymbols;
  const start = fst.start();
  if (start === NO_STATE) return out;
  // Walks can succeed only from states co-accessible through arcs the selector can take (weighted: non-zero ones).
  const alive = coaccessible(fst, weighted);
  const rng = new SplitMix32(opts.seed);
  const view = new ArcView();
  let pathState = new Int32Array(64);
  let pathArc = new Int32Array(64);
  for (let p = 0; p < npath; p++) {
    let s = start;
    let len = 0;
    let ok = false;
    while (alive[s] && len < maxLength) {
      fst.arcs(s, view);
      const k = view.end - view.begin;
      const isFinal = fst.final(s) !== sr.zero;
      const pick = weighted ? pickByWeight(view, fst.final(s), isFinal, rng) : Math.floor(rng.next() * (k + (isFinal ? 1 : 0)));
      if (pick === k) {
        ok = true;
        break;
      }
      if (len === pathState.length) {
        pathState = grow(pathState);
        pathArc = grow(pathArc);
      }
      pathState[len] = s;
      pathArc[len] = pick;
      len++;
      s = view.nextstate[view.begin + pick];
    }
    if (!ok) continue;
    if (out.numStates() === 0) out.setStart(out.addState());
    let src = out.start();
    for (let i = 0; i < len; i++) {
      fst.arcs(pathState[i], view);
      const a = view.begin + pathArc[i];
      const dst = out.addState();
      out.addArc(src, view.ilabel[a], view.olabel[a], view.weight[a], dst);
      src = dst;
    }
    out.setFinal(src, fst.final(s));
  }
  const known = fst.properties(Props.ACCEPTOR, false);
  out.setProperties((known & Props.ACCEPTOR) | Props.ACYCLIC | Props.INITIAL_ACYCLIC, -1);
  return out;
}

/**
 * Index of the chosen arc (k = "stop") with probability ∝ exp(-w). Computed relative to the smallest weight so
 * that large costs do not underflow to a zero total.
 */
function pickByWeight(view: ArcView, finalWeight: number, isFinal: boolean, rng: SplitMix32): number {
  const k = view.end - view.begin;
  let min = isFinal ? finalWeight : Infinity;
  for (let a = view.begin; a < view.end; a++) if (view.weight[a] < min) min = view.weight[a];
  let total = 0;
  for (let a = view.begin; a < view.end; a++) total += Math.exp(min - view.weight[a]);
  if (isFinal) total += Math.exp(min - finalWeight);
  const threshold = rng.next() * total;
  let acc = 0;
  let last = -1;
  for (let a = view.begin; a < view.end; a++) {
    const p = Math.exp(min - view.weight[a]);
    if (p > 0) last = a - view.begin;
    acc += p;
    if (acc > threshold) return a - view.begin;
  }
  // Rounding left the threshold beyond the sum: stop if allowed, else take the last arc that can be taken.
  return isFinal ? k : last;
}

/** A small seeded generator (SplitMix32 variant) giving uniform doubles in [0, 1). */
class SplitMix32 {
  private state: number;

  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    this.state = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
  }

  next(): number {
    let z = (this.state = (this.state + 0x9e3779b9) >>> 0);
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
