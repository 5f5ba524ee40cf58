// Greedy CTC decoding without a graph: the best token of each frame, collapsed (open-vocabulary characters).

import type { TokenTable } from '../graph/tokens.ts';
import type { DecoderConfig } from './config.ts';
import type { Decodable } from './decodable.ts';
import { newEndpointInput, type EndpointInput } from './endpoint.ts';
import { DecoderError } from './errors.ts';
import type { PartialResult, UtteranceResult } from './results.ts';
import { charsToWords, type DecodedChar, type UtteranceDecoder } from './utterance-decoder.ts';

/**
 * Best path decoding: per frame the token of least cost (the same frame costs as the WFST decoder: acoustic scale,
 * priors, blank penalty), runs merged and blanks dropped (the CTC collapse). Words are split at the space token;
 * a word's confidence is the smallest peak probability among its characters. Never NO_MATCH (no grammar).
 * Cost: O(tokens) a frame; memory: the characters of the utterance (16 bytes each, in growable arrays).
 */
export class CtcGreedyDecoder implements UtteranceDecoder {
  nbest = 1;
  private chars: DecodedChar[] = [];
  private startFrame = 0;
  private frame = 0;
  private prev = -1;
  private lastSpeech = -1;
  private cost = 0;
  private finalized = false;

  constructor(
    readonly tokens: TokenTable,
    readonly config: DecoderConfig,
  ) {
    this.init(0);
  }

  get nextFrame(): number {
    return this.frame;
  }
  get utteranceStartFrame(): number {
    return this.startFrame;
  }
  get bytes(): number {
    return 64 + this.chars.length * 48;
  }

  init(startFrame: number): void {
    this.chars = [];
    this.startFrame = startFrame;
    this.frame = startFrame;
    this.prev = -1;
    this.lastSpeech = startFrame - 1;
    this.cost = 0;
    this.finalized = false;
  }

  advance(d: Decodable, maxFrames = Infinity): number {
    if (this.finalized) throw new DecoderError('DECODER_STATE', 'advance after finalize; call init first', { state: 'finalized' });
    if (d.numIndices() !== this.tokens.size) {
      throw new DecoderError('DECODER_INPUT_SHAPE', `frames have ${d.numIndices()} tokens, the table ${this.tokens.size}`, {
        expected: this.tokens.size,
        actual: d.numIndices(),
      });
    }
    const c = this.config;
    const blank = this.tokens.blank;
    const ready = d.numFramesReady();
    let done = 0;
    while (this.frame < ready && done < maxFrames) {
      const t = this.frame;
      let best = 0;
      let bestCost = Infinity;
      for (let k = 0; k < this.tokens.size; k++) {
        let ll = d.logLikelihood(t, k);
        if (c.labelLogPriors !== null) ll -= c.priorScale * c.labelLogPriors[k];
        const cost = -c.acousticScale * ll + (k === blank ? c.blankPenalty : 0);
        if (cost < bestCost) {
          bestCost = cost;
          best = k;
        }
      }
      this.cost += bestCost;
      const p = Math.exp(d.logLikelihood(t, best));
      if (best !== blank) {
        if (best !== this.tokens.space) this.lastSpeech = t;
        if (best !== this.prev) this.chars.push({ token: best, startFrame: t, endFrame: t, prob: p });
        else {
          const last = this.chars[this.chars.length - 1];
          last.endFrame = t;
          if (p > last.prob) last.prob = p;
        }
      }
      this.prev = best;
      this.frame++;
      done++;
    }
    return done;
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
    const words = charsToWords(this.chars, this.tokens, this.config.frameShiftMs).map(({ word, startSec, endSec }) => ({ word, startSec, endSec }));
    return {
      text: words.map((w) => w.word).join(' '),
      words,
      // Greedy output never changes once read.
      stableWords: words.length,
      startSec: (this.startFrame * this.config.frameShiftMs) / 1000,
      endSec: (this.frame * this.config.frameShiftMs) / 1000,
    };
  }

  finalize(): UtteranceResult {
    if (this.finalized) throw new DecoderError('DECODER_STATE', 'finalize called twice; call init first', { state: 'finalized' });
    this.finalized = true;
    const words = charsToWords(this.chars, this.tokens, this.config.frameShiftMs);
    const ms = this.config.frameShiftMs;
    return {
      code: words.length === 0 ? 'NO_SPEECH' : 'OK',
      text: words.map((w) => w.word).join(' '),
      words,
      startSec: (this.startFrame * ms) / 1000,
      endSec: (this.frame * ms) / 1000,
      frames: this.frame - this.startFrame,
      cost: this.cost,
      acousticCost: this.cost,
      graphCost: 0,
      alternatives: [],
      endpointRule: -1,
    };
  }
}
