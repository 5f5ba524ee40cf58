// Builds the graph-build benchmark's inputs: a Kaldi-style character lexicon L and an arpa2fst-style bigram G.

import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { formatWeight } from '../decoder/fst/text-format.ts';

/** The unigram and bigram sections of an ARPA model (higher orders are skipped). Log10 values as in the file. */
export interface ArpaBigrams {
  /** Unigram words, in file order. */
  words: string[];
  /** log10 p(w), parallel to `words`. */
  unigramLog10: Float64Array;
  /** log10 backoff weight of w as a history (0 when absent), parallel to `words`. */
  backoffLog10: Float64Array;
  /** Bigrams as parallel arrays: history word index, predicted word index (into `words`), log10 p. */
  bigramHist: Int32Array;
  bigramWord: Int32Array;
  bigramLog10: Float64Array;
}

/** Sentence boundary words as ARPA writes them. */
export const BOS = '<s>';
export const EOS = '</s>';

/** Reads an ARPA file (gzip when the name ends in .gz), keeping orders 1 and 2. O(size of file). */
export function readArpaBigrams(path: string): ArpaBigrams {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() !== '\\data\\') i++;
  const counts: number[] = [];
  for (i++; i < lines.length; i++) {
    const m = /^ngram (\d+)=(\d+)\s*$/.exec(lines[i].trim());
    if (!m) break;
    counts[Number(m[1])] = Number(m[2]);
  }
  if (!counts[1] || !counts[2]) throw new Error(`${path}: no unigram or bigram counts in the \\data\\ header`);
  const words: string[] = [];
  const unigramLog10 = new Float64Array(counts[1]);
  const backoffLog10 = new Float64Array(counts[1]);
  const index = new Map<string, number>();
  const bigramHist = new Int32Array(counts[2]);
  const bigramWord = new Int32Array(counts[2]);
  const bigramLog10 = new Float64Array(counts[2]);
  let nb = 0;
  let section = 0;
  for (; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (line.startsWith('\\')) {
      if (line === '\\end\\') break;
      const m = /^\\(\d+)-grams:$/.exec(line);
      section = m ? Number(m[1]) : 0;
      if (section > 2) break;
      continue;
    }
    const f = line.split(/\s+/);
    if (section === 1) {
      const k = words.length;
      words.push(f[1]);
      index.set(f[1], k);
      unigramLog10[k] = Number(f[0]);
      backoffLog10[k] = f.length > 2 ? Number(f[2]) : 0;
    } else if (section === 2) {
      const h = index.get(f[1]);
      const w = index.get(f[2]);
      if (h === undefined || w === undefined) throw new Error(`${path}:${i + 1}: bigram word not among unigrams`);
      bigramHist[nb] = h;
      bigramWord[nb] = w;
      bigramLog10[nb] = Number(f[0]);
      nb++;
    }
  }
  if (words.length !== counts[1] || nb !== counts[2]) {
    throw new Error(`${path}: header counts ${counts[1]}/${counts[2]} but read ${words.length}/${nb}`);
  }
  return { words, unigramLog10, backoffLog10, bigramHist, bigramWord, bigramLog10 };
}

/** Cost of a log10 probability: -ln(10^x). */
export function costOfLog10(x: number): number {
  return -x * Math.LN10 + 0; // + 0 turns -0 into 0
}

/** The `size` most probable unigrams other than <s> and </s> that are spelled with a–z and apostrophe. */
export function selectVocabulary(lm: ArpaBigrams, size: number): string[] {
  const ids: number[] = [];
  for (let k = 0; k < lm.words.length; k++) {
    const w = lm.words[k];
    if (w !== BOS && w !== EOS && /^[a-z']+$/.test(w)) ids.push(k);
  }
  ids.sort((a, b) => lm.unigramLog10[b] - lm.unigramLog10[a] || (lm.words[a] < lm.words[b] ? -1 : 1));
  return ids.slice(0, size).map((k) => lm.words[k]);
}

/** Symbol tables in OpenFst text form, shared by L and G. */
export interface GraphSymbols {
  /** Characters: <eps>, apostrophe, a–z, then #0, #1, …, #maxDisambig. */
  chars: string;
  /** Words: <eps>, the vocabulary in code-point order, then #0, <s>, </s> (Kaldi's words.txt layout). */
  words: string;
}

/** A lexicon FST as AT&T text with symbols, and the symbol tables it needs. */
export interface LexiconText {
  text: string;
  symbols: GraphSymbols;
  /** Highest disambiguation symbol used (#1 … #n), 0 when none. */
  maxDisambig: number;
  numStates: number;
  numArcs: number;
}

/**
 * Kaldi's add_lex_disambig logic: a spelling that is a proper prefix of another spelling, or is shared by
 * several words, gets #1, #2, … appended (numbered per spelling; #0 is kept for G's back-off arcs).
 * Returns one symbol (or '') per word.
 */
export function lexiconDisambig(spellings: readonly string[]): { disambig: string[]; max: number } {
  const count = new Map<string, number>();
  for (const s of spellings) count.set(s, (count.get(s) ?? 0) + 1);
  const isPrefix = new Set<string>();
  for (const s of spellings) for (let k = 1; k < s.length; k++) isPrefix.add(s.slice(0, k));
  const last = new Map<string, number>();
  let max = 0;
  const disambig = spellings.map((s) => {
    if (!isPrefix.has(s) && (count.get(s) ?? 0) <= 1) return '';
    const d = (last.get(s) ?? 0) + 1;
    last.set(s, d);
    if (d > max) max = d;
    return `#${d}`;
  });
  return { disambig, max };
}

/** Word symbol table text for a vocabulary (sorted by code point, as Kaldi's words.txt). */
function wordSymbols(vocab: readonly string[]): { text: string; sorted: string[] } {
  const sorted = [...vocab].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = ['<eps>\t0'];
  sorted.forEach((w, k) => lines.push(`${w}\t${k + 1}`));
  const n = sorted.length;
  lines.push(`#0\t${n + 1}`, `${BOS}\t${n + 2}`, `${EOS}\t${n + 3}`);
  return { text: lines.join('\n') + '\n', sorted };
}

/**
 * The lexicon transducer L (characters → words), Kaldi/EESEN style: state 0 is the start, final loop state;
 * each word is a path of its characters (word label on the first arc, epsilon after), then its disambiguation
 * symbol if any, back to state 0; plus a `#0:#0` self-loop on state 0 so G's back-off symbol passes through
 * (Kaldi's L_disambig). Unweighted. O(total characters).
 */
export function buildLexicon(vocab: readonly string[]): LexiconText {
  const { text: words, sorted } = wordSymbols(vocab);
  const { disambig, max } = lexiconDisambig(sorted);
  const charLines = ['<eps>\t0', "'\t1"];
  for (let c = 0; c < 26; c++) charLines.push(`${String.fromCharCode(97 + c)}\t${c + 2}`);
  for (let d = 0; d <= max; d++) charLines.push(`#${d}\t${28 + d}`);
  const out: string[] = [];
  let next = 1;
  let arcs = 0;
  for (let k = 0; k < sorted.length; k++) {
    const w = sorted[k];
    const syms = [...w];
    if (disambig[k] !== '') syms.push(disambig[k]);
    let s = 0;
    for (let j = 0; j < syms.length; j++) {
      const t = j === syms.length - 1 ? 0 : next++;
      out.push(`${s}\t${t}\t${syms[j]}\t${j === 0 ? w : '<eps>'}`);
      arcs++;
      s = t;
    }
  }
  out.push('0\t0\t#0\t#0', '0');
  arcs++;
  return {
    text: out.join('\n') + '\n',
    symbols: { chars: charLines.join('\n') + '\n', words },
    maxDisambig: max,
    numStates: next,
    numArcs: arcs,
  };
}

/** A bigram grammar as AT&T text with word symbols. */
export interface BigramText {
  text: string;
  /** Bigrams kept (including those ending in </s>, which become final weights). */
  numBigrams: number;
  numStates: number;
  numArcs: number;
}

/**
 * The bigram acceptor G, structured as Kaldi's arpa2fst: the start state is the <s> history; one state per
 * history word (a word that begins some kept bigram) plus the unigram/back-off state; unigram arcs leave the
 * back-off state; each history state has its bigram arcs and a back-off arc `#0:<eps>` weighted by the
 * history's ARPA back-off weight; </s> becomes a final weight. An arc predicting x goes to x's history state,
 * or to the back-off state when x has none. Costs are -ln(10^log10prob).
 * With `maxBigrams`, only the most probable bigrams are kept (back-off weights stay as in the ARPA).
 * O(bigrams log bigrams).
 */
export function buildBigram(lm: ArpaBigrams, vocab: readonly string[], maxBigrams = Infinity): BigramText {
  const bos = lm.words.indexOf(BOS);
  const eos = lm.words.indexOf(EOS);
  if (bos < 0 || eos < 0) throw new Error('ARPA model lacks <s> or </s>');
  const inVocab = new Uint8Array(lm.words.length);
  const vocabSet = new Set(vocab);
  for (let k = 0; k < lm.words.length; k++) if (vocabSet.has(lm.words[k])) inVocab[k] = 1;
  // Bigrams within the vocabulary: history a vocabulary word or <s>; prediction a vocabulary word or </s>.
  const keep: number[] = [];
  for (let b = 0; b < lm.bigramHist.length; b++) {
    const h = lm.bigramHist[b];
    const w = lm.bigramWord[b];
    if ((inVocab[h] || h === bos) && (inVocab[w] || w === eos)) keep.push(b);
  }
  if (keep.length > maxBigrams) {
    keep.sort((x, y) => lm.bigramLog10[y] - lm.bigramLog10[x] || x - y);
    keep.length = maxBigrams;
  }
  keep.sort((x, y) => x - y);
  // State ids: 0 = <s>, 1 = back-off, then the other histories in ARPA order.
  const state = new Int32Array(lm.words.length).fill(-1);
  state[bos] = 0;
  let numStates = 2;
  for (const b of keep) {
    const h = lm.bigramHist[b];
    if (state[h] < 0) state[h] = numStates++;
  }
  const BACKOFF = 1;
  const byHist: number[][] = Array.from({ length: numStates }, () => []);
  for (const b of keep) byHist[state[lm.bigramHist[b]]].push(b);
  const hist = new Int32Array(numStates).fill(-1);
  for (let k = 0; k < lm.words.length; k++) if (state[k] >= 0) hist[state[k]] = k;
  const out: string[] = [];
  let numArcs = 0;
  const dest = (w: number) => (state[w] >= 0 ? state[w] : BACKOFF);
  // Emit the start state first: compilers take the first line's source as the start.
  const order = [0, BACKOFF];
  for (let s = 2; s < numStates; s++) order.push(s);
  for (const s of order) {
    if (s === BACKOFF) {
      for (let k = 0; k < lm.words.length; k++) {
        if (!inVocab[k]) continue;
        out.push(`${s}\t${dest(k)}\t${lm.words[k]}\t${lm.words[k]}\t${formatWeight(costOfLog10(lm.unigramLog10[k]))}`);
        numArcs++;
      }
      out.push(`${s}\t${formatWeight(costOfLog10(lm.unigramLog10[eos]))}`);
      continue;
    }
    const h = hist[s];
    let final = '';
    for (const b of byHist[s]) {
      const w = lm.bigramWord[b];
      const cost = formatWeight(costOfLog10(lm.bigramLog10[b]));
      if (w === eos) {
        final = `${s}\t${cost}`;
      } else {
        out.push(`${s}\t${dest(w)}\t${lm.words[w]}\t${lm.words[w]}\t${cost}`);
        numArcs++;
      }
    }
    out.push(`${s}\t${BACKOFF}\t#0\t<eps>\t${formatWeight(costOfLog10(lm.backoffLog10[h]))}`);
    numArcs++;
    if (final !== '') out.push(final);
  }
  return { text: out.join('\n') + '\n', numBigrams: keep.length, numStates, numArcs };
}
