// Phrase lists and word lists as G: a weighted prefix tree of phrases, and a loop over words.

import type { Label } from '../fst/fst.ts';
import { VectorFst } from '../fst/vector-fst.ts';
import { GraphError, checkOptionKeys } from './errors.ts';
import { normalizeText, normalizeWord, type WordTable } from './words.ts';

/** One phrase of a list: its normalised words, its relative weight (> 0 … or 0 to disable) and its line (1-based). */
export interface Phrase {
  words: string[];
  weight: number;
  line: number;
}

const WEIGHT_RE = /\/\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\/\s*$/;

/**
 * Parses a phrase list: one phrase a line, optionally followed by a relative weight in slashes, as JSGF writes
 * weights: `turn on the light /2.5/`. Unweighted phrases weigh 1. Blank lines and lines whose first non-blank
 * character is `#` are skipped. Words are normalised with `normalizeText` (lowercase, hyphens split, sentence
 * punctuation stripped, single digits spelled out). Throws GRAMMAR_SYNTAX (details.line, column) for a malformed
 * or negative weight, a stray "/", or a line with no words; WORD_UNSPELLABLE (with line, column 1). O(length).
 */
export function parsePhrases(text: string): Phrase[] {
  const out: Phrase[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let body = lines[i].replace(/\r$/, '');
    const trimmed = body.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    let weight = 1;
    const m = WEIGHT_RE.exec(body);
    if (m) {
      weight = Number(m[1]);
      body = body.slice(0, m.index);
    }
    const slash = body.indexOf('/');
    if (slash >= 0) {
      throw new GraphError('GRAMMAR_SYNTAX', `line ${line}: weights are written "/2.5/" at the end of the line`, {
        line,
        column: slash + 1,
      });
    }
    let words: string[];
    try {
      words = normalizeText(body);
    } catch (e) {
      if (e instanceof GraphError) throw new GraphError(e.code, `line ${line}: ${e.message}`, { ...e.details, line, column: 1 });
      throw e;
    }
    if (words.length === 0) {
      throw new GraphError('GRAMMAR_SYNTAX', `line ${line}: no words`, { line, column: body.search(/\S/) + 1 });
    }
    out.push({ words, weight, line });
  }
  return out;
}

/** Options of `phrasesToFst` and `wordLoopFst`. Unknown keys are rejected (GRAPH_OPTION). */
export interface PhraseFstOptions {
  /** Throw WORD_OOV for a word missing from the word table instead of adding it. Default false (add). */
  closedVocabulary?: boolean;
}

const PHRASE_OPTION_KEYS = ['closedVocabulary'] as const;

interface TrieNode {
  children: Map<Label, TrieNode>;
  /** Weight of the phrases ending here. */
  end: number;
  /** Weight of the phrases ending here or below. */
  mass: number;
}

function labelOf(words: WordTable, w: string, closed: boolean, line?: number): Label {
  try {
    return closed ? words.lookup(w) : words.add(w);
  } catch (e) {
    if (e instanceof GraphError && line !== undefined) throw new GraphError(e.code, e.message, { ...e.details, line });
    throw e;
  }
}

/**
 * Compiles a phrase list (text as `parsePhrases` reads it, or parsed phrases) to G: a deterministic, input-label
 * sorted, tropical word acceptor shaped as a prefix tree (phrases share their prefixes; states are numbered
 * breadth-first, so it is topologically sorted). A phrase of weight w is accepted at total cost −ln(w / Σw); the
 * weights are pushed towards the start (each arc costs −ln of the share of the mass below it), so the costs a
 * decoder sees early already rank the phrases. Phrases listed twice have their weights added; zero-weight phrases
 * are left out. New words are added to `words` unless `closedVocabulary`. Throws GRAMMAR_EMPTY when no phrase has
 * a positive weight, and as `parsePhrases`. Cost: O(total words) plus a sort of each state's arcs.
 */
export function phrasesToFst(list: string | readonly Phrase[], words: WordTable, opts: PhraseFstOptions = {}): VectorFst {
  checkOptionKeys(opts, PHRASE_OPTION_KEYS, 'phrasesToFst');
  const phrases = typeof list === 'string' ? parsePhrases(list) : list;
  const closed = opts.closedVocabulary ?? false;
  const root: TrieNode = { children: new Map(), end: 0, mass: 0 };
  for (const p of phrases) {
    if (!(p.weight >= 0 && Number.isFinite(p.weight))) {
      throw new GraphError('GRAMMAR_SYNTAX', `line ${p.line}: bad weight`, { line: p.line, column: 1 });
    }
    if (p.weight === 0) continue;
    let node = root;
    node.mass += p.weight;
    for (const w of p.words) {
      const id = labelOf(words, w, closed, p.line);
      let child = node.children.get(id);
      if (!child) {
        child = { children: new Map(), end: 0, mass: 0 };
        node.children.set(id, child);
      }
      child.mass += p.weight;
      node = child;
    }
    node.end += p.weight;
  }
  if (root.mass === 0) throw new GraphError('GRAMMAR_EMPTY', 'the phrase list has no phrase', { reason: 'no phrases' });

  const fst = new VectorFst();
  fst.isymbols = words.symbols;
  fst.osymbols = words.symbols;
  const queue: TrieNode[] = [root];
  fst.setStart(fst.addState());
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q];
    if (node.end > 0) fst.setFinal(q, -Math.log(node.end / node.mass));
    const labels = [...node.children.keys()].sort((a, b) => a - b);
    for (const l of labels) {
      const child = node.children.get(l) as TrieNode;
      const t = fst.addState();
      queue.push(child);
      fst.addArc(q, l, l, -Math.log(child.mass / node.mass), t);
    }
  }
  return fst;
}

/**
 * G for a word list: any sequence of one or more of the given words (each normalised with `normalizeWord`;
 * duplicates ignored). Two states: start (not final) and a final state with a loop; every word arc costs ln N for
 * N distinct words (a uniform unigram), the final weight is 0. Input-label sorted. New words are added to `words`
 * unless `closedVocabulary`. Throws GRAMMAR_EMPTY for an empty list, WORD_UNSPELLABLE, WORD_OOV. O(N log N).
 */
export function wordLoopFst(list: readonly string[], words: WordTable, opts: PhraseFstOptions = {}): VectorFst {
  checkOptionKeys(opts, PHRASE_OPTION_KEYS, 'wordLoopFst');
  const closed = opts.closedVocabulary ?? false;
  const labels = [...new Set(list.map((w) => labelOf(words, normalizeWord(w), closed)))].sort((a, b) => a - b);
  if (labels.length === 0) throw new GraphError('GRAMMAR_EMPTY', 'the word list is empty', { reason: 'no words' });
  const fst = new VectorFst();
  fst.isymbols = words.symbols;
  fst.osymbols = words.symbols;
  fst.addStates(2);
  fst.setStart(0);
  fst.setFinal(1, 0);
  const cost = Math.log(labels.length);
  for (const s of [0, 1]) for (const l of labels) fst.addArc(s, l, l, cost, 1);
  return fst;
}
