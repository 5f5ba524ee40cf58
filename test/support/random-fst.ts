// Random small FSTs for property and oracle tests: epsilons, cycles, weights, both semirings; random rewrites that
// keep the weighted language.

import { arcsOf, type Fst } from '../../decoder/fst/fst.ts';
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

/**
 * A functional transducer with output delays: a random epsilon-free acceptor whose label x outputs h(x), each
 * output emitted on its own arc or one arc later (chosen at random), with a final epsilon-input arc flushing
 * a pending output. Several paths with one input then reach states with different pending outputs.
 */
export function delayedOutputTransducer(seed: number, opts: RandomFstOptions): VectorFst {
  const a = randomFst(seed, { ...opts, acceptor: true, epsilonProb: 0 });
  const rng = new Rng(seed * 7 + 3);
  const sr = a.semiring;
  const outOf = (l: number) => (l % 3 === 0 ? 0 : l + 10);
  const t = new VectorFst(sr);
  const ids = new Map<string, number>();
  const queue: [number, number][] = [];
  const id = (q: number, p: number): number => {
    const key = `${q},${p}`;
    let s = ids.get(key);
    if (s === undefined) {
      s = t.addState();
      ids.set(key, s);
      queue.push([q, p]);
    }
    return s;
  };
  t.setStart(id(a.start(), 0));
  let superfinal = -1;
  for (let i = 0; i < queue.length; i++) {
    const [q, p] = queue[i];
    const s = id(q, p);
    for (const arc of arcsOf(a, q)) {
      if (p === 0 && rng.bool(0.5)) t.addArc(s, arc.ilabel, outOf(arc.ilabel), arc.weight, id(arc.nextstate, 0));
      else t.addArc(s, arc.ilabel, p === 0 ? 0 : outOf(p), arc.weight, id(arc.nextstate, arc.ilabel));
    }
    const f = a.final(q);
    if (f === sr.zero) continue;
    if (p === 0) {
      t.setFinal(s, f);
    } else {
      if (superfinal < 0) {
        superfinal = t.addState();
        t.setFinal(superfinal, sr.one);
      }
      t.addArc(s, 0, outOf(p), f, superfinal);
    }
  }
  return t;
}

/**
 * An equivalent FST with every state doubled: copies 2s and 2s+1 of s have s's arcs, each arc going to a
 * randomly chosen copy of its destination. Every path maps to exactly one path, so weights are unchanged in
 * any semiring, and minimization must merge the copies again.
 */
export function splitStates(f: Fst, seed: number): VectorFst {
  const rng = new Rng(seed);
  const g = new VectorFst(f.semiring);
  const n = f.numStates();
  g.addStates(2 * n);
  g.setStart(2 * f.start());
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < 2; c++) {
      g.setFinal(2 * s + c, f.final(s));
      for (const a of arcsOf(f, s)) g.addArc(2 * s + c, a.ilabel, a.olabel, a.weight, 2 * a.nextstate + rng.int(0, 1));
    }
  }
  return g;
}
