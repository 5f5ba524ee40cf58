// L: the lexicon transducer (token strings → words), with Kaldi-style disambiguation symbols and an optional space.

import { arcSort } from '../fst/arc-sort.ts';
import { EPSILON, type Label } from '../fst/fst.ts';
import { Props } from '../fst/properties.ts';
import { TropicalSemiring, type Semiring } from '../fst/semiring.ts';
import { VectorFst } from '../fst/vector-fst.ts';
import { GraphError, checkOptionKeys, type GraphErrorCode } from './errors.ts';
import { NO_TOKEN, type TokenId, type TokenTable } from './tokens.ts';
import { isNormalizedWord, normalizeWord, type WordTable } from './words.ts';

/** A problem the builder worked around instead of failing (returned in build reports). */
export interface GraphWarning {
  code: GraphErrorCode;
  message: string;
  details: Readonly<Record<string, unknown>>;
}

/** Options of `lexicon`. Unknown keys are rejected (GRAPH_OPTION). */
export interface LexiconOptions {
  /**
   * Leave out words the tokens cannot spell, each reported as a WORD_UNSPELLABLE warning, instead of throwing
   * WORD_UNSPELLABLE. Paths of G through a left-out word disappear from LG. Default false.
   */
  skipUnspellable?: boolean;
  /**
   * Explicit spellings, as token names, for some words (a Kaldi lexicon.txt): a word listed here gets exactly
   * these spellings (several = alternatives) instead of its characters. For subword token sets, or to give two
   * words one spelling. Each spelling must be non-empty and name tokens of the table other than blank and space.
   * Default: none (every word is spelled by its characters).
   */
  spellings?: ReadonlyMap<string, readonly (readonly string[])[]>;
  /** Semiring of L (that of the G it will be composed with). Default tropical. */
  semiring?: Semiring;
}

const LEXICON_OPTION_KEYS = ['skipUnspellable', 'spellings', 'semiring'] as const;

/** L and what it took to build it. */
export interface Lexicon {
  /**
   * L: input labels are token labels and token-side disambiguation symbols (`tokens.disambigLabel(k)`), output
   * labels are word labels and G's disambiguation symbols. Its isymbols are `tokens.symbols(numDisambig)`, its
   * osymbols the word table's.
   */
  fst: VectorFst;
  /** Token-side disambiguation symbols used: #0 … #(numDisambig − 1). */
  numDisambig: number;
  /**
   * Token-side #k for k < `numGrammarDisambig` passes G's #k through (a #k:#k loop at the word boundary, Kaldi's
   * L_disambig); #k from there on mark lexicon ambiguities.
   */
  numGrammarDisambig: number;
  /** Spellings (word, token string) in L. */
  numSpellings: number;
  /** Words left out (with `skipUnspellable`). */
  skipped: string[];
  warnings: GraphWarning[];
}

interface Spelling {
  word: Label;
  tokens: TokenId[];
  disambig: number;
}

function spellingsOf(
  word: string,
  tokens: TokenTable,
  explicit: ReadonlyMap<string, readonly (readonly string[])[]> | undefined,
): TokenId[][] {
  const given = explicit?.get(word);
  if (given !== undefined) {
    if (given.length === 0) throw new GraphError('GRAPH_OPTION', `no spelling given for "${word}"`, { option: 'spellings', value: word });
    return given.map((names) => {
      if (names.length === 0) throw new GraphError('GRAPH_OPTION', `empty spelling for "${word}"`, { option: 'spellings', value: word });
      return names.map((name) => {
        const t = tokens.find(name);
        if (t === NO_TOKEN || t === tokens.blank || t === tokens.space) {
          throw new GraphError('WORD_UNSPELLABLE', `spelling of "${word}" uses "${name}", not a spelling token`, {
            word,
            characters: name,
          });
        }
        return t;
      });
    });
  }
  // Normalised words are spelled as they are; others (from an external word table) as words.ts normalises them.
  const text = isNormalizedWord(word) ? word : normalizeWord(word);
  const r = tokens.spell(text);
  if ('missing' in r) {
    throw new GraphError('WORD_UNSPELLABLE', `"${word}" has characters no token spells: ${r.missing}`, {
      word,
      characters: r.missing,
    });
  }
  return [r.tokens];
}

/**
 * Builds L for every word of `words` (ids 1 … numWords), spelled with `tokens`:
 * - each spelling is a chain of arcs from the word-boundary state back to it, the word label on the first arc
 *   (input: tokens, output: the word, then epsilons), as Kaldi's make_lexicon_fst;
 * - the space token, when the table has one, is optional between words and at either end (at most one in a row,
 *   weight one): a second boundary state "after a space" starts words too;
 * - disambiguation as Kaldi's add_lex_disambig: a spelling that is a proper prefix of another, or shared by
 *   several words, ends in a token-side disambiguation symbol (#k, k counted per token string from the first
 *   lexicon symbol), so that the spellings form a prefix code and L ∘ G is determinizable;
 * - G's disambiguation symbols #k (e.g. the back-off #0 of an ARPA G) pass through as #k:#k loops on the boundary
 *   state, and the lexicon's own symbols start after them (at #1 when G has none, keeping #0 for G).
 * Throws WORD_UNSPELLABLE (details.word, characters) for a word no token string spells, unless
 * `skipUnspellable`; GRAPH_OPTION for bad options.
 * The result is sorted by output label (ready for L ∘ G).
 * Cost: O(total spelling length) states, arcs and trie nodes (one hash entry a node), plus the sort of the two
 * word-boundary states' arcs, O(W log W) for W spellings.
 */
export function lexicon(words: WordTable, tokens: TokenTable, opts: LexiconOptions = {}): Lexicon {
  checkOptionKeys(opts, LEXICON_OPTION_KEYS, 'lexicon');
  const sr = opts.semiring ?? TropicalSemiring;
  const one = sr.one;
  const skip = opts.skipUnspellable ?? false;
  const warnings: GraphWarning[] = [];
  const skipped: string[] = [];
  const spellings: Spelling[] = [];
  for (let w = 1; w <= words.numWords; w++) {
    const word = words.word(w) as string;
    let list: TokenId[][];
    try {
      list = spellingsOf(word, tokens, opts.spellings);
    } catch (e) {
      if (!(skip && e instanceof GraphError && e.code === 'WORD_UNSPELLABLE')) throw e;
      skipped.push(word);
      warnings.push({ code: e.code, message: `skipped "${word}": ${e.message}`, details: { ...e.details, word } });
      continue;
    }
    for (const t of list) spellings.push({ word: w, tokens: t, disambig: -1 });
  }

  // add_lex_disambig over a trie of the spellings: a spelling needs a symbol when its node has children (it is a
  // proper prefix of another) or ends more than one spelling; symbols are numbered per node (token string).
  const radix = tokens.size + 1;
  const child = new Map<number, number>();
  let nodes = 1;
  let ends = new Int32Array(1024);
  let hasChild = new Uint8Array(1024);
  const endNode = new Int32Array(spellings.length);
  spellings.forEach((sp, i) => {
    let node = 0;
    for (const t of sp.tokens) {
      hasChild[node] = 1;
      const key = node * radix + t;
      let next = child.get(key);
      if (next === undefined) {
        next = nodes++;
        if (next === ends.length) {
          const e = new Int32Array(next * 2);
          e.set(ends);
          ends = e;
          const h = new Uint8Array(next * 2);
          h.set(hasChild);
          hasChild = h;
        }
        child.set(key, next);
      }
      node = next;
    }
    ends[node]++;
    endNode[i] = node;
  });
  const numGrammarDisambig = words.numDisambig;
  const firstLexical = Math.max(1, numGrammarDisambig);
  const lastUsed = new Int32Array(nodes).fill(firstLexical - 1);
  let numDisambig = numGrammarDisambig;
  spellings.forEach((sp, i) => {
    const node = endNode[i];
    if (!hasChild[node] && ends[node] <= 1) return;
    const d = ++lastUsed[node];
    sp.disambig = d;
    if (d + 1 > numDisambig) numDisambig = d + 1;
  });

  const fst = new VectorFst(sr);
  fst.isymbols = tokens.symbols(numDisambig);
  fst.osymbols = words.symbols;
  const boundary = fst.addState();
  fst.setStart(boundary);
  fst.setFinal(boundary, one);
  const space = tokens.spaceLabel;
  let afterSpace = -1;
  if (space !== EPSILON) {
    afterSpace = fst.addState();
    fst.setFinal(afterSpace, one);
    fst.addArc(boundary, space, EPSILON, one, afterSpace);
  }
  for (let k = 0; k < numGrammarDisambig; k++) {
    fst.addArc(boundary, tokens.disambigLabel(k), words.numWords + 1 + k, one, boundary);
  }
  for (const sp of spellings) {
    const labels = sp.tokens.map((t) => tokens.label(t));
    if (sp.disambig >= 0) labels.push(tokens.disambigLabel(sp.disambig));
    // Chain boundary → … → boundary; the first arc is shared by the "after a space" state.
    let s = boundary;
    for (let i = 0; i < labels.length; i++) {
      const last = i === labels.length - 1;
      const next = last ? boundary : fst.addState();
      const out = i === 0 ? sp.word : EPSILON;
      fst.addArc(s, labels[i], out, one, next);
      if (i === 0 && afterSpace >= 0) fst.addArc(afterSpace, labels[i], out, one, next);
      s = next;
    }
  }
  // Sorted by output label, L ∘ G can iterate whichever side has fewer arcs at each state pair.
  arcSort(fst, 'olabel');
  fst.setProperties(
    Props.NO_EPSILONS | Props.NO_I_EPSILONS | Props.UNWEIGHTED | Props.ACCESSIBLE | Props.COACCESSIBLE,
    Props.EPSILONS | Props.I_EPSILONS | Props.WEIGHTED | Props.ACCESSIBLE | Props.COACCESSIBLE,
  );
  return { fst, numDisambig, numGrammarDisambig, numSpellings: spellings.length, skipped, warnings };
}
