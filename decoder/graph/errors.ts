// Typed errors of the grammar front-ends (ARPA, JSGF, phrase lists, words): one class, one registry of codes.

import { CodedError } from '../../common/coded-error.ts';

/** Every code `decoder/graph` throws, with what it means and what `details` carries. Tests assert codes only. */
export const GRAPH_ERROR_CODES = {
  GRAPH_OPTION: 'an option is unknown or out of range (details: option, value)',
  GRAMMAR_SYNTAX: 'a grammar or phrase list could not be parsed (details: line, column, 1-based)',
  GRAMMAR_UNKNOWN_RULE: 'a JSGF rule reference or root names no rule of the grammar (details: rule, line, column)',
  GRAMMAR_RECURSION: 'a JSGF rule references itself directly or indirectly (details: rule, cycle)',
  GRAMMAR_EMPTY: 'a grammar has no words, no public rule, or accepts no sentence (details: reason)',
  GRAMMAR_LIMIT: 'expanding a grammar exceeded the configured state limit (details: limit)',
  WORD_UNSPELLABLE: 'a word has characters outside a–z and apostrophe after normalisation (details: word, characters)',
  WORD_OOV: 'a word is missing from a closed word table (details: word)',
  WORD_TABLE_FROZEN: 'a word was added after the disambiguation symbols of a word table (details: word)',
  ARPA_SYNTAX: 'an ARPA file line could not be parsed (details: line, reason)',
  ARPA_TRUNCATED: 'an ARPA section has fewer n-grams than \\data\\ declares, or a section or \\end\\ is missing (details: section, expected, found)',
  ARPA_MODEL: 'an ARPA model is well-formed but unusable, e.g. it has no <s> (details: reason)',
} as const;

export type GraphErrorCode = keyof typeof GRAPH_ERROR_CODES;

/** The single error type of `decoder/graph`. `details` carries machine-readable context. */
export class GraphError extends CodedError<GraphErrorCode> {}

/** Rejects keys of `opts` that are not in `known` (GRAPH_OPTION). */
export function checkOptionKeys(opts: object, known: readonly string[], where: string): void {
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new GraphError('GRAPH_OPTION', `${where}: unknown option "${k}"`, { option: k });
  }
}
