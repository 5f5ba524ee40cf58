// Word normalisation for grammars, and the word symbol table shared by G, L and the decoder's output.

import type { Label } from '../fst/fst.ts';
import { SymbolTable } from '../fst/symbol-table.ts';
import { GraphError } from './errors.ts';

/** The spoken form of single-digit tokens (the only digits `normalizeWord` accepts). */
export const DIGIT_WORDS: readonly string[] = Object.freeze([
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
]);

/** The epsilon symbol, id 0 of every word table. */
export const EPSILON_SYMBOL = '<eps>';

const WORD_RE = /^[a-z']*[a-z][a-z']*$/;
const DISAMBIG_RE = /^#\d+$/;
// Typographic apostrophes and the backtick are read as the ASCII apostrophe.
const APOSTROPHES_RE = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
const COMBINING_RE = /[\u0300-\u036f]/g;
// Hyphen, non-breaking hyphen, figure/en/em dashes and minus split a token into words.
const HYPHENS_RE = /[-\u2010\u2011\u2012\u2013\u2014\u2212]+/;
// Sentence punctuation stripped from both ends of a token by `normalizeText` (never apostrophes).
const EDGE_PUNCT_RE = /^[.,!?;:"()[\]{}\u00ab\u00bb\u201c\u201d]+|[.,!?;:"()[\]{}\u00ab\u00bb\u201c\u201d]+$/g;

/** True when `w` is already a normalised word: a–z and apostrophes, with at least one letter. */
export function isNormalizedWord(w: string): boolean {
  return WORD_RE.test(w);
}

/**
 * Normalises one word to the recogniser's alphabet (a–z and apostrophe):
 * - lowercase; accents removed (NFKD, combining marks dropped: "Café" → "cafe");
 * - typographic apostrophes (’ ‘ ʼ ` ´) become "'", and apostrophes are kept wherever they are ("'cause", "don't");
 * - a token that is a single digit 0–9 becomes its English name ("7" → "seven");
 * - anything else, including multi-digit numbers ("42", "2nd") whose reading is ambiguous, throws
 *   WORD_UNSPELLABLE with `details.characters` (the offending characters): the grammar author spells numbers out.
 * Precondition: `raw` is one word (no whitespace or hyphen; use `normalizeText` for running text). O(length).
 */
export function normalizeWord(raw: string): string {
  const t = raw.trim();
  if (t.length === 1 && t >= '0' && t <= '9') return DIGIT_WORDS[t.charCodeAt(0) - 48];
  const w = t.normalize('NFKD').replace(COMBINING_RE, '').toLowerCase().replace(APOSTROPHES_RE, "'");
  if (WORD_RE.test(w)) return w;
  const bad = [...new Set([...w].filter((c) => !(c === "'" || (c >= 'a' && c <= 'z'))))].join('');
  throw new GraphError('WORD_UNSPELLABLE', `"${raw}" is not spellable with a–z and apostrophe`, {
    word: raw,
    characters: bad,
  });
}

/**
 * Splits running text into normalised words: whitespace and hyphens/dashes separate words ("living-room" →
 * "living", "room"); sentence punctuation (. , ! ? ; : quotes, brackets) is stripped from the ends of each
 * token; pieces left with no letter or digit (a lone "'" or "...") are dropped; each piece then goes through
 * `normalizeWord` (which may throw WORD_UNSPELLABLE). O(length).
 */
export function normalizeText(raw: string): string[] {
  const out: string[] = [];
  for (const token of raw.split(/\s+/)) {
    if (token === '') continue;
    for (const piece of token.split(HYPHENS_RE)) {
      const p = piece.replace(EDGE_PUNCT_RE, '');
      if (!/[\p{L}\p{N}]/u.test(p)) continue;
      out.push(normalizeWord(p));
    }
  }
  return out;
}

/**
 * The word symbol table: `<eps>` = 0, words 1 … numWords, then the disambiguation symbols #0, #1, … after the
 * words. That layout is an invariant: a label l is a word iff 1 ≤ l ≤ numWords, and a disambiguation symbol iff
 * l > numWords. Adding a word once a disambiguation symbol exists would break it and throws WORD_TABLE_FROZEN.
 * `symbols` is the underlying `SymbolTable` to attach to FSTs; mutate the table only through this class.
 */
export class WordTable {
  readonly symbols: SymbolTable;
  private nWords = 0;
  private nDisambig = 0;

  constructor(name = 'words') {
    this.symbols = new SymbolTable(name);
    this.symbols.addSymbol(EPSILON_SYMBOL, 0);
  }

  /** A table of the given words, in order, duplicates ignored. Each must be normalised (WORD_UNSPELLABLE). */
  static fromWords(words: Iterable<string>): WordTable {
    const t = new WordTable();
    for (const w of words) t.add(w);
    return t;
  }

  /**
   * Wraps a symbol table in this layout (e.g. one read from words.txt): `<eps>` at 0, ids dense, symbols "#k"
   * only after every word, in order #0, #1, …. Words are taken as they are (a table may hold "<unk>").
   * Throws GRAPH_OPTION when the layout differs. The table is copied.
   */
  static fromSymbolTable(st: SymbolTable): WordTable {
    const t = new WordTable(st.name || 'words');
    const entries = st.entries();
    if (entries.length === 0 || entries[0][1] !== 0 || entries[0][0] !== EPSILON_SYMBOL) {
      throw new GraphError('GRAPH_OPTION', 'word table: id 0 must be <eps>', { option: 'symbols' });
    }
    for (let i = 1; i < entries.length; i++) {
      const [sym, id] = entries[i];
      if (id !== i) throw new GraphError('GRAPH_OPTION', `word table: ids are not dense at ${id}`, { option: 'symbols', value: id });
      if (DISAMBIG_RE.test(sym)) {
        if (sym !== `#${t.nDisambig}`) {
          throw new GraphError('GRAPH_OPTION', `word table: ${sym} out of order`, { option: 'symbols', value: sym });
        }
        t.symbols.addSymbol(sym, id);
        t.nDisambig++;
      } else {
        if (t.nDisambig > 0) {
          throw new GraphError('WORD_TABLE_FROZEN', `word table: word "${sym}" after disambiguation symbols`, { word: sym });
        }
        t.symbols.addSymbol(sym, id);
        t.nWords++;
      }
    }
    return t;
  }

  /** Number of words (ids 1 … numWords). */
  get numWords(): number {
    return this.nWords;
  }

  /** Number of disambiguation symbols (#0 … #(numDisambig − 1)). */
  get numDisambig(): number {
    return this.nDisambig;
  }

  /** The id of a word or disambiguation symbol, or -1. */
  find(word: string): Label {
    return this.symbols.find(word);
  }

  /** The id of a word; throws WORD_OOV when it is missing. */
  lookup(word: string): Label {
    const id = this.symbols.find(word);
    if (id <= 0 || id > this.nWords) throw new GraphError('WORD_OOV', `word "${word}" not in the word table`, { word });
    return id;
  }

  /** The word (or #k) of an id, or undefined. */
  word(id: Label): string | undefined {
    return this.symbols.symbol(id);
  }

  /** True when `word` is a word of the table (not <eps>, not #k). */
  has(word: string): boolean {
    const id = this.symbols.find(word);
    return id > 0 && id <= this.nWords;
  }

  /**
   * Adds a word (normalised: a–z and apostrophes, else WORD_UNSPELLABLE) and returns its id; an existing word
   * keeps its id. Throws WORD_TABLE_FROZEN for a new word once disambiguation symbols exist.
   */
  add(word: string): Label {
    const old = this.symbols.find(word);
    if (old > 0 && old <= this.nWords) return old;
    if (!isNormalizedWord(word)) {
      throw new GraphError('WORD_UNSPELLABLE', `"${word}" is not a normalised word`, { word, characters: word });
    }
    if (this.nDisambig > 0) {
      throw new GraphError('WORD_TABLE_FROZEN', `cannot add "${word}" after disambiguation symbols`, { word });
    }
    this.nWords++;
    return this.symbols.addSymbol(word, this.nWords);
  }

  /** The id of disambiguation symbol #k, adding #0 … #k as needed (which freezes the words). */
  disambig(k = 0): Label {
    while (this.nDisambig <= k) {
      this.symbols.addSymbol(`#${this.nDisambig}`, this.nWords + 1 + this.nDisambig);
      this.nDisambig++;
    }
    return this.nWords + 1 + k;
  }

  /** True when `label` is a disambiguation symbol of this table. */
  isDisambig(label: Label): boolean {
    return label > this.nWords && label <= this.nWords + this.nDisambig;
  }

  /** The words in id order (without <eps> and #k). O(numWords). */
  words(): string[] {
    const out: string[] = [];
    for (let i = 1; i <= this.nWords; i++) out.push(this.symbols.symbol(i) as string);
    return out;
  }
}
