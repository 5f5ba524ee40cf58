// Test helpers for TLG graphs: the readings of a frame string, frame strings of sentences, and G's sentence costs.

import { compose } from '../../decoder/fst/compose.ts';
import { ArcView, arcsOf, type Fst, type Label } from '../../decoder/fst/fst.ts';
import { shortestDistance } from '../../decoder/fst/shortest-distance.ts';
import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { ctcAlignment } from '../../decoder/graph/ctc-topology.ts';
import type { TokenId, TokenTable } from '../../decoder/graph/tokens.ts';
import type { WordTable } from '../../decoder/graph/words.ts';
import type { Rng } from './random.ts';

/**
 * Every word sequence TLG gives the frame string (epsilon-input arcs followed), with its least cost; keys are the
 * words joined by spaces. A plain depth-first search over every path, for small graphs and short strings only;
 * throws on an epsilon cycle.
 */
export function readings(tlg: Fst, frames: readonly Label[], words: WordTable): Map<string, number> {
  const out = new Map<string, number>();
  const view = new ArcView();
  const visit = (s: number, pos: number, o: number[], cost: number, depth: number) => {
    if (depth > 10 * frames.length + 50) throw new Error('epsilon cycle');
    if (pos === frames.length && tlg.final(s) !== Infinity) {
      const key = o.map((l) => words.word(l)).join(' ');
      const c = cost + tlg.final(s);
      if (!(c >= (out.get(key) ?? Infinity))) out.set(key, c);
    }
    tlg.arcs(s, view);
    const arcs: number[][] = [];
    for (let a = view.begin; a < view.end; a++) arcs.push([view.ilabel[a], view.olabel[a], view.weight[a], view.nextstate[a]]);
    for (const [il, ol, w, t] of arcs) {
      if (il !== 0 && (pos >= frames.length || il !== frames[pos])) continue;
      visit(t, il === 0 ? pos : pos + 1, ol === 0 ? o : [...o, ol], cost + w, depth + 1);
    }
  };
  if (tlg.start() >= 0) visit(tlg.start(), 0, [], 0, 0);
  return out;
}

/** Token ids of a sentence: spelled words, joined by the space when `spaces` (and the table has one). Throws on an unspellable word. */
export function spellSentence(tokens: TokenTable, sentence: readonly string[], spaces: boolean): TokenId[] {
  const ids: TokenId[] = [];
  sentence.forEach((w, i) => {
    if (i > 0 && spaces && tokens.space >= 0) ids.push(tokens.space);
    const r = tokens.spell(w);
    if ('missing' in r) throw new Error(`cannot spell ${w}`);
    ids.push(...r.tokens);
  });
  return ids;
}

/**
 * The minimal CTC frame string of a sentence given as text ("call mom"): its letters, the space between words
 * (when `spaces`), blanks only between equal tokens.
 */
export function sentenceFrames(tokens: TokenTable, sentence: string, spaces = true): Label[] {
  return ctcAlignment(spellSentence(tokens, sentence.split(' '), spaces), tokens.blank).map((t) => tokens.label(t));
}

/** A frame string of the tokens: the minimal alignment, frames repeated 1–3 times, blanks sprinkled between frames. */
export function randomFrames(rng: Rng, tokens: TokenTable, ids: TokenId[]): Label[] {
  const out: Label[] = [];
  for (const t of ctcAlignment(ids, tokens.blank)) {
    if (rng.bool(0.3)) out.push(tokens.blankLabel);
    for (let r = rng.int(1, 3); r > 0; r--) out.push(tokens.label(t));
  }
  if (rng.bool(0.3)) out.push(tokens.blankLabel);
  return out;
}

/**
 * The cost G gives a word sequence (⊕ over its paths; disambiguation symbols read as epsilon), Infinity if none
 * or if a word is not in `words`. By the library's compose and shortestDistance.
 */
export function gCost(g: Fst, words: WordTable, sentence: readonly string[]): number {
  if (!sentence.every((w) => words.has(w))) return Infinity;
  const gEps = VectorFst.from(g);
  for (let s = 0; s < gEps.numStates(); s++) {
    arcsOf(gEps, s).forEach((a, k) => {
      if (words.isDisambig(a.ilabel)) gEps.setArc(s, k, 0, a.olabel, a.weight, a.nextstate);
    });
  }
  const sent = new VectorFst(g.semiring);
  sent.setStart(sent.addState());
  for (const w of sentence) {
    const t = sent.addState();
    sent.addArc(t - 1, words.lookup(w), words.lookup(w), 0, t);
  }
  sent.setFinal(sent.numStates() - 1, 0);
  const c = compose(sent, gEps);
  if (c.start() < 0) return Infinity;
  return shortestDistance(c, { reverse: true })[c.start()];
}

/**
 * The contents of fstrelabel's --relabel_ipairs and --relabel_opairs files that map L's `numTokenDisambig`
 * token disambiguation symbols and G's word disambiguation symbols to epsilon, as buildTlg removes them.
 * fstrelabel wants at least one pair in each file, so an empty list becomes "1 1" (harmless).
 */
export function disambigRelabelPairs(tokens: TokenTable, words: WordTable, numTokenDisambig: number): { ipairs: string; opairs: string } {
  const ipairs: string[] = [];
  for (let k = 0; k < numTokenDisambig; k++) ipairs.push(`${tokens.disambigLabel(k)} 0`);
  const opairs: string[] = [];
  for (let k = 0; k < words.numDisambig; k++) opairs.push(`${words.numWords + 1 + k} 0`);
  const file = (pairs: string[]) => (pairs.length > 0 ? pairs : ['1 1']).join('\n') + '\n';
  return { ipairs: file(ipairs), opairs: file(opairs) };
}
