// Typed errors of the acoustic-model runtime and its model cards: one class, one registry of codes.

import { CodedError } from '../common/coded-error.ts';

/** Every code `models/` throws, with what it means and what `details` carries. Tests assert codes only. */
export const MODEL_ERROR_CODES = {
  MODEL_IO: 'a model card or ONNX file could not be read (details: path, cause)',
  MODEL_CARD_INVALID: 'a model card field is missing, of the wrong type or out of range (details: field, value, reason)',
  MODEL_CARD_VERSION: 'the model card\'s format version is not one this runtime reads (details: version, supported)',
  MODEL_OPTION: 'a runtime option is unknown or out of range (details: option, value)',
  MODEL_PROVIDER_UNAVAILABLE: 'the requested execution provider cannot be used on this machine (details: provider, cause)',
  MODEL_MISMATCH: 'the ONNX graph disagrees with its card: names, dtypes, shapes (details: name, expected, found)',
  MODEL_RUNTIME: 'onnxruntime failed while loading or running the model (details: cause)',
  MODEL_STREAM_BUSY: 'a stream was given more audio while its previous call was still running (details: stream)',
  MODEL_STREAM_FINISHED: 'a stream was given audio after finish(); reset() it first (details: stream)',
  MODEL_ARGUMENT: 'a call argument is invalid: a stream of another model, a stream twice in one batch, lengths that differ (details: reason)',
} as const;

export type ModelErrorCode = keyof typeof MODEL_ERROR_CODES;

/** The single error type of `models/`. `details` carries machine-readable context. */
export class ModelError extends CodedError<ModelErrorCode> {}
