// The WFST decoder: Viterbi token passing over TLG (Kaldi's lattice-faster-decoder pattern) for one stream.

import type { DecoderConfig } from './config.ts';
import type { Decodable } from './decodable.ts';
import type { DecodingGraph } from './decoding-graph.ts';
import { newEndpointInput, type EndpointInput } from './endpoint.ts';
import { DecoderError } from './errors.ts';
import { LinkStore, NO_CHAR } from './link-store.ts';
import { WordAligner, type AlignedWord } from './aligner.ts';
import { joinSegments, segmentNbest, wordPosteriors, type SegmentHypothesis } from './nbest.ts';
import { quickselect } from './quickselect.ts';
import type { Alternative, PartialResult, PartialWord, ResultCode, ResultWord, UtteranceResult } from './results.ts';
import { EMPTY_WORD_HASH, NO_LINK, TokenArena, extendWordHash } from './token-arena.ts';
import type { UtteranceDecoder } from './utterance-decoder.ts';

/** No words (the middle part of a partial result from a full traceback walk); never mutated. */
const NO_WORDS: { readonly words: PartialWord[]; readonly text: string } = Object.freeze({ words: [], text: '' });

/** Counters of the current utterance (for benchmarks and logs). */
export interface DecoderStats {
  /** Frames of the utterance read (searched or skipped). */
  frames: number;
  /** Frames skipped as blank (blank skipping). */
  skippedFrames: number;
  /** Sum over searched frames of the tokens kept after pruning. */
  activeTokens: number;
  /** Collections of the traceback store, and commits among them. */
  collections: number;
  commits: number;
}

/**
 * Viterbi beam search over a TLG for one stream, Kaldi-style: `init` (ε-closure of the start state), `advance`
 * (one frame at a time: the best token's arcs first to set the cutoff, then every token's emitting arcs, then
 * epsilon arcs within the frame; then beam, max-active (quickselect) and min-active pruning with an adaptive beam),
 * `partial` (best path so far, no re-decoding), `finalize` (final weights, n-best, confidences, timing).
 *
 * Frame cost of token k: −acousticScale·(log p(k) − priorScale·log prior(k)), + blankPenalty for the blank. Costs are
 * kept relative to each frame's best token (a per-frame offset), so they stay small.
 *
 * Traceback: a token points to a link of a `LinkStore`; a link records a new character (the token's input label
 * changed to a non-blank) and/or a word label, written only for tokens that survive pruning. Where hypotheses with
 * different word histories meet in a state within the lattice beam, a recombination node keeps them all (n-best
 * lists, confidences). Every `gcIntervalFrames` frames, or before the store would grow, the store is collected from
 * the live tokens; when one link lies on every path of every live hypothesis, the part below it is committed (its
 * words timed and given n-best posteriors) and freed. So memory follows the unsettled window, not the utterance;
 * `maxTracebackLinks` bounds it even when hypotheses never meet.
 *
 * State per stream: the surviving tokens (`TokenArena`, 40 bytes each), the store (24 bytes a link, 20 an
 * alternative) and the committed words; see `bytes`. The graph and the expansion scratch are shared
 * (`DecodingGraph`). No allocation per frame in steady state: arrays grow by doubling and are reused; only a commit
 * (at most once a collection) allocates its n-best search.
 */
export class WfstDecoder implements UtteranceDecoder {
  readonly graph: DecodingGraph;
  readonly config: DecoderConfig;
  /** Alternatives wanted in the final result (1 → none). */
  nbest = 1;
  private readonly cur = new TokenArena(64);
  private readonly links = new LinkStore();
  private readonly aligner: WordAligner;
  private readonly partialAligner: WordAligner;
  private segments: SegmentHypothesis[][] = [];
  private committedCache: { words: PartialWord[]; text: string } = { words: [], text: '' };
  /**
   * Partial results' stable prefix, cached per utterance: `stableAligner` is the committed aligner's waiting events
   * with the traceback from the last cut up to link `stableFed` (inclusive) fed after them, `stableFedWords` the words
   * fed, and `stableCache` the words it released, as partial words and text. Links are immutable and the stable link
   * only moves forward, so it is extended, not rebuilt. A commit moves its first words to the committed ones
   * (`commitAndCut`), compaction renumbers `stableFed`, and it is rebuilt when `stableFed` is freed, on `init` and
   * `finalize`, and whenever `stableLink` does not descend from `stableFed`.
   */
  private readonly stableAligner: WordAligner;
  private stableValid = false;
  private stableFed = NO_LINK;
  private stableFedWords = 0;
  private stableCache: { words: PartialWord[]; text: string } = { words: [], text: '' };
  private startFrame = 0;
  private frame = 0;
  /** Absolute cost of relative cost 0 (sum of the per-frame offsets). */
  private offset = 0;
  private adaptiveBeam: number;
  private bestIdx = 0;
  /** The link where every live token's best path meets (found at each collection), or NO_LINK. */
  private stableLink = NO_LINK;
  /** Cost of the best token in a final state, final weight included, relative to the best token (∞ if none). */
  private relCost = Infinity;
  private freeCost = 0;
  private speechFrames = 0;
  private prevSkippable = false;
  private readonly logSkip: number;
  private finalized = false;
  readonly stats: DecoderStats = { frames: 0, skippedFrames: 0, activeTokens: 0, collections: 0, commits: 0 };

  constructor(graph: DecodingGraph, config: DecoderConfig) {
    if (config.labelLogPriors !== null && config.labelLogPriors.length !== graph.numTokens) {
      throw new DecoderError('DECODER_OPTION', `labelLogPriors has ${config.labelLogPriors.length} entries for ${graph.numTokens} tokens`, {
        option: 'labelLogPriors',
        value: config.labelLogPriors.length,
      });
    }
    this.graph = graph;
    this.config = config;
    this.adaptiveBeam = config.beam;
    this.logSkip = config.blankSkipThreshold === null ? Infinity : Math.log(config.blankSkipThreshold);
    const len = (label: number) => (label < graph.wordLength.length ? graph.wordLength[label] : -1);
    this.aligner = new WordAligner(len);
    this.partialAligner = new WordAligner(len);
    this.stableAligner = new WordAligner(len);
    this.init(0);
  }

  /** Stream frame number of the next frame to decode. */
  get nextFrame(): number {
    return this.frame;
  }

  /** Stream frame number of the first frame of the utterance. */
  get utteranceStartFrame(): number {
    return this.startFrame;
  }

  /** Tokens alive after the last frame. */
  get numActive(): number {
    return this.cur.size;
  }

  /** True once `finalize` ran (until the next `init`). */
  get isFinalized(): boolean {
    return this.finalized;
  }

  /**
   * Starts an utterance at stream frame `startFrame`: one token in the start state, closed over epsilon arcs within
   * the beam. Forgets the previous utterance. O(tokens of the closure).
   */
  init(startFrame: number): void {
    this.cur.clear(64);
    this.links.clear();
    this.aligner.reset();
    this.segments = [];
    this.committedCache = { words: [], text: '' };
    this.stableValid = false;
    this.startFrame = startFrame;
    this.frame = startFrame;
    this.stableLink = NO_LINK;
    this.offset = 0;
    this.adaptiveBeam = this.config.beam;
    this.relCost = Infinity;
    this.freeCost = 0;
    this.speechFrames = 0;
    this.prevSkippable = false;
    this.finalized = false;
    Object.assign(this.stats, { frames: 0, skippedFrames: 0, activeTokens: 0, collections: 0, commits: 0 });
    const g = this.graph;
    const sc = g.scratch;
    const next = sc.next;
    next.clear();
    sc.nextGeneration();
    next.reserve(1);
    const s = g.fst.startState;
    sc.stamp[s] = sc.gen;
    sc.slot[s] = 0;
    next.state[0] = s;
    next.cost[0] = 0;
    next.graphCost[0] = 0;
    next.link[0] = NO_LINK;
    next.prevLabel[0] = 0;
    next.lastNonBlank[0] = startFrame - 1;
    next.lastSpeech[0] = startFrame - 1;
    next.wordHash[0] = EMPTY_WORD_HASH;
    next.evWord[0] = 0;
    next.evChar[0] = NO_CHAR;
    next.evFrame[0] = startFrame;
    next.evAux[0] = startFrame - 1;
    next.merge[0] = NO_LINK;
    next.size = 1;
    this.closeEpsilon(startFrame, this.config.beam);
    this.keepSurvivors();
  }

  /**
   * Decodes the frames `decodable` has ready, at most `maxFrames` of them. Returns the number decoded.
   * Throws DECODER_STATE after `finalize` (call `init` first), DECODER_INPUT_SHAPE when the decodable's width is not
   * the graph's token count. Cost: per frame, O(tokens × arcs) plus O(tokens) pruning; no allocation.
   */
  advance(decodable: Decodable, maxFrames = Infinity): number {
    if (this.finalized) throw new DecoderError('DECODER_STATE', 'advance after finalize; call init first', { state: 'finalized' });
    if (decodable.numIndices() !== this.graph.numTokens) {
      throw new DecoderError('DECODER_INPUT_SHAPE', `frames have ${decodable.numIndices()} tokens, the graph ${this.graph.numTokens}`, {
        expected: this.graph.numTokens,
        actual: decodable.numIndices(),
      });
    }
    const ready = decodable.numFramesReady();
    let done = 0;
    while (this.frame < ready && done < maxFrames) {
      this.decodeFrame(decodable, this.frame);
      this.frame++;
      done++;
      this.stats.frames++;
      // Also collect before the store would have to grow: it grows only when live links fill it.
      if ((this.frame - this.startFrame) % this.config.gcIntervalFrames === 0 || this.links.nearlyFull) {
        this.collect(true);
      }
    }
    return done;
  }

  /** What the endpoint rules look at, from the best token (O(1)); fills and returns `out` (no allocation). */
  endpointInput(out: EndpointInput = newEndpointInput()): EndpointInput {
    const lastSpeech = this.cur.size > 0 ? this.cur.lastSpeech[this.bestIdx] : this.startFrame - 1;
    out.utteranceFrames = this.frame - this.startFrame;
    out.trailingSilenceFrames = this.frame - 1 - Math.max(lastSpeech, this.startFrame - 1);
    out.containsSpeech = lastSpeech >= this.startFrame;
    out.relativeCost = this.relCost;
    out.frameShiftMs = this.config.frameShiftMs;
    return out;
  }

  /**
   * The best hypothesis so far: the committed words and the best token's traceback since the last commit, timed.
   * `stableWords` counts the committed words and those before the point where every live token's best path meets
   * (found at the last collection): the final result will start with them. Does not change the search.
   * Cost: O(links from the best token back to that meeting point) for the traceback (the part before it is fed once
   * into a cached aligner, extended as the point moves forward), plus one pointer copy per word before it (their
   * objects and text are cached), so it does not grow with the utterance beyond that copy.
   */
  partial(): PartialResult {
    if (this.cur.size === 0 || this.finalized) return this.partialByFullTraceback();
    const b = this.bestIdx;
    this.syncStable();
    const n = this.collectTrace(this.cur.link[b], this.stableFed);
    // The best path always runs through the stable link; if it ever did not, the full walk gives the answer.
    if (n < 0) return this.partialByFullTraceback();
    const pa = this.partialAligner;
    pa.copyPendingFrom(this.stableAligner);
    this.feedTrace(pa, n);
    pa.flush(this.cur.lastNonBlank[b]);
    const stable = this.aligner.out.length + this.aligner.pendingWords + this.stableFedWords;
    return this.partialResult(this.stableCache, pa, stable);
  }

  /**
   * Reference twin of `partial` (and its fallback): the same result from a full walk of the traceback since the last
   * commit, with no cache. Cost: O(links since the last commit). For differential tests.
   */
  partialByFullTraceback(): PartialResult {
    const pa = this.partialAligner;
    pa.copyPendingFrom(this.aligner);
    let stable = this.aligner.out.length + this.aligner.pendingWords;
    let endFrame = this.frame - 1;
    if (this.cur.size > 0) {
      const b = this.bestIdx;
      stable += this.feedTail(pa, this.cur.link[b], this.stableLink);
      endFrame = this.cur.lastNonBlank[b];
    }
    pa.flush(endFrame);
    return this.partialResult(NO_WORDS, pa, stable);
  }

  /** Committed words, then `mid` (words released before the tail), then the words `pa` released. */
  private partialResult(mid: { words: PartialWord[]; text: string }, pa: WordAligner, stable: number): PartialResult {
    const committed = this.committedWords();
    const tail = pa.out.map((w) => this.partialWord(w));
    // Never hand out the cache's own array: it grows with later calls.
    const after = mid.words.length === 0 ? tail : mid.words.concat(tail);
    const words = committed.words.length === 0 ? after : committed.words.concat(after);
    const tailOnly = tail.map((w) => w.word).join(' ');
    const tailText = mid.words.length === 0 ? tailOnly : tail.length === 0 ? mid.text : `${mid.text} ${tailOnly}`;
    return {
      text: committed.text === '' ? tailText : tailText === '' ? committed.text : `${committed.text} ${tailText}`,
      words,
      stableWords: Math.min(stable, words.length),
      startSec: this.seconds(this.startFrame),
      endSec: this.seconds(this.frame),
    };
  }

  /**
   * Brings the stable-prefix cache up to `stableLink`: feeds only the links after `stableFed`, or rebuilds it from the
   * committed aligner when it is invalid or `stableLink` does not descend from `stableFed`. Amortised O(links the
   * stable link moved over) between commits.
   */
  private syncStable(): void {
    const target = this.stableLink;
    if (this.stableValid && this.stableFed === target) return;
    let n = this.stableValid ? this.collectTrace(target, this.stableFed) : -1;
    if (n < 0) {
      this.stableAligner.copyPendingFrom(this.aligner);
      this.stableFedWords = 0;
      this.stableCache = { words: [], text: '' };
      n = this.collectTrace(target, NO_LINK);
    }
    this.stableFedWords += this.feedTrace(this.stableAligner, n);
    this.stableFed = target;
    this.stableValid = true;
    const out = this.stableAligner.out;
    const c = this.stableCache;
    for (let i = c.words.length; i < out.length; i++) {
      const w = this.partialWord(out[i]);
      c.text = c.words.length === 0 ? w.word : `${c.text} ${w.word}`;
      c.words.push(w);
    }
  }

  /** The committed, timed words as partial words and text, extended incrementally (cached between calls). */
  private committedWords(): { words: PartialWord[]; text: string } {
    const out = this.aligner.out;
    const c = this.committedCache;
    for (let i = c.words.length; i < out.length; i++) {
      const w = this.partialWord(out[i]);
      c.words.push(w);
      c.text = c.text === '' ? w.word : `${c.text} ${w.word}`;
    }
    return c;
  }

  /**
   * Ends the utterance: adds final weights (or, when no final state is reached, takes the best token as it is and
   * reports NO_MATCH), commits the rest of the traceback with n-best posteriors, times the words, and builds the
   * result. The decoder is then finalized until `init`. Cost: O(tokens + traceback since the last commit).
   */
  finalize(): UtteranceResult {
    if (this.finalized) throw new DecoderError('DECODER_STATE', 'finalize called twice; call init first', { state: 'finalized' });
    this.finalized = true;
    this.stableValid = false;
    const c = this.config;
    const cur = this.cur;
    const finals = this.graph.fst.finals;
    const n = cur.size;
    let anyFinal = false;
    for (let i = 0; i < n; i++) if (finals[cur.state[i]] !== Infinity) anyFinal = true;
    // Best candidate per word history.
    const byHash = new Map<number, { i: number; total: number }>();
    for (let i = 0; i < n; i++) {
      const f = anyFinal ? finals[cur.state[i]] : 0;
      if (f === Infinity) continue;
      const total = cur.cost[i] + f + this.offset;
      const h = cur.wordHash[i];
      const seen = byHash.get(h);
      if (seen === undefined || total < seen.total) byHash.set(h, { i, total });
    }
    const cands = [...byHash.values()].sort((a, b) => a.total - b.total);
    const frames = this.frame - this.startFrame;
    if (cands.length === 0) return this.emptyResult(frames);
    const best = cands[0];
    const keep = c.latticeBeam > 0 ? Math.max(c.maxAlternatives, this.nbest, c.confidenceNbest) : 1;
    const alive = cands.filter((x, k) => k < keep && x.total - best.total <= Math.max(c.latticeBeam, 0));
    let root: number;
    if (alive.length === 1) root = cur.link[best.i];
    else {
      let head = -1;
      for (let k = alive.length - 1; k >= 0; k--) {
        const x = alive[k];
        head = this.links.addAlt(cur.link[x.i], x.total, cur.wordHash[x.i], head);
      }
      root = this.links.addMerge(cur.link[best.i], this.frame, head, alive.length);
    }
    if (root !== NO_LINK && !this.links.isEmptyRoot(root)) this.commitSegment(root);
    this.aligner.flush(cur.lastNonBlank[best.i]);
    const words = this.aligner.out.map((w) => this.resultWord(w));
    const graphCost = cur.graphCost[best.i] + (anyFinal ? finals[cur.state[best.i]] : 0);
    const acousticCost = best.total - graphCost;
    const excess = (acousticCost - this.freeCost) / Math.max(1, this.speechFrames);
    let code: ResultCode = 'OK';
    let reason: 'not-final' | 'low-likelihood' | undefined;
    if (frames === 0 || this.speechFrames === 0) code = 'NO_SPEECH';
    else if (!anyFinal) {
      code = 'NO_MATCH';
      reason = 'not-final';
    } else if (excess > c.noMatchCostPerFrame) {
      code = 'NO_MATCH';
      reason = 'low-likelihood';
    }
    const text = words.map((w) => w.word).join(' ');
    const alternatives: Alternative[] = [];
    if (this.nbest > 1 && code === 'OK') {
      const joined = joinSegments(this.segments, this.nbest);
      let z = 0;
      for (const h of joined) z += Math.exp(-c.confidenceScale * h.delta);
      for (const h of joined) {
        const ws = h.words.map((l) => this.graph.wordText(l));
        alternatives.push({
          text: ws.join(' '),
          words: ws,
          cost: best.total + h.delta,
          posterior: Math.exp(-c.confidenceScale * h.delta) / z,
        });
      }
    }
    const ok = code === 'OK';
    return {
      code,
      text: ok ? text : '',
      words: ok ? words : [],
      startSec: this.seconds(this.startFrame),
      endSec: this.seconds(this.frame),
      frames,
      cost: best.total,
      acousticCost,
      graphCost,
      alternatives,
      ...(reason !== undefined ? { noMatch: { reason, guess: text, excessCostPerFrame: excess } } : {}),
      endpointRule: -1,
    };
  }

  /** Bytes of per-stream state held (tokens, traceback store, committed words are small and not counted). */
  get bytes(): number {
    return this.cur.bytes + this.links.bytes;
  }

  /** Links in the traceback store now (tests, benchmarks). */
  get numLinks(): number {
    return this.links.size;
  }

  // ---- the search ----

  /** Fills the frame's cost table; returns false when the frame is skipped as blank. */
  private frameCosts(d: Decodable, t: number): boolean {
    const g = this.graph;
    const c = this.config;
    const ac = g.scratch.acCost;
    const scale = c.acousticScale;
    const pri = c.labelLogPriors;
    const ps = c.priorScale;
    const blank = g.tokens.blank;
    let min = Infinity;
    let argmin = 0;
    for (let k = 0; k < g.numTokens; k++) {
      let ll = d.logLikelihood(t, k);
      if (pri !== null) ll -= ps * pri[k];
      let cost = -scale * ll;
      if (k === blank) cost += c.blankPenalty;
      ac[k + 1] = cost;
      if (cost < min) {
        min = cost;
        argmin = k + 1;
      }
    }
    this.freeCost += min;
    if (argmin !== g.blankLabel && argmin !== g.spaceLabel) this.speechFrames++;
    if (this.logSkip !== Infinity) {
      const skippable = d.logLikelihood(t, blank) >= this.logSkip;
      const skip = skippable && this.prevSkippable;
      this.prevSkippable = skippable;
      if (skip) {
        // Every hypothesis reads the blank: one cost for all, kept in the offset.
        this.offset += ac[g.blankLabel];
        this.stats.skippedFrames++;
        return false;
      }
    }
    return true;
  }

  private decodeFrame(d: Decodable, t: number): void {
    if (!this.frameCosts(d, t)) return;
    if (this.cur.size === 0) return;
    const nextCutoff = this.expandEmitting(t);
    this.closeEpsilon(t, nextCutoff);
    this.keepSurvivors();
    this.stats.activeTokens += this.cur.size;
  }

  /** Emitting arcs of every token into the scratch arena; returns the cutoff for the epsilon pass. */
  private expandEmitting(t: number): number {
    const g = this.graph;
    const sc = g.scratch;
    const fst = g.fst;
    const arcStart = fst.arcStart;
    const ilabel = fst.ilabel;
    const olabel = fst.olabel;
    const nextstate = fst.nextstate;
    const weight = fst.weight;
    const ac = sc.acCost;
    const blank = g.blankLabel;
    const space = g.spaceLabel;
    const cur = this.cur;
    const nCur = cur.size;
    const next = sc.next;
    next.clear();
    sc.nextGeneration();
    const gen = sc.gen;
    const stamp = sc.stamp;
    const slot = sc.slot;
    let bound = 1;
    for (let i = 0; i < nCur; i++) {
      const s = cur.state[i];
      bound += arcStart[s + 1] - arcStart[s];
    }
    next.reserve(bound);
    const nState = next.state;
    const nCost = next.cost;
    const nGraph = next.graphCost;
    const nLink = next.link;
    const nPrev = next.prevLabel;
    const nLnb = next.lastNonBlank;
    const nLsp = next.lastSpeech;
    const nHash = next.wordHash;
    const nWord = next.evWord;
    const nChar = next.evChar;
    const nFrame = next.evFrame;
    const nAux = next.evAux;
    const nMerge = next.merge;
    const cState = cur.state;
    const cCost = cur.cost;
    const ab = this.adaptiveBeam;
    // The best token first: its arcs give a tight cutoff before the others are expanded.
    let nextCutoff = Infinity;
    {
      const s = cState[this.bestIdx];
      const c = cCost[this.bestIdx];
      for (let a = arcStart[s], end = arcStart[s + 1]; a < end; a++) {
        const il = ilabel[a];
        if (il === 0) continue;
        const x = c + weight[a] + ac[il] + ab;
        if (x < nextCutoff) nextCutoff = x;
      }
    }
    let n = 0;
    for (let i = 0; i < nCur; i++) {
      const s = cState[i];
      const end = arcStart[s + 1];
      let a = arcStart[s];
      while (a < end && ilabel[a] === 0) a++;
      if (a === end) continue;
      const c = cCost[i];
      const pl = cur.prevLabel[i];
      const lnb = cur.lastNonBlank[i];
      const lsp = cur.lastSpeech[i];
      const wh = cur.wordHash[i];
      const link = cur.link[i];
      const gc = cur.graphCost[i];
      for (; a < end; a++) {
        const il = ilabel[a];
        const w = weight[a];
        const nc = c + w + ac[il];
        if (nc >= nextCutoff) continue;
        if (nc + ab < nextCutoff) nextCutoff = nc + ab;
        const dst = nextstate[a];
        const ol = olabel[a];
        const isBlank = il === blank;
        const ch = !isBlank && il !== pl ? il - 1 : NO_CHAR;
        const nlnb = isBlank ? lnb : t;
        const nlsp = isBlank || il === space ? lsp : t;
        const nwh = ol === 0 ? wh : extendWordHash(wh, ol);
        if (stamp[dst] !== gen) {
          stamp[dst] = gen;
          slot[dst] = n;
          nState[n] = dst;
          nCost[n] = nc;
          nGraph[n] = gc + w;
          nLink[n] = link;
          nPrev[n] = il;
          nLnb[n] = nlnb;
          nLsp[n] = nlsp;
          nHash[n] = nwh;
          nWord[n] = ol;
          nChar[n] = ch;
          nFrame[n] = t;
          nAux[n] = lnb;
          nMerge[n] = NO_LINK;
          n++;
        } else {
          next.size = n;
          this.relax(slot[dst], nc, gc + w, link, il, nlnb, nlsp, nwh, ol, ch, t, lnb);
        }
      }
    }
    next.size = n;
    return nextCutoff;
  }

  /**
   * Follows epsilon arcs within the frame from every token of the scratch arena whose state has them, until no
   * token improves (a stack, as Kaldi's ProcessNonemitting). Precondition: no negative-cost epsilon cycle.
   */
  private closeEpsilon(t: number, cutoff: number): void {
    const g = this.graph;
    const sc = g.scratch;
    const fst = g.fst;
    const arcStart = fst.arcStart;
    const ilabel = fst.ilabel;
    const olabel = fst.olabel;
    const nextstate = fst.nextstate;
    const weight = fst.weight;
    const next = sc.next;
    let qn = 0;
    sc.ensureQueue(next.size);
    for (let j = 0; j < next.size; j++) {
      const s = next.state[j];
      if (arcStart[s] < arcStart[s + 1] && ilabel[arcStart[s]] === 0) sc.queue[qn++] = j;
    }
    while (qn > 0) {
      const j = sc.queue[--qn];
      const c = next.cost[j];
      if (c >= cutoff) continue;
      const s = next.state[j];
      for (let a = arcStart[s], end = arcStart[s + 1]; a < end && ilabel[a] === 0; a++) {
        const w = weight[a];
        const nc = c + w;
        if (nc >= cutoff) continue;
        const dst = nextstate[a];
        const ol = olabel[a];
        let link: number;
        let ew: number;
        let ec: number;
        let ef: number;
        let ea: number;
        if (ol !== 0) {
          link = this.materialize(j);
          ew = ol;
          ec = NO_CHAR;
          ef = t;
          ea = 0;
        } else {
          link = next.link[j];
          ew = next.evWord[j];
          ec = next.evChar[j];
          ef = next.evFrame[j];
          ea = next.evAux[j];
        }
        const wh = ol === 0 ? next.wordHash[j] : extendWordHash(next.wordHash[j], ol);
        let k: number;
        let improved: boolean;
        if (sc.stamp[dst] !== sc.gen) {
          k = next.size;
          next.reserve(k + 1);
          sc.stamp[dst] = sc.gen;
          sc.slot[dst] = k;
          next.state[k] = dst;
          next.cost[k] = nc;
          next.graphCost[k] = next.graphCost[j] + w;
          next.link[k] = link;
          next.prevLabel[k] = next.prevLabel[j];
          next.lastNonBlank[k] = next.lastNonBlank[j];
          next.lastSpeech[k] = next.lastSpeech[j];
          next.wordHash[k] = wh;
          next.evWord[k] = ew;
          next.evChar[k] = ec;
          next.evFrame[k] = ef;
          next.evAux[k] = ea;
          next.merge[k] = NO_LINK;
          next.size = k + 1;
          improved = true;
        } else {
          k = sc.slot[dst];
          improved = this.relax(
            k, nc, next.graphCost[j] + w, link, next.prevLabel[j], next.lastNonBlank[j], next.lastSpeech[j], wh, ew, ec, ef, ea,
          );
        }
        if (improved && arcStart[dst] < arcStart[dst + 1] && ilabel[arcStart[dst]] === 0) {
          sc.ensureQueue(qn + 1);
          sc.queue[qn++] = k;
        }
      }
    }
  }

  /**
   * An arrival at scratch token j (which already exists) with cost nc and the given history. Plain Viterbi keeps the
   * cheaper; when the word histories differ and the costs are within the lattice beam, both are kept under a
   * recombination node. Returns true when token j's cost improved.
   */
  private relax(
    j: number, nc: number, gc: number, link: number, pl: number, lnb: number, lsp: number, wh: number,
    ew: number, ec: number, ef: number, ea: number,
  ): boolean {
    const next = this.graph.scratch.next;
    const old = next.cost[j];
    const d = nc - old;
    const lb = this.config.latticeBeam;
    const sameWords = wh === next.wordHash[j];
    const m = next.merge[j];
    if (lb === 0 || (sameWords && m === NO_LINK) || (d < 0 ? -d : d) > lb) {
      if (d >= 0) return false;
      next.cost[j] = nc;
      next.graphCost[j] = gc;
      next.link[j] = link;
      next.prevLabel[j] = pl;
      next.lastNonBlank[j] = lnb;
      next.lastSpeech[j] = lsp;
      next.wordHash[j] = wh;
      next.evWord[j] = ew;
      next.evChar[j] = ec;
      next.evFrame[j] = ef;
      next.evAux[j] = ea;
      next.merge[j] = NO_LINK;
      return true;
    }
    if (d >= 0 && sameWords) return false;
    const L = this.links;
    let head: number;
    let count: number;
    let primary: number;
    if (m === NO_LINK) {
      primary = this.materialize(j);
      head = L.addAlt(primary, old + this.offset, next.wordHash[j], -1);
      count = 1;
    } else {
      head = L.alt[m];
      count = L.aux[m];
      primary = L.prev[m];
      if (d >= 0 && count >= this.config.maxAlternatives) return false;
    }
    const arrival = ew !== 0 || ec !== NO_CHAR ? L.add(link, ew, ec, ef, ea) : link;
    head = L.addAlt(arrival, nc + this.offset, wh, head);
    if (d < 0) primary = arrival;
    const merged = L.addMerge(primary, ef, head, count + 1);
    next.link[j] = merged;
    next.merge[j] = merged;
    next.evWord[j] = 0;
    next.evChar[j] = NO_CHAR;
    if (d >= 0) return false;
    next.cost[j] = nc;
    next.graphCost[j] = gc;
    next.prevLabel[j] = pl;
    next.lastNonBlank[j] = lnb;
    next.lastSpeech[j] = lsp;
    next.wordHash[j] = wh;
    return true;
  }

  /** Writes scratch token j's pending event to the store (once) and returns its link. */
  private materialize(j: number): number {
    const next = this.graph.scratch.next;
    if (next.evWord[j] !== 0 || next.evChar[j] !== NO_CHAR) {
      next.link[j] = this.links.add(next.link[j], next.evWord[j], next.evChar[j], next.evFrame[j], next.evAux[j]);
      next.evWord[j] = 0;
      next.evChar[j] = NO_CHAR;
    }
    return next.link[j];
  }

  /**
   * Kaldi's GetCutoff over the scratch tokens: the beam cutoff, tightened to the max-active-th cost (quickselect)
   * or widened to the min-active-th; sets the adaptive beam the next frame's expansion uses.
   */
  private cutoff(n: number, best: number): number {
    const c = this.config;
    const beamCutoff = best + c.beam;
    const sc = this.graph.scratch;
    let filled = false;
    if (n > c.maxActive) {
      sc.ensureCosts(n);
      sc.costs.set(sc.next.cost.subarray(0, n));
      filled = true;
      const maxCut = quickselect(sc.costs, n, c.maxActive);
      if (maxCut < beamCutoff) {
        this.adaptiveBeam = maxCut - best + c.beamDelta;
        return maxCut;
      }
    }
    let minCut = Infinity;
    if (n > c.minActive) {
      if (c.minActive === 0) minCut = best;
      else {
        if (!filled) {
          sc.ensureCosts(n);
          sc.costs.set(sc.next.cost.subarray(0, n));
        }
        minCut = quickselect(sc.costs, n > c.maxActive ? c.maxActive : n, c.minActive);
      }
    }
    if (minCut > beamCutoff) {
      this.adaptiveBeam = minCut - best + c.beamDelta;
      return minCut;
    }
    this.adaptiveBeam = c.beam;
    return beamCutoff;
  }

  /** Prunes the scratch tokens and copies the survivors into this stream's arena, rebased to the best (cost 0). */
  private keepSurvivors(): void {
    const sc = this.graph.scratch;
    const next = sc.next;
    const n = next.size;
    const cur = this.cur;
    cur.size = 0;
    if (n === 0) return;
    let best = Infinity;
    let bestJ = 0;
    for (let j = 0; j < n; j++) {
      if (next.cost[j] < best) {
        best = next.cost[j];
        bestJ = j;
      }
    }
    const cutoff = this.cutoff(n, best);
    let survivors = 0;
    for (let j = 0; j < n; j++) if (next.cost[j] <= cutoff) survivors++;
    cur.reserve(survivors);
    const finals = this.graph.fst.finals;
    let rel = Infinity;
    let k = 0;
    for (let j = 0; j < n; j++) {
      const c = next.cost[j];
      if (c > cutoff) continue;
      const s = next.state[j];
      cur.state[k] = s;
      cur.cost[k] = c - best;
      cur.graphCost[k] = next.graphCost[j];
      cur.link[k] = this.materialize(j);
      cur.prevLabel[k] = next.prevLabel[j];
      cur.lastNonBlank[k] = next.lastNonBlank[j];
      cur.lastSpeech[k] = next.lastSpeech[j];
      cur.wordHash[k] = next.wordHash[j];
      if (j === bestJ) this.bestIdx = k;
      const f = finals[s];
      if (f !== Infinity && c - best + f < rel) rel = c - best + f;
      k++;
    }
    cur.size = k;
    this.offset += best;
    this.relCost = rel;
  }

  // ---- traceback ----

  /**
   * Collects the traceback store from the live tokens; with `commit`, first commits the part every live hypothesis
   * shares (up to their nearest common link), so the store keeps only the unsettled window.
   */
  private collect(commit: boolean): void {
    const sc = this.graph.scratch;
    const cur = this.cur;
    const n = cur.size;
    const L = this.links;
    this.stats.collections++;
    sc.ensureTrace(n);
    const roots = sc.trace;
    for (let i = 0; i < n; i++) roots[i] = cur.link[i];
    const d = L.markFrom(roots, n, sc.collect);
    if (commit && d >= 0 && !L.isEmptyRoot(d)) this.commitAndCut(d);
    L.compact(roots, n, sc.collect);
    this.remapStable();
    if (commit && L.size > this.config.maxTracebackLinks) {
      // Memory guard: make the best paths' meeting point a dominator by dropping the alternatives around it.
      const meet = L.markFrom(roots, n, sc.collect, true);
      if (meet >= 0 && !L.isEmptyRoot(meet)) {
        L.dropAlternativesAround(meet, sc.collect);
        const m = L.markFrom(roots, n, sc.collect);
        if (m >= 0) this.commitAndCut(m);
        L.compact(roots, n, sc.collect);
        this.remapStable();
      }
    }
    for (let i = 0; i < n; i++) cur.link[i] = roots[i];
    L.ensureHeadroom();
    // Where the best paths of all live tokens meet: what precedes it is the stable part of partial results.
    this.stableLink = L.markFrom(roots, n, sc.collect, true);
  }

  /** After a compaction: renumbers `stableFed`, or invalidates the stable-prefix cache when it was freed. */
  private remapStable(): void {
    if (!this.stableValid || this.stableFed === NO_LINK) return;
    const r = this.graph.scratch.collect.remap[this.stableFed];
    if (r === NO_LINK) this.stableValid = false;
    else this.stableFed = r;
  }

  /**
   * Commits the path up to dominator `d` and cuts the store there. The stable-prefix cache stays valid when `d` is at or
   * before `stableFed` (checked when compaction renumbers it): the aligner is deterministic, so the words the commit
   * released are the first the cache released, and the cache's waiting events are the committed aligner's followed by
   * the links after `d`. Only confidences differ, and partial results do not show them.
   */
  private commitAndCut(d: number): void {
    const A = this.aligner;
    const released0 = A.out.length;
    const words0 = released0 + A.pendingWords;
    this.commitSegment(d);
    this.links.cut(d, this.graph.scratch.collect);
    this.stats.commits++;
    if (!this.stableValid) return;
    // With nothing fed (no stable link yet), the commit's characters are not in the cache.
    if (this.stableFed === NO_LINK) {
      this.stableValid = false;
      return;
    }
    const released = A.out.length - released0;
    const absorbed = A.out.length + A.pendingWords - words0;
    const c = this.stableCache;
    if (released > c.words.length || absorbed > this.stableFedWords) {
      this.stableValid = false;
      return;
    }
    if (released > 0) {
      this.stableAligner.out.splice(0, released);
      c.words.splice(0, released);
      c.text = c.words.map((w) => w.word).join(' ');
    }
    this.stableFedWords -= absorbed;
  }

  /** Commits the best path from link `root` back to the last cut: its events go to the aligner with confidences. */
  private commitSegment(root: number): void {
    const c = this.config;
    const L = this.links;
    const hyps = segmentNbest(L, root, Math.max(c.confidenceNbest, this.nbest));
    const path: number[] = [];
    for (let l = root; l !== NO_LINK; l = L.prev[l]) path.push(l);
    path.reverse();
    const ref: number[] = [];
    for (const l of path) if (L.word[l] > 0) ref.push(L.word[l]);
    const conf = c.latticeBeam > 0 ? wordPosteriors(ref, hyps, c.confidenceScale) : new Float64Array(ref.length).fill(1);
    let k = 0;
    const space = this.graph.spaceLabel;
    for (const l of path) {
      const ch = L.char[l];
      if (ch !== NO_CHAR) this.aligner.addChar(L.frame[l], L.aux[l], ch + 1 === space);
      if (L.word[l] > 0) this.aligner.addWord(L.word[l], conf[k++]);
    }
    if (this.nbest > 1) this.segments.push(hyps);
  }

  /**
   * Feeds the events from link `from` back to the last cut into `aligner`, in path order (no confidences). Returns
   * how many of the words fed lie at or before link `stable` on that path (0 if it is not on it).
   */
  private feedTail(aligner: WordAligner, from: number, stable: number): number {
    const sc = this.graph.scratch;
    const L = this.links;
    let n = 0;
    let stableAt = -1;
    for (let l = from; l !== NO_LINK; l = L.prev[l]) {
      sc.ensureTrace(n + 1);
      if (l === stable) stableAt = n;
      sc.trace[n++] = l;
    }
    const space = this.graph.spaceLabel;
    let stableWords = 0;
    for (let i = n - 1; i >= 0; i--) {
      const l = sc.trace[i];
      const ch = L.char[l];
      if (ch !== NO_CHAR) aligner.addChar(L.frame[l], L.aux[l], ch + 1 === space);
      if (L.word[l] > 0) {
        aligner.addWord(L.word[l], NaN);
        if (i >= stableAt && stableAt >= 0) stableWords++;
      }
    }
    return stableWords;
  }

  /**
   * Puts the links from `from` back to `stop` (exclusive) into `scratch.trace`, newest first; returns how many, or -1
   * when the walk reaches the last cut without meeting `stop`.
   */
  private collectTrace(from: number, stop: number): number {
    const L = this.links;
    const sc = this.graph.scratch;
    let n = 0;
    let l = from;
    for (; l !== stop && l !== NO_LINK; l = L.prev[l]) {
      sc.ensureTrace(n + 1);
      sc.trace[n++] = l;
    }
    return l === stop ? n : -1;
  }

  /** Feeds the links `scratch.trace[n-1 … 0]` (path order) into `aligner`, no confidences; returns the words fed. */
  private feedTrace(aligner: WordAligner, n: number): number {
    const L = this.links;
    const trace = this.graph.scratch.trace;
    const space = this.graph.spaceLabel;
    let words = 0;
    for (let i = n - 1; i >= 0; i--) {
      const l = trace[i];
      const ch = L.char[l];
      if (ch !== NO_CHAR) aligner.addChar(L.frame[l], L.aux[l], ch + 1 === space);
      if (L.word[l] > 0) {
        aligner.addWord(L.word[l], NaN);
        words++;
      }
    }
    return words;
  }

  private seconds(frame: number): number {
    return (frame * this.config.frameShiftMs) / 1000;
  }

  private partialWord(w: AlignedWord): PartialWord {
    return { word: this.graph.wordText(w.label), startSec: this.seconds(w.startFrame), endSec: this.seconds(w.endFrame + 1) };
  }

  private resultWord(w: AlignedWord): ResultWord {
    return { ...this.partialWord(w), confidence: w.confidence };
  }

  private emptyResult(frames: number): UtteranceResult {
    return {
      code: frames === 0 || this.speechFrames === 0 ? 'NO_SPEECH' : 'NO_MATCH',
      text: '',
      words: [],
      startSec: this.seconds(this.startFrame),
      endSec: this.seconds(this.frame),
      frames,
      cost: Infinity,
      acousticCost: Infinity,
      graphCost: Infinity,
      alternatives: [],
      ...(frames === 0 || this.speechFrames === 0 ? {} : { noMatch: { reason: 'not-final' as const, guess: '', excessCostPerFrame: Infinity } }),
      endpointRule: -1,
    };
  }
}
