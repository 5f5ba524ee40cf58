// The streaming contract every decoder of a stream fulfils (WFST, greedy CTC, CTC prefix beam), and shared helpers.

import type { TokenTable } from '../graph/tokens.ts';
import type { Decodable } from './decodable.ts';
import type { EndpointInput } from './endpoint.ts';
import type { PartialResult, ResultWord, UtteranceResult } from './results.ts';

/** Kaldi's Init / Advance / Finalize, plus what streaming needs (partial results, endpoint input). */
export interface UtteranceDecoder {
  /** Alternatives wanted in final results (1 → none). */
  nbest: number;
  /** Starts an utterance at stream frame `startFrame`. */
  init(startFrame: number): void;
  /** Decodes up to `maxFrames` ready frames; returns how many. */
  advance(decodable: Decodable, maxFrames?: number): number;
  /** The best hypothesis so far, without changing the search. */
  partial(): PartialResult;
  /** Ends the utterance; `init` must be called before decoding again. */
  finalize(): UtteranceResult;
  /** What the endpoint rules look at; fills `out` when given (no allocation). */
  endpointInput(out?: EndpointInput): EndpointInput;
  /** Stream frame number of the next frame to decode. */
  readonly nextFrame: number;
  readonly utteranceStartFrame: number;
  /** Bytes of per-stream state held. */
  readonly bytes: number;
}

/** A character read by a graph-free decoder: token, first and last frame, and its best probability. */
export interface DecodedChar {
  token: number;
  startFrame: number;
  endFrame: number;
  prob: number;
}

/**
 * Groups characters into words at the space token (tokens without a space give one word); a word's text is its
 * tokens' names joined, its times the frames of its first and last character, its confidence the smallest
 * probability among its characters. Word times are in seconds from the start of the stream.
 */
export function charsToWords(chars: readonly DecodedChar[], tokens: TokenTable, frameShiftMs: number): ResultWord[] {
  const out: ResultWord[] = [];
  let text = '';
  let start = -1;
  let end = -1;
  let conf = 1;
  const close = () => {
    if (text !== '') out.push({ word: text, startSec: (start * frameShiftMs) / 1000, endSec: ((end + 1) * frameShiftMs) / 1000, confidence: conf });
    text = '';
    start = -1;
    conf = 1;
  };
  for (const c of chars) {
    if (c.token === tokens.space) {
      close();
      continue;
    }
    if (start < 0) start = c.startFrame;
    end = c.endFrame;
    text += tokens.tokens[c.token];
    conf = Math.min(conf, c.prob);
  }
  close();
  return out;
}
