// The plain reference twin of WfstDecoder: exhaustive Viterbi over TLG with maps and arrays, no pruning, no arenas.

import type { Fst } from '../fst/fst.ts';
import { ArcView } from '../fst/fst.ts';
import type { TokenTable } from '../graph/tokens.ts';
import type { DecoderConfig } from './config.ts';
import type { Decodable } from './decodable.ts';

/** The best path of the reference search. */
export interface ReferencePath {
  /** Total cost (acoustic + graph + final weight). */
  cost: number;
  graphCost: number;
  /** Output labels (words) in order. */
  words: number[];
  /** Whether a final state was reached (else the best non-final hypothesis is returned). */
  final: boolean;
}

interface Hyp {
  cost: number;
  graphCost: number;
  words: number[];
}

/**
 * Exhaustive Viterbi decoding of all frames of `decodable` over `fst`, with the same frame costs as `WfstDecoder`
 * (acoustic scale, priors, blank penalty; no blank skipping): every state reachable at a frame is kept, and epsilon
 * arcs are closed by label-correcting relaxation. Returns null when no state is reachable. For tests only: cost
 * O(frames × reachable states × arcs) with a Map per frame and an array copy per word.
 */
export function referenceDecode(fst: Fst, tokens: TokenTable, decodable: Decodable, config: DecoderConfig): ReferencePath | null {
  const view = new ArcView();
  const closure = (hyps: Map<number, Hyp>) => {
    const queue = [...hyps.keys()];
    while (queue.length > 0) {
      const s = queue.pop() as number;
      const h = hyps.get(s) as Hyp;
      fst.arcs(s, view);
      const arcs: [number, number, number, number][] = [];
      for (let a = view.begin; a < view.end; a++) arcs.push([view.ilabel[a], view.olabel[a], view.weight[a], view.nextstate[a]]);
      for (const [il, ol, w, d] of arcs) {
        if (il !== 0) continue;
        const c = h.cost + w;
        const old = hyps.get(d);
        if (old === undefined || c < old.cost) {
          hyps.set(d, { cost: c, graphCost: h.graphCost + w, words: ol !== 0 ? [...h.words, ol] : h.words });
          queue.push(d);
        }
      }
    }
  };
  let hyps = new Map<number, Hyp>();
  const start = fst.start();
  if (start < 0) return null;
  hyps.set(start, { cost: 0, graphCost: 0, words: [] });
  closure(hyps);
  const frames = decodable.numFramesReady();
  for (let t = 0; t < frames; t++) {
    const cost = (k: number) => {
      let ll = decodable.logLikelihood(t, k);
      if (config.labelLogPriors !== null) ll -= config.priorScale * config.labelLogPriors[k];
      return -config.acousticScale * ll + (k === tokens.blank ? config.blankPenalty : 0);
    };
    const next = new Map<number, Hyp>();
    for (const [s, h] of hyps) {
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        const il = view.ilabel[a];
        if (il === 0) continue;
        const c = h.cost + view.weight[a] + cost(tokens.token(il));
        const d = view.nextstate[a];
        const old = next.get(d);
        if (old === undefined || c < old.cost) {
          const ol = view.olabel[a];
          next.set(d, { cost: c, graphCost: h.graphCost + view.weight[a], words: ol !== 0 ? [...h.words, ol] : h.words });
        }
      }
    }
    closure(next);
    hyps = next;
  }
  let best: ReferencePath | null = null;
  for (const [s, h] of hyps) {
    const f = fst.final(s);
    if (f === Infinity) continue;
    if (best === null || h.cost + f < best.cost) best = { cost: h.cost + f, graphCost: h.graphCost + f, words: h.words, final: true };
  }
  if (best !== null) return best;
  for (const h of hyps.values()) {
    if (best === null || h.cost < best.cost) best = { cost: h.cost, graphCost: h.graphCost, words: h.words, final: false };
  }
  return best;
}
