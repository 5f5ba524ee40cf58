// The shared, immutable recognizer (graph, tokens, decoder config) that makes cheap per-connection streams.

import type { CompiledGraph } from '../graph/tlg.ts';
import type { TokenTable } from '../graph/tokens.ts';
import { decoderConfig, describeDecoderConfig, type DecoderConfig, type DecoderOptions } from './config.ts';
import { CtcGreedyDecoder } from './ctc-greedy.ts';
import { CtcPrefixBeamDecoder, type PrefixBeamOptions } from './ctc-prefix-beam.ts';
import { WfstDecoder } from './decoder.ts';
import { DecodingGraph, type DecodingGraphOptions } from './decoding-graph.ts';
import { DecoderError, checkDecoderOptionKeys } from './errors.ts';
import { Stream, type StreamOptions } from './stream.ts';
import type { UtteranceDecoder } from './utterance-decoder.ts';

/** How a recognizer decodes: over a TLG, or without a graph (greedy or prefix beam CTC, open vocabulary). */
export type RecognizerMode = 'wfst' | 'greedy' | 'prefix-beam';

/** Options of `Recognizer`; unknown keys are rejected (DECODER_OPTION). */
export interface RecognizerOptions {
  /** The decoding graph (required for 'wfst'; its tokens are the model's). */
  graph?: CompiledGraph | DecodingGraph;
  /** The model's tokens, for the graph-free modes (taken from the graph otherwise). */
  tokens?: TokenTable;
  /** Default 'wfst' with a graph, 'greedy' without. */
  mode?: RecognizerMode;
  /** Search and scoring settings (`DecoderConfig`). */
  decoder?: DecoderOptions;
  /** Settings of the 'prefix-beam' mode. */
  prefixBeam?: PrefixBeamOptions;
  /** Word spellings of the graph, for word timing (`DecodingGraphOptions.spellings`). */
  spellings?: DecodingGraphOptions['spellings'];
}

const OPTION_KEYS = ['graph', 'tokens', 'mode', 'decoder', 'prefixBeam', 'spellings'] as const;

/**
 * What every stream of one model and grammar shares: the prepared graph (with its search scratch), the token table
 * and the validated decoder config. Immutable once built (apart from the scratch, which a stream uses only inside
 * one synchronous call); build one per graph and reuse it for all connections. Log `describe()` once at start-up.
 * Throws DECODER_OPTION for bad options, DECODER_GRAPH for an unusable graph. Cost: O(V + E) of the graph once.
 */
export class Recognizer {
  readonly mode: RecognizerMode;
  readonly config: DecoderConfig;
  readonly tokens: TokenTable;
  readonly graph: DecodingGraph | null;
  private readonly prefixBeam: PrefixBeamOptions;

  constructor(opts: RecognizerOptions) {
    checkDecoderOptionKeys(opts, OPTION_KEYS, 'Recognizer');
    this.config = decoderConfig(opts.decoder ?? {});
    const g = opts.graph;
    this.graph = g === undefined ? null : g instanceof DecodingGraph ? g : DecodingGraph.from(g, { spellings: opts.spellings });
    this.mode = opts.mode ?? (this.graph !== null ? 'wfst' : 'greedy');
    if (!['wfst', 'greedy', 'prefix-beam'].includes(this.mode)) {
      throw new DecoderError('DECODER_OPTION', `unknown mode "${this.mode}"`, { option: 'mode', value: this.mode });
    }
    const tokens = this.graph?.tokens ?? opts.tokens;
    if (tokens === undefined) throw new DecoderError('DECODER_OPTION', 'a recognizer needs a graph or tokens', { option: 'tokens', value: undefined });
    if (this.mode === 'wfst' && this.graph === null) {
      throw new DecoderError('DECODER_OPTION', "mode 'wfst' needs a graph", { option: 'graph', value: undefined });
    }
    if (this.graph !== null && opts.tokens !== undefined && opts.tokens.fingerprint() !== this.graph.tokens.fingerprint()) {
      throw new DecoderError('DECODER_GRAPH', "the tokens given are not the graph's", { reason: 'tokens' });
    }
    if (this.config.labelLogPriors !== null && this.config.labelLogPriors.length !== tokens.size) {
      throw new DecoderError('DECODER_OPTION', `labelLogPriors has ${this.config.labelLogPriors.length} entries for ${tokens.size} tokens`, {
        option: 'labelLogPriors',
        value: this.config.labelLogPriors.length,
      });
    }
    this.tokens = tokens;
    this.prefixBeam = { ...(opts.prefixBeam ?? {}) };
    // Validate the prefix-beam options now rather than at the first stream.
    if (this.mode === 'prefix-beam') new CtcPrefixBeamDecoder(tokens, this.config, this.prefixBeam);
  }

  /** A new stream (per connection). See `StreamOptions`. O(1) plus the first buffers. */
  createStream(opts: StreamOptions = {}): Stream {
    return new Stream(this, opts);
  }

  /** A fresh utterance decoder of this recognizer's mode (streams use it; tests and tools may too). */
  createDecoder(): UtteranceDecoder {
    switch (this.mode) {
      case 'wfst':
        return new WfstDecoder(this.graph as DecodingGraph, this.config);
      case 'greedy':
        return new CtcGreedyDecoder(this.tokens, this.config);
      default:
        return new CtcPrefixBeamDecoder(this.tokens, this.config, this.prefixBeam);
    }
  }

  /** The effective configuration, for one log line at start-up. */
  describe(): Record<string, unknown> {
    const fst = this.graph?.fst;
    return {
      mode: this.mode,
      decoder: describeDecoderConfig(this.config),
      tokens: this.tokens.size,
      graph: fst === undefined ? null : { states: fst.numStates(), arcs: fst.numArcsTotal(), scratchBytes: this.graph?.scratch.bytes },
      ...(this.mode === 'prefix-beam' ? { prefixBeam: this.prefixBeam } : {}),
    };
  }
}
