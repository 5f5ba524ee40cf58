// Typed errors of the WFST library: one class, one registry of stable codes.

import { CodedError } from '../../common/coded-error.ts';

/** Every code the WFST library throws, with what it means. Tests assert codes, never messages. */
export const FST_ERROR_CODES = {
  FST_PROPERTY: 'an algorithm precondition on FST properties does not hold (details.missing names it)',
  FST_ARGUMENT: 'an argument is out of range or inconsistent',
  FST_SEMIRING: 'the FSTs use different semirings, or the semiring lacks a needed property',
  FST_PARSE: 'a text-format FST or symbol table could not be parsed (details give line)',
  FST_FORMAT: 'a binary FST file is malformed, truncated or of another version',
  FST_SYMBOL: 'a symbol is missing from a symbol table',
  FST_NONFUNCTIONAL: 'a transducer is not functional where a functional one is required',
  FST_LIMIT: 'an algorithm exceeded a configured limit (states, iterations)',
  FST_IO: 'a file could not be read or written',
} as const;

export type FstErrorCode = keyof typeof FST_ERROR_CODES;

/** The single error type of `decoder/fst`. `details` carries machine-readable context. */
export class FstError extends CodedError<FstErrorCode> {}
