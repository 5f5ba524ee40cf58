// Typed errors of the recognition engine, and THE table from every component's error code to transport statuses.

import { CodedError } from '../common/coded-error.ts';
import { AUDIO_ERROR_CODES, AudioError, type AudioErrorCode } from '../audio/errors.ts';
import { FST_ERROR_CODES, FstError, type FstErrorCode } from '../decoder/fst/errors.ts';
import { GRAPH_ERROR_CODES, GraphError, type GraphErrorCode } from '../decoder/graph/errors.ts';
import { DECODER_ERROR_CODES, DECODER_ERROR_STATUS, DecoderError, type DecoderErrorCode } from '../decoder/search/errors.ts';
import { MODEL_ERROR_CODES, ModelError, type ModelErrorCode } from '../models/errors.ts';

/** Every code `engine/` throws or reports, with what it means and what `details` carries. Tests assert codes only. */
export const ENGINE_ERROR_CODES = {
  ENGINE_OPTION: 'an engine, session or transcribe option is unknown, of the wrong type or out of range (details: option, value)',
  ENGINE_NOT_READY: 'the engine is closed (or closing): no new session or request is accepted',
  ENGINE_BUSY: 'the engine already runs maxSessions sessions (details: limit)',
  ENGINE_BACKLOG: 'a session has more audio waiting for the model than maxQueuedAudioSec: the client sends faster than real time allows (details: queuedSec, limit)',
  ENGINE_SESSION_STATE: 'a session call out of order: audio, finalize or a grammar after end() or close() (details: state)',
  ENGINE_GRAMMAR_NOT_FOUND: 'no shipped or user grammar has this name (details: name, known)',
  ENGINE_GRAMMAR_READONLY: 'a shipped grammar cannot be replaced or deleted (details: name)',
  ENGINE_GRAMMAR_TOO_LARGE: 'a grammar source is larger than maxGrammarSourceBytes (details: bytes, limit)',
  ENGINE_GRAMMAR_LIMIT: 'the store already holds maxUserGrammars user grammars (details: limit)',
  ENGINE_WORKER_FAILED:
    'a worker thread of the engine (model, search or grammar compiles) died; the sessions or compiles that were on it end with this code and a replacement starts (details: worker, index, cause)',
  ENGINE_INTERNAL: 'an unexpected failure inside the engine (details: cause); a bug to report',
} as const;

export type EngineErrorCode = keyof typeof ENGINE_ERROR_CODES;

/** The single error type of `engine/`. `details` carries machine-readable context. */
export class EngineError extends CodedError<EngineErrorCode> {}

/** Every error code of every component the engine drives. */
export type ErrorCode = FstErrorCode | GraphErrorCode | AudioErrorCode | ModelErrorCode | DecoderErrorCode | EngineErrorCode;

/** How a transport reports a code: HTTP status, and WebSocket close code (RFC 6455 §7.4.1). */
export interface ErrorStatus {
  http: number;
  /**
   * 1007 invalid payload data (the audio or grammar the client sent), 1008 policy violation (a request the protocol
   * does not allow), 1009 message too big, 1011 internal error, 1013 try again later (capacity).
   */
  wsClose: number;
}

const S = (http: number, wsClose: number): ErrorStatus => Object.freeze({ http, wsClose });

/**
 * THE table: every code of every component → HTTP status and WebSocket close code. The server imports this and
 * nothing else to report errors. A code added to a component's registry without a row here fails type-checking
 * (the `satisfies` clause), and test/unit/engine/errors.test.ts checks the rows against the registries.
 */
export const ERROR_STATUS = Object.freeze({
  // decoder/fst: only reached through grammar compilation (a user grammar the WFST library rejects) or disk I/O.
  FST_PROPERTY: S(500, 1011),
  FST_ARGUMENT: S(500, 1011),
  FST_SEMIRING: S(500, 1011),
  FST_PARSE: S(422, 1007),
  FST_FORMAT: S(500, 1011),
  FST_SYMBOL: S(422, 1007),
  FST_NONFUNCTIONAL: S(422, 1007),
  FST_LIMIT: S(422, 1007),
  FST_IO: S(500, 1011),
  // decoder/graph: grammar sources sent by clients. 400 for a malformed request, 422 for a well-formed grammar
  // that cannot be compiled.
  GRAPH_OPTION: S(400, 1008),
  GRAMMAR_SYNTAX: S(422, 1007),
  GRAMMAR_UNKNOWN_RULE: S(422, 1007),
  GRAMMAR_RECURSION: S(422, 1007),
  GRAMMAR_EMPTY: S(422, 1007),
  GRAMMAR_LIMIT: S(422, 1007),
  WORD_UNSPELLABLE: S(422, 1007),
  WORD_OOV: S(422, 1007),
  WORD_TABLE_FROZEN: S(500, 1011),
  ARPA_SYNTAX: S(422, 1007),
  ARPA_TRUNCATED: S(422, 1007),
  ARPA_MODEL: S(422, 1007),
  // audio/: the bytes a client sent. 415 for a well-formed file we do not decode.
  AUDIO_MALFORMED: S(400, 1007),
  AUDIO_TRUNCATED: S(400, 1007),
  AUDIO_UNSUPPORTED_FORMAT: S(415, 1007),
  AUDIO_BAD_RATE: S(400, 1007),
  AUDIO_MISALIGNED: S(400, 1007),
  AUDIO_OPTION: S(400, 1008),
  AUDIO_ENDED: S(500, 1011),
  // models/: the server's own model; a client never causes these.
  MODEL_IO: S(500, 1011),
  MODEL_CARD_INVALID: S(500, 1011),
  MODEL_CARD_VERSION: S(500, 1011),
  MODEL_OPTION: S(500, 1011),
  MODEL_PROVIDER_UNAVAILABLE: S(503, 1011),
  MODEL_MISMATCH: S(500, 1011),
  MODEL_RUNTIME: S(500, 1011),
  MODEL_STREAM_BUSY: S(500, 1011),
  MODEL_STREAM_FINISHED: S(500, 1011),
  MODEL_ARGUMENT: S(500, 1011),
  // decoder/search: its own table, kept where the codes are defined.
  ...DECODER_ERROR_STATUS,
  // engine/
  ENGINE_OPTION: S(400, 1008),
  ENGINE_NOT_READY: S(503, 1013),
  ENGINE_BUSY: S(503, 1013),
  ENGINE_BACKLOG: S(429, 1008),
  ENGINE_SESSION_STATE: S(409, 1008),
  ENGINE_GRAMMAR_NOT_FOUND: S(404, 1008),
  ENGINE_GRAMMAR_READONLY: S(409, 1008),
  ENGINE_GRAMMAR_TOO_LARGE: S(413, 1009),
  ENGINE_GRAMMAR_LIMIT: S(507, 1013),
  ENGINE_WORKER_FAILED: S(500, 1011),
  ENGINE_INTERNAL: S(500, 1011),
} as const) satisfies Readonly<Record<ErrorCode, ErrorStatus>>;

/** Every registry the table covers, by component (for listings and the table's own test). */
export const ERROR_REGISTRIES: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  fst: FST_ERROR_CODES,
  graph: GRAPH_ERROR_CODES,
  audio: AUDIO_ERROR_CODES,
  model: MODEL_ERROR_CODES,
  decoder: DECODER_ERROR_CODES,
  engine: ENGINE_ERROR_CODES,
});

/** A coded error as data: what crosses a thread boundary. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** A coded error of any component, as data. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details: Readonly<Record<string, unknown>>;
  http: number;
  wsClose: number;
}

/** True for an error of one of the components' classes (a coded error), false for anything else. */
export function isCodedError(e: unknown): e is FstError | GraphError | AudioError | ModelError | DecoderError | EngineError {
  return (
    e instanceof EngineError ||
    e instanceof AudioError ||
    e instanceof GraphError ||
    e instanceof FstError ||
    e instanceof ModelError ||
    e instanceof DecoderError
  );
}

/**
 * Any thrown value as `ErrorInfo`: coded errors keep their code, message and details; anything else becomes
 * ENGINE_INTERNAL with the original message in details.cause. O(1).
 */
export function errorInfo(e: unknown): ErrorInfo {
  if (isCodedError(e) && Object.hasOwn(ERROR_STATUS, e.code)) {
    const s = ERROR_STATUS[e.code as ErrorCode];
    return { code: e.code as ErrorCode, message: e.message, details: e.details, http: s.http, wsClose: s.wsClose };
  }
  const cause = e instanceof Error ? e.message : String(e);
  const s = ERROR_STATUS.ENGINE_INTERNAL;
  return { code: 'ENGINE_INTERNAL', message: `internal error: ${cause}`, details: { cause }, http: s.http, wsClose: s.wsClose };
}

/** Anything thrown as `ErrorData` (as `errorInfo`: unknown errors become ENGINE_INTERNAL), to post to another thread. */
export function errorData(e: unknown): ErrorData {
  const info = errorInfo(e);
  return { code: info.code, message: info.message, details: { ...info.details } };
}

/**
 * The error an `ErrorInfo`-like record describes, as an instance of its component's class (so that `instanceof` and
 * `code` work after the error crossed a thread boundary as data). Unknown codes → ENGINE_INTERNAL. O(registries).
 */
export function errorFromData(d: { code: string; message: string; details?: Readonly<Record<string, unknown>> }): Error {
  const details = { ...(d.details ?? {}) };
  if (Object.hasOwn(FST_ERROR_CODES, d.code)) return new FstError(d.code as FstErrorCode, d.message, details);
  if (Object.hasOwn(GRAPH_ERROR_CODES, d.code)) return new GraphError(d.code as GraphErrorCode, d.message, details);
  if (Object.hasOwn(AUDIO_ERROR_CODES, d.code)) return new AudioError(d.code as AudioErrorCode, d.message, details);
  if (Object.hasOwn(MODEL_ERROR_CODES, d.code)) return new ModelError(d.code as ModelErrorCode, d.message, details);
  if (Object.hasOwn(DECODER_ERROR_CODES, d.code)) return new DecoderError(d.code as DecoderErrorCode, d.message, details);
  if (Object.hasOwn(ENGINE_ERROR_CODES, d.code)) return new EngineError(d.code as EngineErrorCode, d.message, details);
  return new EngineError('ENGINE_INTERNAL', d.message, { ...details, cause: d.code });
}
