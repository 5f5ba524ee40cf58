// A per-connection stream: log-probs in by chunks, partial results, endpointed utterances out, grammar swaps.

import { LogProbBuffer } from './decodable.ts';
import { detectEndpoint, endpointConfig, newEndpointInput, type EndpointConfig, type EndpointOptions } from './endpoint.ts';
import { DecoderError, checkDecoderOptionKeys } from './errors.ts';
import type { Recognizer } from './recognizer.ts';
import type { PartialResult, UtteranceResult } from './results.ts';
import type { UtteranceDecoder } from './utterance-decoder.ts';

/** Options of a stream; unknown keys are rejected (DECODER_OPTION). */
export interface StreamOptions {
  /** Endpointing rules (`EndpointConfig`), or false for none (an utterance then lasts until `finish`). Default: Kaldi's rules. */
  endpoint?: EndpointOptions | false;
  /** Alternatives in each final result (1 → none). Default 1. */
  nbest?: number;
  /**
   * Keep the log-probs of the current utterance, so that `setRecognizer(…, { restartUtterance: true })` can decode it
   * again (4 bytes × tokens × frames of the utterance). Off → frames are dropped once decoded. Default true.
   */
  keepUtteranceFrames?: boolean;
}

/** Options of `Stream.setRecognizer`. */
export interface SwapOptions {
  /**
   * Decode the current utterance again from its start against the new recognizer (needs keepUtteranceFrames);
   * otherwise the new recognizer takes over at the next utterance. Default false.
   */
  restartUtterance?: boolean;
}

/**
 * One audio stream's recognition state: the log-probs waiting or kept, the decoder of the current utterance, the
 * endpoint rules and the n-best request. `accept` decodes what it is given at once, checking the endpoint rules after
 * every frame, so results do not depend on how the input is chunked. After an endpoint the stream goes on with a
 * fresh utterance; times keep counting from the start of the stream.
 * Memory: the decoder's state (see `WfstDecoder`) plus the kept log-probs.
 */
export class Stream {
  private recognizer: Recognizer;
  private pending: Recognizer | null = null;
  private decoder: UtteranceDecoder;
  private readonly buffer: LogProbBuffer;
  readonly endpoint: EndpointConfig;
  readonly nbest: number;
  readonly keepUtteranceFrames: boolean;
  private finished = false;
  private readonly endpointScratch = newEndpointInput();

  constructor(recognizer: Recognizer, opts: StreamOptions = {}) {
    checkDecoderOptionKeys(opts, ['endpoint', 'nbest', 'keepUtteranceFrames'], 'Stream');
    this.recognizer = recognizer;
    this.endpoint = opts.endpoint === false ? endpointConfig({ enabled: false }) : endpointConfig(opts.endpoint ?? {});
    const nbest = opts.nbest ?? 1;
    if (!Number.isInteger(nbest) || nbest < 1) throw new DecoderError('DECODER_OPTION', 'nbest must be an integer ≥ 1', { option: 'nbest', value: nbest });
    this.nbest = nbest;
    const keep = opts.keepUtteranceFrames ?? true;
    if (typeof keep !== 'boolean') throw new DecoderError('DECODER_OPTION', 'keepUtteranceFrames must be a boolean', { option: 'keepUtteranceFrames', value: keep });
    this.keepUtteranceFrames = keep;
    this.buffer = new LogProbBuffer(recognizer.tokens.size);
    this.decoder = this.newDecoder(recognizer, 0);
  }

  /** The recognizer decoding the current utterance. */
  get currentRecognizer(): Recognizer {
    return this.recognizer;
  }

  /** Frames received since the stream started. */
  get framesReceived(): number {
    return this.buffer.numFramesReady();
  }

  /**
   * Appends `numFrames` rows of log-probs ([frames × tokens], row-major) and decodes them. Returns the utterances
   * that endpoints ended within them (usually none). Throws DECODER_INPUT_SHAPE / DECODER_INPUT_VALUE for bad input
   * (nothing is appended then), DECODER_STATE after `finish`. Cost: the decoding of the frames.
   */
  accept(logProbs: Float32Array, numFrames?: number): UtteranceResult[] {
    if (this.finished) throw new DecoderError('DECODER_STATE', 'accept after finish', { state: 'finished' });
    this.buffer.append(logProbs, numFrames);
    return this.pump();
  }

  /** The current utterance's best hypothesis so far (see `PartialResult.stableWords`). */
  partial(): PartialResult {
    return this.decoder.partial();
  }

  /**
   * Ends the current utterance now (as an endpoint would, rule −1) and starts the next; the stream stays open.
   * Throws DECODER_STATE after `finish`.
   */
  endUtterance(): UtteranceResult {
    if (this.finished) throw new DecoderError('DECODER_STATE', 'endUtterance after finish', { state: 'finished' });
    return this.closeUtterance(-1);
  }

  /** Ends the input: finalizes the current utterance and returns it. The stream accepts nothing more. */
  finish(): UtteranceResult {
    if (this.finished) throw new DecoderError('DECODER_STATE', 'finish called twice', { state: 'finished' });
    this.buffer.end();
    this.finished = true;
    const r = this.decoder.finalize();
    return r;
  }

  /**
   * Switches to another recognizer (another grammar) without pausing the input: by default from the next utterance;
   * with `restartUtterance`, the current utterance is decoded again from its start against the new one (its results
   * so far are replaced). Returns utterances ended by endpoints during that re-decoding. Throws DECODER_GRAPH when the
   * new recognizer's tokens differ, DECODER_STATE to restart without kept frames or after `finish`.
   */
  setRecognizer(recognizer: Recognizer, opts: SwapOptions = {}): UtteranceResult[] {
    checkDecoderOptionKeys(opts, ['restartUtterance'], 'setRecognizer');
    if (this.finished) throw new DecoderError('DECODER_STATE', 'setRecognizer after finish', { state: 'finished' });
    if (recognizer.tokens.fingerprint() !== this.recognizer.tokens.fingerprint()) {
      throw new DecoderError('DECODER_GRAPH', 'the new recognizer has other tokens', { reason: 'tokens' });
    }
    if (!opts.restartUtterance) {
      this.pending = recognizer;
      return [];
    }
    if (!this.keepUtteranceFrames) {
      throw new DecoderError('DECODER_STATE', 'restarting an utterance needs keepUtteranceFrames', { state: 'frames-dropped' });
    }
    this.pending = null;
    this.recognizer = recognizer;
    this.decoder = this.newDecoder(recognizer, this.decoder.utteranceStartFrame);
    return this.pump();
  }

  /** Bytes of per-stream state (decoder and kept log-probs). */
  get bytes(): number {
    return this.decoder.bytes + this.buffer.bytes;
  }

  private newDecoder(recognizer: Recognizer, startFrame: number): UtteranceDecoder {
    const d = recognizer.createDecoder();
    d.nbest = this.nbest;
    d.init(startFrame);
    return d;
  }

  /** Decodes every frame ready, one at a time when endpointing, closing utterances where a rule fires. */
  private pump(): UtteranceResult[] {
    const out: UtteranceResult[] = [];
    const ready = this.buffer.numFramesReady();
    if (!this.endpoint.enabled) this.decoder.advance(this.buffer);
    else {
      while (this.decoder.nextFrame < ready) {
        this.decoder.advance(this.buffer, 1);
        const rule = detectEndpoint(this.endpoint, this.decoder.endpointInput(this.endpointScratch));
        if (rule >= 0) out.push(this.closeUtterance(rule));
      }
    }
    if (!this.keepUtteranceFrames) this.buffer.discardBefore(this.decoder.nextFrame);
    return out;
  }

  private closeUtterance(rule: number): UtteranceResult {
    const r = this.decoder.finalize();
    r.endpointRule = rule;
    const next = this.decoder.nextFrame;
    if (this.pending !== null) {
      this.recognizer = this.pending;
      this.pending = null;
      this.decoder = this.newDecoder(this.recognizer, next);
    } else this.decoder.init(next);
    this.buffer.discardBefore(next);
    return r;
  }
}
