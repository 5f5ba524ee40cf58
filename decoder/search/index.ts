// The decoder's public API: recognizer and streams, the WFST decoder and its seams, configs, results and errors.

export { Recognizer, type RecognizerMode, type RecognizerOptions } from './recognizer.ts';
export { Stream, type StreamOptions, type SwapOptions } from './stream.ts';
export { WfstDecoder, type DecoderStats } from './decoder.ts';
export { DecodingGraph, DecoderScratch, type DecodingGraphOptions } from './decoding-graph.ts';
export { CtcGreedyDecoder } from './ctc-greedy.ts';
export { CtcPrefixBeamDecoder, type PrefixBeamOptions } from './ctc-prefix-beam.ts';
export type { UtteranceDecoder } from './utterance-decoder.ts';
export { LogProbBuffer, MatrixDecodable, type Decodable } from './decodable.ts';
export { DEFAULT_DECODER_CONFIG, decoderConfig, describeDecoderConfig, type DecoderConfig, type DecoderOptions } from './config.ts';
export {
  DEFAULT_ENDPOINT_CONFIG,
  detectEndpoint,
  endpointConfig,
  type EndpointConfig,
  type EndpointInput,
  type EndpointOptions,
  type EndpointRule,
} from './endpoint.ts';
export { RESULT_CODES, type Alternative, type NoMatch, type PartialResult, type PartialWord, type ResultCode, type ResultWord, type UtteranceResult } from './results.ts';
export { DECODER_ERROR_CODES, DECODER_ERROR_STATUS, DecoderError, type DecoderErrorCode } from './errors.ts';
export { referenceDecode, type ReferencePath } from './reference-decoder.ts';
export { synthesizePosteriors, type SyntheticOptions, type SyntheticUtterance } from './synthetic-posteriors.ts';
