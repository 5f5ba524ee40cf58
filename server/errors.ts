// Typed errors of the transport layer: one class, one registry of codes with their HTTP status and close code.

import { CodedError } from '../common/coded-error.ts';
import { ERROR_STATUS, isCodedError, type ErrorCode, type ErrorStatus } from '../engine/errors.ts';

export type { ErrorStatus } from '../engine/errors.ts';

/**
 * Every code only the transport layer produces: meaning, HTTP status, WebSocket close code (the close reason is
 * the code itself). The codes of the components below (engine, audio, grammars, decoder, model) have their rows in
 * engine/errors.ts's ERROR_STATUS; `STATUS` joins the two. A component's code added here would have two rows: the
 * `never` in the `satisfies` clause makes that a type error.
 */
export const SERVER_ERROR_CODES = {
  UNAUTHORIZED: { http: 401, wsClose: 1008, doc: 'API keys are configured and the request carried none, or a wrong one' },
  NOT_FOUND: { http: 404, wsClose: 1008, doc: 'no such route (or no such WebSocket path)' },
  BAD_REQUEST: { http: 400, wsClose: 1008, doc: 'a query parameter or config field is missing, of the wrong type or out of range (details: field)' },
  BAD_MESSAGE: {
    http: 400,
    wsClose: 1007,
    doc: 'a WebSocket text message is not a JSON object, or a field of it has the wrong type (details: field); the stream continues. A frame that breaks the WebSocket protocol ends the stream (details: close)',
  },
  UNKNOWN_MESSAGE_TYPE: { http: 400, wsClose: 1003, doc: 'a WebSocket JSON message has a type the protocol does not know (details: type); the stream continues' },
  CONFIG_AFTER_AUDIO: { http: 409, wsClose: 1008, doc: 'a config message changed the audio format after audio was sent; the stream continues with its format' },
  STREAM_ENDED: { http: 409, wsClose: 1008, doc: 'a message arrived after eof' },
  MESSAGE_TOO_LARGE: { http: 413, wsClose: 1009, doc: 'a WebSocket message is larger than maxMessageBytes (details: limit); the stream ends without finals' },
  UPLOAD_TOO_LARGE: { http: 413, wsClose: 1009, doc: 'an HTTP body is larger than maxUploadBytes or maxGrammarBytes (details: limit)' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, wsClose: 1003, doc: 'the body\'s Content-Type is not one the route reads (details: contentType)' },
  MULTIPART_INVALID: { http: 400, wsClose: 1007, doc: 'a multipart/form-data body is malformed, or lacks a required part (details: reason, field)' },
  UNSUPPORTED_LANGUAGE: { http: 400, wsClose: 1008, doc: 'a language other than the model\'s was requested (details: language, supported)' },
  TOO_MANY_STREAMS: { http: 503, wsClose: 1013, doc: 'maxStreams sessions are already running; retry after retry_after_ms (details: limit, retry_after_ms)' },
  NOT_READY: { http: 503, wsClose: 1013, doc: 'the model or default grammar is still loading; retry later (details: retry_after_ms)' },
  SHUTTING_DOWN: { http: 503, wsClose: 1001, doc: 'the server is draining after SIGTERM and takes no new sessions; open streams get their final results' },
  STREAM_TOO_LONG: { http: 413, wsClose: 1008, doc: 'the stream has been open longer than maxStreamSec; final results were sent (details: limit)' },
  IDLE_TIMEOUT: { http: 408, wsClose: 1008, doc: 'no audio for idleTimeoutSec; final results were sent (details: limit)' },
  SLOW_CONSUMER: { http: 429, wsClose: 1008, doc: 'the client read results so slowly that maxSendBufferBytes piled up (details: limit)' },
  INTERNAL: { http: 500, wsClose: 1011, doc: 'an unexpected failure; logged with a stack, the process keeps serving' },
} as const satisfies Record<string, ErrorStatus & { doc: string }> & { readonly [K in ErrorCode]?: never };

export type ServerErrorCode = keyof typeof SERVER_ERROR_CODES;

/** Every code a client can receive: the transport's and every component's. */
export type WireCode = ServerErrorCode | ErrorCode;

/** THE table the transport reports with: code → HTTP status and WebSocket close code, for every code. */
export const STATUS: Readonly<Record<WireCode, ErrorStatus>> = Object.freeze({
  ...ERROR_STATUS,
  ...(Object.fromEntries(Object.entries(SERVER_ERROR_CODES).map(([code, s]) => [code, Object.freeze({ http: s.http, wsClose: s.wsClose })])) as Record<
    ServerErrorCode,
    ErrorStatus
  >),
});

/** The single error type of `server/`. `details` carries machine-readable context and is sent to the client. */
export class ServerError extends CodedError<ServerErrorCode> {}

/** A coded error from any component, as the transport sends it: code, message, details. */
export interface WireError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** HTTP status and close code of any code (`STATUS`); a code no table knows is reported as INTERNAL is. O(1). */
export function statusOf(code: string): ErrorStatus {
  return Object.hasOwn(STATUS, code) ? STATUS[code as WireCode] : STATUS.INTERNAL;
}

/**
 * Turns anything thrown into a WireError. Coded errors (ServerError and every component's classes) keep code,
 * message and details; anything else becomes INTERNAL with a generic message (the original belongs in the log).
 */
export function toWireError(e: unknown): WireError {
  if (e instanceof ServerError || isCodedError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
  return { code: 'INTERNAL', message: 'internal error', details: {} };
}

/** The JSON body of an HTTP error response: code, message and the details' JSON-safe fields. */
export function httpErrorBody(w: WireError): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(w.details)) {
    if (v instanceof Error || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') continue;
    out[k] = v;
  }
  return { ...out, code: w.code, message: w.message };
}
