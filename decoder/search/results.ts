// What recognition returns: partial and final results, their words, alternatives, and the registry of result codes.

/** How an utterance ended, as data. Tests and clients branch on `code`, never on text. */
export const RESULT_CODES = {
  OK: 'the words are the best path of the graph (possibly none, when the graph accepts silence)',
  NO_SPEECH: 'no frame was decoded, or the unconstrained best path reads only blanks and spaces',
  NO_MATCH: 'the graph cannot account for the audio: no final state was reached, or its best path costs far more than the unconstrained one (see noMatch)',
} as const;

export type ResultCode = keyof typeof RESULT_CODES;

/** A word of a partial result. Times are in seconds from the start of the stream. */
export interface PartialWord {
  word: string;
  /** Start of the first frame of its first character. */
  startSec: number;
  /** End of the last frame of its last character. */
  endSec: number;
}

/** A word of a final result. */
export interface ResultWord extends PartialWord {
  /**
   * Posterior probability of the word in [0, 1]: the normalised weight (e^(−confidenceScale·cost)) of the n-best
   * word sequences that keep this word, the n-best being read from the alternatives recorded where hypotheses with
   * different word histories met within the lattice beam.
   */
  confidence: number;
}

/** The current best hypothesis of an utterance in progress. */
export interface PartialResult {
  text: string;
  words: PartialWord[];
  /**
   * The first `stableWords` words are committed: every hypothesis still alive shares them, so they will not change
   * (unless the stream re-decodes the utterance against another graph). The rest may.
   */
  stableWords: number;
  /** Stream time of the start of the utterance, and of the end of the last frame decoded. */
  startSec: number;
  endSec: number;
}

/** One entry of an n-best list. */
export interface Alternative {
  text: string;
  words: string[];
  /** Total cost (acoustic + graph) of its best path. */
  cost: number;
  /** Its weight normalised over the list (e^(−confidenceScale·cost)). */
  posterior: number;
}

/** Why an utterance is NO_MATCH. */
export interface NoMatch {
  reason: 'not-final' | 'low-likelihood';
  /** The best path's words nevertheless (not a transcript). */
  guess: string;
  /** (best path acoustic cost − unconstrained best cost) / speech frames. */
  excessCostPerFrame: number;
}

/** The result of a finished utterance. */
export interface UtteranceResult {
  code: ResultCode;
  /** The transcript (empty unless code is OK). */
  text: string;
  words: ResultWord[];
  /** Stream time of the utterance's first frame and of the end of its last frame. */
  startSec: number;
  endSec: number;
  frames: number;
  /** Total cost of the best path: acoustic (scaled) + graph, final weight included. */
  cost: number;
  acousticCost: number;
  graphCost: number;
  /** The n-best list (best first) when the stream asked for more than one, else empty. */
  alternatives: Alternative[];
  /** Set when code is NO_MATCH. */
  noMatch?: NoMatch;
  /** Index of the endpoint rule that ended the utterance, or −1 (input ended, or the caller finished it). */
  endpointRule: number;
}
