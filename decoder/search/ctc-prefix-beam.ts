// CTC prefix beam search without a graph (Hannun et al. 2014): open-vocabulary character output summing alignments.

import type { TokenTable } from '../graph/tokens.ts';
import type { DecoderConfig } from './config.ts';
import type { Decodable } from './decodable.ts';
import { newEndpointInput, type EndpointInput } from './endpoint.ts';
import { DecoderError, checkDecoderOptionKeys } from './errors.ts';
import { wordPosteriors } from './nbest.ts';
import type { Alternative, PartialResult, UtteranceResult } from './results.ts';
import { charsToWords, type DecodedChar, type UtteranceDecoder } from './utterance-decoder.ts';

/** Options of the prefix beam search. */
export interface PrefixBeamOptions {
  /** Prefixes kept per frame. Larger → slower, closer to the most probable collapsed string. Default 10. */
  beamWidth?: number;
  /** Tokens whose frame log-probability is below this are not tried as extensions (natural log). Default −12. */
  tokenLogProbFloor?: number;
}

const ROOT = 0;

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * Prefix beam search: each prefix (a collapsed token string, a node of a trie) carries the log-probability of its
 * alignments ending in blank and ending in its last token; per frame every prefix stays (blank, or its last token
 * repeated) or grows by one token, and the `beamWidth` most probable are kept. Scores are −(frame cost) with the
 * WFST decoder's frame costs (acoustic scale, priors, blank penalty). The result is the most probable prefix; word
 * confidences are n-best posteriors over the final beam (unscaled: beam scores are already log-probabilities of
 * prefixes, summed over their alignments); times are approximate (a character's first frame is where
 * its prefix was created, its end where the prefix last read it). For debugging and open-vocabulary output: it
 * allocates map entries per frame. Cost: O(beam × tokens) a frame.
 */
export class CtcPrefixBeamDecoder implements UtteranceDecoder {
  nbest = 1;
  readonly beamWidth: number;
  readonly tokenLogProbFloor: number;
  // Trie of prefixes.
  private parent: number[] = [];
  private token: number[] = [];
  private startOf: number[] = [];
  private endOf: number[] = [];
  private children = new Map<number, number>();
  // Beam: node, log p(ending in blank), log p(ending in the last token).
  private beamNode: number[] = [];
  private beamPb: number[] = [];
  private beamPnb: number[] = [];
  private startFrame = 0;
  private frame = 0;
  private lastSpeech = -1;
  private finalized = false;

  constructor(
    readonly tokens: TokenTable,
    readonly config: DecoderConfig,
    opts: PrefixBeamOptions = {},
  ) {
    checkDecoderOptionKeys(opts, ['beamWidth', 'tokenLogProbFloor'], 'prefix beam');
    this.beamWidth = opts.beamWidth ?? 10;
    this.tokenLogProbFloor = opts.tokenLogProbFloor ?? -12;
    if (!Number.isInteger(this.beamWidth) || this.beamWidth < 1) {
      throw new DecoderError('DECODER_OPTION', 'beamWidth must be an integer ≥ 1', { option: 'beamWidth', value: this.beamWidth });
    }
    if (typeof this.tokenLogProbFloor !== 'number' || Number.isNaN(this.tokenLogProbFloor)) {
      throw new DecoderError('DECODER_OPTION', 'tokenLogProbFloor must be a number', { option: 'tokenLogProbFloor', value: this.tokenLogProbFloor });
    }
    this.init(0);
  }

  get nextFrame(): number {
    return this.frame;
  }
  get utteranceStartFrame(): number {
    return this.startFrame;
  }
  get bytes(): number {
    return 64 + this.parent.length * 48 + this.beamNode.length * 24;
  }

  init(startFrame: number): void {
    this.parent = [-1];
    this.token = [-1];
    this.startOf = [startFrame];
    this.endOf = [startFrame - 1];
    this.children.clear();
    this.beamNode = [ROOT];
    this.beamPb = [0];
    this.beamPnb = [-Infinity];
    this.startFrame = startFrame;
    this.frame = startFrame;
    this.lastSpeech = startFrame - 1;
    this.finalized = false;
  }

  advance(d: Decodable, maxFrames = Infinity): number {
    if (this.finalized) throw new DecoderError('DECODER_STATE', 'advance after finalize; call init first', { state: 'finalized' });
    const V = this.tokens.size;
    if (d.numIndices() !== V) {
      throw new DecoderError('DECODER_INPUT_SHAPE', `frames have ${d.numIndices()} tokens, the table ${V}`, { expected: V, actual: d.numIndices() });
    }
    const c = this.config;
    const blank = this.tokens.blank;
    const lp = new Float64Array(V);
    const ready = d.numFramesReady();
    let done = 0;
    while (this.frame < ready && done < maxFrames) {
      const t = this.frame;
      let arg = 0;
      for (let k = 0; k < V; k++) {
        let ll = d.logLikelihood(t, k);
        if (c.labelLogPriors !== null) ll -= c.priorScale * c.labelLogPriors[k];
        lp[k] = c.acousticScale * ll - (k === blank ? c.blankPenalty : 0);
        if (lp[k] > lp[arg]) arg = k;
      }
      if (arg !== blank && arg !== this.tokens.space) this.lastSpeech = t;
      this.step(t, lp);
      this.frame++;
      done++;
    }
    return done;
  }

  /** One frame of the search. Candidates are keyed by node (stay) or by (node, token) for a prefix not in the trie. */
  private step(t: number, lp: Float64Array): void {
    const V = this.tokens.size;
    const blank = this.tokens.blank;
    const key = new Map<number, number>();
    const cNode: number[] = [];
    const cTok: number[] = [];
    const cPb: number[] = [];
    const cPnb: number[] = [];
    const slot = (node: number, tok: number): number => {
      // An existing child is the same prefix as (node, tok).
      let n = node;
      let k = -1;
      if (tok >= 0) {
        const child = this.children.get(node * V + tok);
        if (child !== undefined) n = child;
        else k = tok;
      }
      const id = n * (V + 1) + (k + 1);
      let s = key.get(id);
      if (s === undefined) {
        s = cNode.length;
        key.set(id, s);
        cNode.push(n);
        cTok.push(k);
        cPb.push(-Infinity);
        cPnb.push(-Infinity);
      }
      return s;
    };
    for (let b = 0; b < this.beamNode.length; b++) {
      const node = this.beamNode[b];
      const pb = this.beamPb[b];
      const pnb = this.beamPnb[b];
      const total = logAdd(pb, pnb);
      const last = this.token[node];
      let s = slot(node, -1);
      cPb[s] = logAdd(cPb[s], total + lp[blank]);
      if (last >= 0) {
        cPnb[s] = logAdd(cPnb[s], pnb + lp[last]);
      }
      for (let k = 0; k < V; k++) {
        if (k === blank || lp[k] < this.tokenLogProbFloor) continue;
        s = slot(node, k);
        // The same token again starts a new character only after a blank.
        cPnb[s] = logAdd(cPnb[s], (k === last ? pb : total) + lp[k]);
      }
    }
    const order = cNode.map((_, i) => i).sort((x, y) => logAdd(cPb[y], cPnb[y]) - logAdd(cPb[x], cPnb[x]));
    const keep = order.slice(0, this.beamWidth).filter((i) => logAdd(cPb[i], cPnb[i]) > -Infinity);
    this.beamNode = [];
    this.beamPb = [];
    this.beamPnb = [];
    for (const i of keep) {
      let node = cNode[i];
      if (cTok[i] >= 0) {
        const n = this.parent.length;
        this.parent.push(node);
        this.token.push(cTok[i]);
        this.startOf.push(t);
        this.endOf.push(t);
        this.children.set(node * V + cTok[i], n);
        node = n;
      } else if (cPnb[i] > -Infinity && this.token[node] >= 0 && lp[this.token[node]] >= this.tokenLogProbFloor) {
        this.endOf[node] = t;
      }
      this.beamNode.push(node);
      this.beamPb.push(cPb[i]);
      this.beamPnb.push(cPnb[i]);
    }
  }

  private charsOf(node: number): DecodedChar[] {
    const out: DecodedChar[] = [];
    for (let n = node; n !== ROOT; n = this.parent[n]) out.push({ token: this.token[n], startFrame: this.startOf[n], endFrame: this.endOf[n], prob: 1 });
    return out.reverse();
  }

  private ranked(): { node: number; logp: number }[] {
    return this.beamNode
      .map((node, b) => ({ node, logp: logAdd(this.beamPb[b], this.beamPnb[b]) }))
      .sort((a, b) => b.logp - a.logp);
  }

  endpointInput(out: EndpointInput = newEndpointInput()): EndpointInput {
    out.utteranceFrames = this.frame - this.startFrame;
    out.trailingSilenceFrames = this.frame - 1 - this.lastSpeech;
    out.containsSpeech = this.lastSpeech >= this.startFrame;
    out.relativeCost = 0;
    out.frameShiftMs = this.config.frameShiftMs;
    return out;
  }

  partial(): PartialResult {
    const best = this.ranked()[0];
    const words = charsToWords(this.charsOf(best.node), this.tokens, this.config.frameShiftMs).map(({ word, startSec, endSec }) => ({
      word,
      startSec,
      endSec,
    }));
    // A prefix shared by the whole beam cannot change any more.
    let stableNode = best.node;
    const onPath = (n: number, anc: number) => {
      for (let x = n; x !== -1; x = this.parent[x]) if (x === anc) return true;
      return false;
    };
    while (stableNode !== ROOT && !this.beamNode.every((n) => onPath(n, stableNode))) stableNode = this.parent[stableNode];
    const stableWords = charsToWords(this.charsOf(stableNode), this.tokens, this.config.frameShiftMs).length;
    return {
      text: words.map((w) => w.word).join(' '),
      words,
      stableWords: Math.max(0, Math.min(words.length, stableWords - 1)),
      startSec: (this.startFrame * this.config.frameShiftMs) / 1000,
      endSec: (this.frame * this.config.frameShiftMs) / 1000,
    };
  }

  finalize(): UtteranceResult {
    if (this.finalized) throw new DecoderError('DECODER_STATE', 'finalize called twice; call init first', { state: 'finalized' });
    this.finalized = true;
    const ms = this.config.frameShiftMs;
    const ranked = this.ranked();
    const best = ranked[0];
    const words = charsToWords(this.charsOf(best.node), this.tokens, ms);
    // Word confidences: n-best posteriors over the final beam (words as ids for the alignment).
    const ids = new Map<string, number>();
    const idOf = (w: string) => {
      let id = ids.get(w);
      if (id === undefined) ids.set(w, (id = ids.size + 1));
      return id;
    };
    // Prefix scores are log-probabilities summed over alignments: posteriors need no scale.
    const scale = 1;
    const hyps = ranked.map((r) => ({
      words: charsToWords(this.charsOf(r.node), this.tokens, ms).map((w) => idOf(w.word)),
      delta: best.logp - r.logp,
    }));
    const post = wordPosteriors(hyps[0].words, hyps, scale);
    words.forEach((w, i) => (w.confidence = post[i]));
    const alternatives: Alternative[] = [];
    if (this.nbest > 1) {
      const top = ranked.slice(0, this.nbest);
      let z = 0;
      for (const r of top) z += Math.exp(-scale * (best.logp - r.logp));
      for (const r of top) {
        const ws = charsToWords(this.charsOf(r.node), this.tokens, ms).map((w) => w.word);
        alternatives.push({ text: ws.join(' '), words: ws, cost: -r.logp, posterior: Math.exp(-scale * (best.logp - r.logp)) / z });
      }
    }
    return {
      code: words.length === 0 ? 'NO_SPEECH' : 'OK',
      text: words.map((w) => w.word).join(' '),
      words,
      startSec: (this.startFrame * ms) / 1000,
      endSec: (this.frame * ms) / 1000,
      frames: this.frame - this.startFrame,
      cost: -best.logp,
      acousticCost: -best.logp,
      graphCost: 0,
      alternatives,
      endpointRule: -1,
    };
  }
}
