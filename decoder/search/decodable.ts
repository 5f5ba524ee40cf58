// The decodable seam (Kaldi's DecodableInterface) and its one implementation: row-major log-probs appended by chunks.

import type { TokenId } from '../graph/tokens.ts';
import { DecoderError } from './errors.ts';

/**
 * What the decoder reads: scores of tokens at frames. It never learns where they came from (an ONNX model, a test
 * fixture, another runtime). Frames are numbered from the start of the stream.
 */
export interface Decodable {
  /** The log-probability (or scaled log-likelihood) of `token` at `frame`. Precondition: frame < numFramesReady(). */
  logLikelihood(frame: number, token: TokenId): number;
  /** Frames available so far (one past the last readable frame). */
  numFramesReady(): number;
  /** True when `frame` is the last frame of the input (the input has ended and no frame follows). */
  isLastFrame(frame: number): boolean;
  /** Number of tokens (the width of a frame). */
  numIndices(): number;
}

/**
 * Log-probabilities [frames × tokens], row-major, appended chunk by chunk as a model produces them. Frames before
 * `firstFrame` may be dropped (`discardBefore`) to bound memory; the rest stay readable, which lets a stream decode
 * an utterance again against another graph. Appending validates every value (no NaN or infinity).
 * Memory: 4 bytes a value kept, in one buffer that grows by doubling.
 */
export class LogProbBuffer implements Decodable {
  readonly numTokens: number;
  private data: Float32Array;
  /** Stream frame number of row 0 of `data`. */
  private base = 0;
  private frames = 0;
  private ended = false;

  /** Throws DECODER_INPUT_SHAPE unless numTokens is an integer ≥ 2. */
  constructor(numTokens: number, initialFrames = 64) {
    if (!Number.isInteger(numTokens) || numTokens < 2) {
      throw new DecoderError('DECODER_INPUT_SHAPE', 'a frame needs at least two tokens (blank and one more)', {
        expected: '≥ 2',
        actual: numTokens,
      });
    }
    this.numTokens = numTokens;
    this.data = new Float32Array(Math.max(1, initialFrames) * numTokens);
  }

  /**
   * Appends `numFrames` rows from `logProbs` (row-major, exactly numFrames × numTokens values; the array is copied).
   * Throws DECODER_INPUT_SHAPE for a length mismatch, DECODER_INPUT_VALUE (details.frame, token, value) for NaN or
   * ±Infinity — nothing is appended then — and DECODER_STATE after `end()`. O(numFrames × numTokens).
   */
  append(logProbs: Float32Array, numFrames: number = logProbs.length / this.numTokens): void {
    if (this.ended) throw new DecoderError('DECODER_STATE', 'append after the end of input', { state: 'ended' });
    const n = this.numTokens;
    if (!Number.isInteger(numFrames) || numFrames < 0 || logProbs.length !== numFrames * n) {
      throw new DecoderError('DECODER_INPUT_SHAPE', `expected ${numFrames} × ${n} log-probabilities, got ${logProbs.length}`, {
        expected: Number.isInteger(numFrames) ? numFrames * n : `a multiple of ${n}`,
        actual: logProbs.length,
      });
    }
    for (let i = 0; i < logProbs.length; i++) {
      const v = logProbs[i];
      // v - v is 0 for finite numbers and NaN for NaN and ±Infinity.
      if (v - v !== 0) {
        const frame = this.base + this.frames + Math.floor(i / n);
        throw new DecoderError('DECODER_INPUT_VALUE', `log-probability of token ${i % n} at frame ${frame} is ${v}`, {
          frame,
          token: i % n,
          value: String(v),
        });
      }
    }
    const need = (this.frames + numFrames) * n;
    if (need > this.data.length) {
      const grown = new Float32Array(Math.max(need, this.data.length * 2));
      grown.set(this.data.subarray(0, this.frames * n));
      this.data = grown;
    }
    this.data.set(logProbs, this.frames * n);
    this.frames += numFrames;
  }

  /** Marks the end of input: the last appended frame becomes the last frame. */
  end(): void {
    this.ended = true;
  }

  /** True once `end()` was called. */
  get hasEnded(): boolean {
    return this.ended;
  }

  /** Stream frame number of the first frame still held. */
  get firstFrame(): number {
    return this.base;
  }

  /** Drops frames before `frame` (stream numbering), keeping later ones readable. O(frames kept × tokens). */
  discardBefore(frame: number): void {
    const drop = Math.min(Math.max(0, frame - this.base), this.frames);
    if (drop === 0) return;
    const n = this.numTokens;
    this.data.copyWithin(0, drop * n, this.frames * n);
    this.base += drop;
    this.frames -= drop;
    // Give memory back after a long utterance (with slack, so that a steady stream does not reallocate).
    const keep = Math.max(64, this.frames * 2) * n;
    if (this.data.length > 2 * keep) this.data = this.data.slice(0, keep);
  }

  /** Bytes held by the buffer. */
  get bytes(): number {
    return this.data.byteLength;
  }

  logLikelihood(frame: number, token: TokenId): number {
    return this.data[(frame - this.base) * this.numTokens + token];
  }

  numFramesReady(): number {
    return this.base + this.frames;
  }

  isLastFrame(frame: number): boolean {
    return this.ended && frame === this.base + this.frames - 1;
  }

  numIndices(): number {
    return this.numTokens;
  }
}

/**
 * A fixed matrix as a decodable (tests, tools): `logProbs` is [numFrames × numTokens] row-major and is not copied.
 * The input is complete: the last row is the last frame. Values are not validated (use `LogProbBuffer` for that).
 */
export class MatrixDecodable implements Decodable {
  constructor(
    readonly logProbs: Float32Array,
    readonly numTokens: number,
  ) {}

  logLikelihood(frame: number, token: TokenId): number {
    return this.logProbs[frame * this.numTokens + token];
  }
  numFramesReady(): number {
    return this.logProbs.length / this.numTokens;
  }
  isLastFrame(frame: number): boolean {
    return frame === this.numFramesReady() - 1;
  }
  numIndices(): number {
    return this.numTokens;
  }
}
