// Random small FSTs for property and oracle tests: epsilons, cycles, weights, both semirings.

import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { TropicalSemiring, type Semiring } from '../../decoder/fst/semiring.ts';
import { Rng } from './random.ts';

export interface RandomFstOptions {
  semiring?: Semiring;
  /** Number of states (at least 1). Default 2–6. */
  minStates?: number;
  maxStates?: number;
  /** Labels are drawn from 1..numLabels. Default 3. */
  numLabels?: number;
  /** Probability that a label is epsilon (0). Default 0.2. */
  epsilonProb?: number;
  acceptor?: boolean;
  /** Allow arcs to any state (cycles) or only to higher-numbered states. Default true. */
  cyclic?: boolean;
  /** Arc weights random (multiples of 1/8 in [0, 4]) or all one. Default true. */
  weighted?: boolean;
  /** Final weights random even when arcs are unweighted. Default true. */
  weightedFinals?: boolean;
  /** Arcs per state: 0..maxArcs. Default 3. */
  maxArcs?: number;
  /** Probability that a state is final. Default 0.4 (the last state always is). */
  finalProb?: number;
}

function weightOf(rng: Rng): number {
  return rng.int(0, 32) / 8;
}

/** A random FST; its shape is a function of (seed, options) only. */
export function randomFst(seed: number, opts: RandomFstOptions = {}): VectorFst {
  const rng = new Rng(seed);
  const sr = opts.semiring ?? TropicalSemiring;
  const n = rng.int(opts.minStates ?? 2, opts.maxStates ?? 6);
  const numLabels = opts.numLabels ?? 3;
  const epsP = opts.epsilonProb ?? 0.2;
  const cyclic = opts.cyclic ?? true;
  const weighted = opts.weighted ?? true;
  const weightedFinals = opts.weightedFinals ?? true;
  const maxArcs = opts.maxArcs ?? 3;
  const fst = new VectorFst(sr);
  fst.addStates(n);
  fst.setStart(0);
  const label = () => (rng.bool(epsP) ? 0 : rng.int(1, numLabels));
  for (let s = 0; s < n; s++) {
    const k = rng.int(s === 0 ? 1 : 0, maxArcs);
    for (let i = 0; i < k; i++) {
      let d: number;
      if (cyclic) d = rng.int(0, n - 1);
      else if (s === n - 1) break;
      else d = rng.int(s + 1, n - 1);
      const il = label();
      const ol = opts.acceptor ? il : label();
      fst.addArc(s, il, ol, weighted ? weightOf(rng) : sr.one, d);
    }
    if (s === n - 1 || rng.bool(opts.finalProb ?? 0.4)) fst.setFinal(s, weightedFinals ? weightOf(rng) : sr.one);
  }
  return fst;
}
