// A compiled TLG prepared for decoding: validated once, shared by every stream, with the scratch they take turns using.

import { ConstFst } from '../fst/const-fst.ts';
import { EPSILON, NO_STATE } from '../fst/fst.ts';
import type { CompiledGraph } from '../graph/tlg.ts';
import { NO_TOKEN, type TokenTable } from '../graph/tokens.ts';
import { isNormalizedWord, normalizeWord, type WordTable } from '../graph/words.ts';
import { DecoderError } from './errors.ts';
import { CollectScratch } from './link-store.ts';
import { ExpansionArena } from './token-arena.ts';

/**
 * Per-graph scratch of the search: the expansion arena, a dense state → token map (stamped per frame, so it is never
 * cleared), the epsilon queue, the cost table of a frame and the collection arrays. Only a synchronous call of one
 * stream uses it at a time (JavaScript runs one call at a time; worker threads each build their own recognizer).
 * Memory: 8 bytes a graph state, plus the arena (grows to the largest frame expanded).
 */
export class DecoderScratch {
  readonly next = new ExpansionArena(1024);
  /** stamp[s] === gen ⇔ state s has a token in `next`, at index slot[s]. */
  readonly stamp: Int32Array;
  readonly slot: Int32Array;
  gen = 0;
  queue = new Int32Array(1024);
  /** Cost of each input label at the current frame (index = label; 0 unused). */
  readonly acCost: Float64Array;
  /** Costs copied for quickselect. */
  costs = new Float64Array(1024);
  /** Links of a traceback, or roots of a collection. */
  trace = new Int32Array(256);
  readonly collect = new CollectScratch();

  constructor(numStates: number, numLabels: number) {
    this.stamp = new Int32Array(numStates);
    this.slot = new Int32Array(numStates);
    this.acCost = new Float64Array(numLabels + 1);
  }

  /** Starts a new frame in the state map. */
  nextGeneration(): void {
    if (++this.gen === 0x7fffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
  }

  ensureQueue(n: number): void {
    if (n > this.queue.length) {
      const q = new Int32Array(Math.max(n, this.queue.length * 2));
      q.set(this.queue);
      this.queue = q;
    }
  }

  ensureCosts(n: number): void {
    if (n > this.costs.length) this.costs = new Float64Array(Math.max(n, this.costs.length * 2));
  }

  ensureTrace(n: number): void {
    if (n > this.trace.length) {
      const t = new Int32Array(Math.max(n, this.trace.length * 2));
      t.set(this.trace);
      this.trace = t;
    }
  }

  get bytes(): number {
    return (
      this.next.bytes + this.stamp.byteLength + this.slot.byteLength + this.queue.byteLength + this.costs.byteLength +
      this.trace.byteLength + this.collect.mark.byteLength + this.collect.remap.byteLength +
      this.collect.altMark.byteLength + this.collect.altRemap.byteLength
    );
  }
}

/** Options of `DecodingGraph`. */
export interface DecodingGraphOptions {
  /**
   * Token spellings of words spelled other than letter by letter (the `spellings` the graph was built with): word
   * timing then counts the right number of characters. Default: none (words are spelled by their letters).
   */
  spellings?: ReadonlyMap<string, readonly (readonly string[])[]>;
}

/**
 * TLG as the decoder reads it: the CSR arrays of a ConstFst whose arcs are sorted by input label (epsilon arcs first
 * in each state), input labels token labels (`TokenTable.label`) or epsilon, output labels word labels or epsilon.
 * Also the label of the blank and the space, and each word's spelled length (for word timing).
 * Throws DECODER_GRAPH (details.reason) for an empty graph, unsorted arcs, or input labels beyond the token table.
 * Cost: O(V + E) once (a scan of the arcs), O(words) for the spellings.
 */
export class DecodingGraph {
  readonly fst: ConstFst;
  readonly tokens: TokenTable;
  readonly words: WordTable | undefined;
  readonly numTokens: number;
  readonly blankLabel: number;
  /** The space's label, or −1 when the tokens have no space. */
  readonly spaceLabel: number;
  /** Spelled length (tokens) of each word label, −1 when unknown. */
  readonly wordLength: Int32Array;
  readonly scratch: DecoderScratch;

  constructor(tlg: ConstFst, tokens: TokenTable, words?: WordTable, opts: DecodingGraphOptions = {}) {
    if (tlg.start() === NO_STATE) throw new DecoderError('DECODER_GRAPH', 'the graph is empty', { reason: 'empty' });
    const n = tlg.numStates();
    const { arcStart, ilabel } = tlg;
    const maxLabel = tokens.size;
    let maxOut = 0;
    for (let s = 0; s < n; s++) {
      for (let a = arcStart[s]; a < arcStart[s + 1]; a++) {
        const il = ilabel[a];
        if (il < 0 || il > maxLabel) {
          throw new DecoderError('DECODER_GRAPH', `input label ${il} is beyond the ${maxLabel} tokens`, {
            reason: 'labels',
            label: il,
          });
        }
        if (a > arcStart[s] && il < ilabel[a - 1]) {
          throw new DecoderError('DECODER_GRAPH', `arcs of state ${s} are not sorted by input label`, { reason: 'unsorted', state: s });
        }
        if (tlg.olabel[a] > maxOut) maxOut = tlg.olabel[a];
      }
    }
    this.fst = tlg;
    this.tokens = tokens;
    this.words = words;
    this.numTokens = tokens.size;
    this.blankLabel = tokens.blankLabel;
    this.spaceLabel = tokens.spaceLabel === EPSILON ? -1 : tokens.spaceLabel;
    const numWords = Math.max(maxOut, words?.numWords ?? 0);
    this.wordLength = new Int32Array(numWords + 1).fill(-1);
    if (words !== undefined) {
      for (let w = 1; w <= words.numWords; w++) this.wordLength[w] = spelledLength(words.word(w) as string, tokens, opts.spellings);
    }
    this.scratch = new DecoderScratch(n, tokens.size);
  }

  /** A compiled graph (`compileGrammar`, `loadGraph`) prepared for decoding. */
  static from(graph: CompiledGraph, opts: DecodingGraphOptions = {}): DecodingGraph {
    return new DecodingGraph(graph.tlg, graph.tokens, graph.words, opts);
  }

  /** The text of a word label (`#label` for labels outside the word table). */
  wordText(label: number): string {
    return this.words?.word(label) ?? `#${label}`;
  }
}

/** Tokens in the spelling of `word`, as the lexicon spells it; −1 when unknown or ambiguous. */
function spelledLength(
  word: string,
  tokens: TokenTable,
  spellings: ReadonlyMap<string, readonly (readonly string[])[]> | undefined,
): number {
  const given = spellings?.get(word);
  if (given !== undefined) {
    const lens = new Set(given.map((s) => s.length));
    return lens.size === 1 ? [...lens][0] : -1;
  }
  let text: string;
  try {
    text = isNormalizedWord(word) ? word : normalizeWord(word);
  } catch {
    return -1;
  }
  const r = tokens.spell(text);
  if ('missing' in r) return -1;
  return r.tokens.every((t) => t !== NO_TOKEN) ? r.tokens.length : -1;
}
