// Tokens in struct-of-arrays arenas: the surviving tokens of a frame (per stream) and the expansion scratch (shared).

/** No link yet: the token's history is empty (start of the utterance, or nothing since the last commit cut). */
export const NO_LINK = -1;

/** The word-history hash of an empty history. */
export const EMPTY_WORD_HASH = 0x811c9dc5 | 0;

/** Hash of a word history extended by `word` (FNV-1a style; collisions only merge two n-best entries). */
export function extendWordHash(h: number, word: number): number {
  return Math.imul(h ^ word, 0x01000193);
}

function grownI32(a: Int32Array, cap: number, keep: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a.subarray(0, keep));
  return b;
}
function grownF64(a: Float64Array, cap: number, keep: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a.subarray(0, keep));
  return b;
}

/**
 * The tokens alive after a frame, one per graph state, as parallel typed arrays (index i is token i). This is the
 * per-stream part of the search state; it is reused from frame to frame and only grows.
 * Fields: graph state; cost relative to the frame's best (which is 0 after pruning); graph cost (sum of arc weights,
 * absolute, for the no-match test); traceback link; the input label of the last frame read (T's state: a repeat of
 * it is not a new token); the last frame that read a non-blank token and the last that read a non-blank, non-space
 * token (character end times, endpointing); the hash of the word history (lattice recombination).
 */
export class TokenArena {
  /** Bytes per token of capacity. */
  static readonly BYTES_PER_TOKEN = 4 + 8 + 8 + 4 + 4 + 4 + 4 + 4;
  size = 0;
  state: Int32Array;
  cost: Float64Array;
  graphCost: Float64Array;
  link: Int32Array;
  prevLabel: Int32Array;
  lastNonBlank: Int32Array;
  lastSpeech: Int32Array;
  wordHash: Int32Array;

  constructor(capacity = 16) {
    this.state = new Int32Array(capacity);
    this.cost = new Float64Array(capacity);
    this.graphCost = new Float64Array(capacity);
    this.link = new Int32Array(capacity);
    this.prevLabel = new Int32Array(capacity);
    this.lastNonBlank = new Int32Array(capacity);
    this.lastSpeech = new Int32Array(capacity);
    this.wordHash = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.state.length;
  }

  /** Ensures room for `n` tokens, keeping the first `size`. Array references change when it grows. */
  reserve(n: number): void {
    if (n <= this.state.length) return;
    const cap = Math.max(n, this.state.length * 2);
    const k = this.size;
    this.state = grownI32(this.state, cap, k);
    this.cost = grownF64(this.cost, cap, k);
    this.graphCost = grownF64(this.graphCost, cap, k);
    this.link = grownI32(this.link, cap, k);
    this.prevLabel = grownI32(this.prevLabel, cap, k);
    this.lastNonBlank = grownI32(this.lastNonBlank, cap, k);
    this.lastSpeech = grownI32(this.lastSpeech, cap, k);
    this.wordHash = grownI32(this.wordHash, cap, k);
  }

  /** Drops all tokens; gives memory back when the arrays grew beyond `capacity`. */
  clear(capacity = 16): void {
    this.size = 0;
    if (this.state.length > capacity) {
      this.state = new Int32Array(capacity);
      this.cost = new Float64Array(capacity);
      this.graphCost = new Float64Array(capacity);
      this.link = new Int32Array(capacity);
      this.prevLabel = new Int32Array(capacity);
      this.lastNonBlank = new Int32Array(capacity);
      this.lastSpeech = new Int32Array(capacity);
      this.wordHash = new Int32Array(capacity);
    }
  }

  /** Bytes held. */
  get bytes(): number {
    return this.capacity * TokenArena.BYTES_PER_TOKEN;
  }
}

/**
 * The tokens of the frame being expanded: a `TokenArena` plus, per token, one pending traceback event (a new
 * character and/or a word read on the arc that made the token, not yet written to the link store: only tokens that
 * survive pruning write theirs) and the recombination node created for it this frame (or NO_LINK). Shared by all
 * streams of a recognizer: it is used only inside a synchronous advance() call.
 */
export class ExpansionArena extends TokenArena {
  static readonly BYTES_PER_EXPANSION_TOKEN = TokenArena.BYTES_PER_TOKEN + 5 * 4;
  /** Pending word label, or 0. */
  evWord: Int32Array;
  /** Pending character (token id), or -1. */
  evChar: Int32Array;
  /** Frame of the pending event. */
  evFrame: Int32Array;
  /** End frame of the previous character (for a pending character). */
  evAux: Int32Array;
  /** Recombination node made for this token in this frame, or NO_LINK. */
  merge: Int32Array;

  constructor(capacity = 1024) {
    super(capacity);
    this.evWord = new Int32Array(capacity);
    this.evChar = new Int32Array(capacity);
    this.evFrame = new Int32Array(capacity);
    this.evAux = new Int32Array(capacity);
    this.merge = new Int32Array(capacity);
  }

  override reserve(n: number): void {
    if (n <= this.state.length) return;
    const cap = Math.max(n, this.state.length * 2);
    const k = this.size;
    super.reserve(cap);
    this.evWord = grownI32(this.evWord, cap, k);
    this.evChar = grownI32(this.evChar, cap, k);
    this.evFrame = grownI32(this.evFrame, cap, k);
    this.evAux = grownI32(this.evAux, cap, k);
    this.merge = grownI32(this.merge, cap, k);
  }

  /** Drops all tokens (the scratch keeps its capacity). */
  override clear(): void {
    this.size = 0;
  }

  override get bytes(): number {
    return this.capacity * ExpansionArena.BYTES_PER_EXPANSION_TOKEN;
  }
}
