// Typed errors of the decoder (decoder/search): one class, one registry of stable codes, with transport hints.

import { CodedError } from '../../common/coded-error.ts';

/** Every code `decoder/search` throws, with what it means and what `details` carries. Tests assert codes only. */
export const DECODER_ERROR_CODES = {
  DECODER_OPTION: 'an option is unknown, of the wrong type or out of range (details: option, value)',
  DECODER_INPUT_SHAPE: 'log-probabilities whose length is not frames × tokens, or a token count unlike the graph (details: expected, actual)',
  DECODER_INPUT_VALUE: 'a log-probability is NaN or infinite (details: frame, token, value)',
  DECODER_STATE: 'a call out of order, e.g. advancing a finalized decoder or appending after the end of input (details: state)',
  DECODER_GRAPH: 'a graph the decoder cannot use: empty, labels beyond the token table, or tokens unlike the stream\'s (details: reason)',
} as const;

export type DecoderErrorCode = keyof typeof DECODER_ERROR_CODES;

/**
 * How a transport should report each code: the HTTP status and the WebSocket close code (RFC 6455: 1007 invalid
 * payload data, 1008 policy violation, 1011 internal error). The server's own error table imports this one.
 */
export const DECODER_ERROR_STATUS: Readonly<Record<DecoderErrorCode, { http: number; wsClose: number }>> = Object.freeze({
  DECODER_OPTION: { http: 400, wsClose: 1008 },
  DECODER_INPUT_SHAPE: { http: 400, wsClose: 1007 },
  DECODER_INPUT_VALUE: { http: 400, wsClose: 1007 },
  DECODER_STATE: { http: 409, wsClose: 1008 },
  DECODER_GRAPH: { http: 422, wsClose: 1011 },
});

/** The single error type of `decoder/search`. `details` carries machine-readable context. */
export class DecoderError extends CodedError<DecoderErrorCode> {}

/** Rejects keys of `opts` that are not in `known` (DECODER_OPTION, details.option the key). */
export function checkDecoderOptionKeys(opts: object, known: readonly string[], where: string): void {
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new DecoderError('DECODER_OPTION', `${where}: unknown option "${k}"`, { option: k });
  }
}
