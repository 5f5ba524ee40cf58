// ARPA back-off language models: a streaming parser and the G acceptor built exactly as Kaldi's arpa2fst builds it.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { connect } from '../fst/connect.ts';
import { arcSort } from '../fst/arc-sort.ts';
import { ArcView, NO_STATE, type Label, type StateId } from '../fst/fst.ts';
import { VectorFst } from '../fst/vector-fst.ts';
import { GraphError, checkOptionKeys } from './errors.ts';
import { WordTable, isNormalizedWord } from './words.ts';

/** The n-grams of one order, in file order, as typed arrays. */
export interface ArpaSection {
  /** n of these n-grams (1 for unigrams). */
  readonly order: number;
  /** Number of n-grams read. */
  count: number;
  /** Vocabulary ids (indices into `ArpaModel.vocab`), `order` per n-gram, row-major; capacity may exceed count. */
  words: Int32Array;
  /** log10 probabilities, rounded to float32 as Kaldi reads them. */
  logprob: Float32Array;
  /** log10 back-off weights; 0 where the line has none. */
  backoff: Float32Array;
}

/** A parsed ARPA file. */
export interface ArpaModel {
  /** Highest n-gram order declared in \data\. */
  readonly order: number;
  /** Declared n-gram counts: counts[k - 1] for order k. Each section was checked to hold exactly that many. */
  readonly counts: readonly number[];
  /** The unigram words in file order (including <s> and </s> when present); a word's id is its index. */
  readonly vocab: readonly string[];
  /** sections[k - 1] holds the k-grams. */
  readonly sections: readonly ArpaSection[];
}

const enum Mode {
  Preamble,
  Data,
  Ngrams,
  End,
}

const SPACE = 32;
const TAB = 9;

function parseLog10(tok: string): number {
  const v = Number(tok);
  if (!Number.isNaN(v) && tok !== '') return v;
  const t = tok.toLowerCase();
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return NaN;
}

/**
 * A resumable ARPA parser: feed it text in chunks of any size (`write`) or whole lines (`line`), then call `end()`.
 * Text before "\data\" is ignored (headers, comments); blank lines are skipped everywhere; lines after "\end\" are
 * ignored. Sections must appear in order 1 … N and each must hold exactly the declared count. Throws
 * ARPA_SYNTAX (details.line, 1-based) on a bad line, a unigram listed twice or an n-gram over a word that is not a
 * unigram; ARPA_TRUNCATED (details.section, expected, found) when a section is short or missing or the input ends
 * before "\end\". Cost: O(size of the text); the hot path is a hand-written field scanner, one Map lookup a word.
 */
export class ArpaParser {
  private mode = Mode.Preamble;
  private lineNo = 0;
  private carry = '';
  private counts: number[] = [];
  private readonly vocab: string[] = [];
  private readonly vocabIds = new Map<string, number>();
  private readonly sections: ArpaSection[] = [];
  private cur: ArpaSection | undefined;
  private fieldStart = new Int32Array(16);
  private fieldEnd = new Int32Array(16);

  /** Feeds a chunk of text; a line may span chunks. */
  write(chunk: string): void {
    let from = 0;
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      this.carry += chunk;
      return;
    }
    if (this.carry !== '') {
      this.line(this.carry + chunk.slice(0, nl));
      this.carry = '';
      from = nl + 1;
      nl = chunk.indexOf('\n', from);
    }
    while (nl >= 0) {
      this.line(chunk.slice(from, nl));
      from = nl + 1;
      nl = chunk.indexOf('\n', from);
    }
    this.carry = chunk.slice(from);
  }

  /** Feeds one line (without its newline). */
  line(raw: string): void {
    this.lineNo++;
    if (this.mode === Mode.Ngrams) {
      const c0 = raw.charCodeAt(0);
      if (c0 !== 92 /* \ */) {
        this.ngramLine(raw);
        return;
      }
    }
    const text = raw.trim();
    if (this.mode === Mode.End || text === '') return;
    if (this.mode === Mode.Preamble) {
      if (text === '\\data\\') this.mode = Mode.Data;
      return;
    }
    if (this.mode === Mode.Data) {
      const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(text);
      if (m) {
        const k = Number(m[1]);
        if (k !== this.counts.length + 1) this.syntax(`ngram ${k} out of order`);
        this.counts.push(Number(m[2]));
        return;
      }
      if (text === '\\1-grams:' && this.counts.length > 0) {
        this.openSection(1);
        return;
      }
      this.syntax(this.counts.length === 0 ? 'expected "ngram N=count"' : 'expected "ngram N=count" or \\1-grams:');
    }
    // Mode.Ngrams, a line starting with a backslash: the next section header or \end\.
    const order = (this.cur as ArpaSection).order;
    if (text === '\\end\\') {
      this.closeSection();
      for (let k = order + 1; k <= this.counts.length; k++) this.missing(k);
      this.mode = Mode.End;
      return;
    }
    const m = /^\\(\d+)-grams:$/.exec(text);
    if (!m) {
      this.ngramLine(raw);
      return;
    }
    const k = Number(m[1]);
    if (k <= order || k > this.counts.length) this.syntax(`unexpected section ${text}`);
    this.closeSection();
    for (let j = order + 1; j < k; j++) this.missing(j);
    this.openSection(k);
  }

  /** Ends the input and returns the model. */
  end(): ArpaModel {
    if (this.carry !== '') {
      const c = this.carry;
      this.carry = '';
      this.line(c);
    }
    if (this.mode === Mode.Preamble) {
      throw new GraphError('ARPA_SYNTAX', 'no \\data\\ section', { line: this.lineNo, reason: 'no \\data\\' });
    }
    if (this.mode === Mode.Data) {
      throw new GraphError('ARPA_TRUNCATED', 'input ends in \\data\\', { section: '\\1-grams:', expected: this.counts[0] ?? 1, found: 0 });
    }
    if (this.mode === Mode.Ngrams) {
      const order = (this.cur as ArpaSection).order;
      this.closeSection();
      for (let k = order + 1; k <= this.counts.length; k++) this.missing(k);
      throw new GraphError('ARPA_TRUNCATED', 'input ends before \\end\\', { section: '\\end\\', expected: 1, found: 0 });
    }
    return { order: this.counts.length, counts: this.counts, vocab: this.vocab, sections: this.sections };
  }

  private syntax(reason: string): never {
    throw new GraphError('ARPA_SYNTAX', `ARPA line ${this.lineNo}: ${reason}`, { line: this.lineNo, reason });
  }

  private missing(k: number): void {
    const expected = this.counts[k - 1];
    if (expected > 0) {
      throw new GraphError('ARPA_TRUNCATED', `section \\${k}-grams: missing`, { section: `\\${k}-grams:`, expected, found: 0 });
    }
    this.sections.push(newSection(k, 0));
  }

  private openSection(k: number): void {
    const s = newSection(k, Math.min(this.counts[k - 1], 1 << 16));
    this.sections.push(s);
    this.cur = s;
    this.mode = Mode.Ngrams;
    if (this.fieldStart.length < k + 3) {
      this.fieldStart = new Int32Array(k + 3);
      this.fieldEnd = new Int32Array(k + 3);
    }
  }

  private closeSection(): void {
    const s = this.cur as ArpaSection;
    const expected = this.counts[s.order - 1];
    if (s.count !== expected) {
      throw new GraphError('ARPA_TRUNCATED', `section \\${s.order}-grams: has ${s.count} of ${expected} n-grams`, {
        section: `\\${s.order}-grams:`,
        expected,
        found: s.count,
      });
    }
    this.cur = undefined;
  }

  private ngramLine(line: string): void {
    const s = this.cur as ArpaSection;
    const k = s.order;
    const fs = this.fieldStart;
    const fe = this.fieldEnd;
    const max = fs.length;
    let nf = 0;
    const len = line.length;
    let i = 0;
    while (i < len) {
      let c = line.charCodeAt(i);
      while (c === SPACE || c === TAB || c === 13) {
        if (++i === len) break;
        c = line.charCodeAt(i);
      }
      if (i === len) break;
      const b = i;
      while (i < len) {
        c = line.charCodeAt(i);
        if (c === SPACE || c === TAB || c === 13) break;
        i++;
      }
      if (nf < max) {
        fs[nf] = b;
        fe[nf] = i;
      }
      nf++;
    }
    if (nf === 0) return;
    if (nf !== k + 1 && nf !== k + 2) this.syntax(`expected ${k + 1} or ${k + 2} fields, found ${nf}`);
    const lp = parseLog10(line.slice(fs[0], fe[0]));
    if (Number.isNaN(lp) || lp > 0) this.syntax('bad log10 probability');
    let bo = 0;
    if (nf === k + 2) {
      bo = parseLog10(line.slice(fs[k + 1], fe[k + 1]));
      if (Number.isNaN(bo)) this.syntax('bad back-off weight');
    }
    const n = s.count;
    if (n === this.counts[k - 1]) this.syntax(`more ${k}-grams than the ${this.counts[k - 1]} declared`);
    if (n === s.logprob.length) growSection(s, Math.min(this.counts[k - 1], n * 2));
    const base = n * k;
    if (k === 1) {
      const w = line.slice(fs[1], fe[1]);
      if (this.vocabIds.has(w)) this.syntax(`unigram "${w}" listed twice`);
      const id = this.vocab.length;
      this.vocab.push(w);
      this.vocabIds.set(w, id);
      s.words[base] = id;
    } else {
      for (let j = 0; j < k; j++) {
        const w = line.slice(fs[j + 1], fe[j + 1]);
        const id = this.vocabIds.get(w);
        if (id === undefined) this.syntax(`word "${w}" is not a unigram`);
        s.words[base + j] = id;
      }
    }
    s.logprob[n] = lp;
    s.backoff[n] = bo;
    s.count = n + 1;
  }
}

function newSection(order: number, capacity: number): ArpaSection {
  return {
    order,
    count: 0,
    words: new Int32Array(capacity * order),
    logprob: new Float32Array(capacity),
    backoff: new Float32Array(capacity),
  };
}

function growSection(s: ArpaSection, capacity: number): void {
  const w = new Int32Array(capacity * s.order);
  w.set(s.words);
  const lp = new Float32Array(capacity);
  lp.set(s.logprob);
  const bo = new Float32Array(capacity);
  bo.set(s.backoff);
  s.words = w;
  s.logprob = lp;
  s.backoff = bo;
}

/** Parses ARPA text, given whole or as lines (see `ArpaParser` for the format accepted and the errors). */
export function parseArpa(input: string | Iterable<string>): ArpaModel {
  const p = new ArpaParser();
  if (typeof input === 'string') p.write(input);
  else for (const l of input) p.line(l);
  return p.end();
}

/** Parses ARPA text from a stream of chunks (e.g. `fs.createReadStream(path).pipe(zlib.createGunzip())`). */
export async function parseArpaStream(source: AsyncIterable<string | Uint8Array>): Promise<ArpaModel> {
  const p = new ArpaParser();
  const dec = new TextDecoder('utf-8');
  for await (const chunk of source) p.write(typeof chunk === 'string' ? chunk : dec.decode(chunk, { stream: true }));
  p.write(dec.decode());
  return p.end();
}

/** Reads an ARPA file, gunzipping it when it starts with the gzip magic bytes. Throws as `parseArpa`. */
export function readArpaFile(path: string): ArpaModel {
  let bytes: Buffer = readFileSync(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseArpa(bytes.toString('utf8'));
}

/** Options of `arpaToFst`. Unknown keys are rejected (GRAPH_OPTION). */
export interface ArpaToFstOptions {
  /** Use n-grams up to this order only (2 builds a bigram G from a trigram file). Default: the model's order. */
  maxOrder?: number;
  /**
   * Keep only the N most probable unigram words (ties in file order); <s> and </s> are always kept, and every
   * n-gram over another word is dropped. Probabilities are not renormalised. Default: no limit.
   */
  vocabularyLimit?: number;
  /**
   * Drop n-grams of order ≥ 2 whose log10 probability is below this value (plain probability pruning), and the
   * n-grams that extend a dropped one (they lose their history). Back-off weights are not recomputed, so the
   * pruned model is no longer normalised: the dropped mass is lost. Default: -Infinity (keep all).
   */
  pruneThreshold?: number;
  /**
   * The word table to label G with (Kaldi's --read-symbol-table): LM words missing from it are out of vocabulary
   * and n-grams over them are skipped; #0 is added when absent (which freezes its words). Default: a new table
   * holding the LM's words (those that are normalised words: a–z and apostrophe) in unigram order.
   */
  words?: WordTable;
  /** Sort each state's arcs by input label, as arpa2fst does by default (--ilabel-sort=true). Default true. */
  ilabelSort?: boolean;
  /** Beginning- and end-of-sentence symbols. Defaults "<s>" and "</s>". */
  bos?: string;
  eos?: string;
}

const ARPA_OPTION_KEYS = ['maxOrder', 'vocabularyLimit', 'pruneThreshold', 'words', 'ilabelSort', 'bos', 'eos'] as const;

/** What `arpaToFst` built, and what it left out. */
export interface ArpaFst {
  /** G: word acceptor except on back-off arcs, which read #0 and write <eps>. Tropical, costs in natural log. */
  fst: VectorFst;
  /** The word table labelling `fst` (also attached as its isymbols and osymbols). */
  words: WordTable;
  /** The label of #0 in `words`. */
  backoffLabel: Label;
  /** N-grams turned into arcs or final weights, and n-grams skipped (OOV, pruned, no history, bad <s>/</s>). */
  ngramsUsed: number;
  ngramsSkipped: number;
  /** States that had only a back-off arc and were bypassed (arpa2fst's RemoveRedundantStates). */
  redundantStates: number;
}

function checkArpaOptions(model: ArpaModel, opts: ArpaToFstOptions): void {
  checkOptionKeys(opts, ARPA_OPTION_KEYS, 'arpaToFst');
  const bad = (option: string, value: unknown): never => {
    throw new GraphError('GRAPH_OPTION', `arpaToFst: bad ${option}`, { option, value });
  };
  if (opts.maxOrder !== undefined && !(Number.isInteger(opts.maxOrder) && opts.maxOrder >= 1)) bad('maxOrder', opts.maxOrder);
  if (opts.vocabularyLimit !== undefined && !(Number.isInteger(opts.vocabularyLimit) && opts.vocabularyLimit >= 1)) {
    bad('vocabularyLimit', opts.vocabularyLimit);
  }
  if (opts.pruneThreshold !== undefined && Number.isNaN(opts.pruneThreshold)) bad('pruneThreshold', opts.pruneThreshold);
  if (model.order < 1) throw new GraphError('ARPA_MODEL', 'the model has no n-grams', { reason: 'empty' });
}

/**
 * Builds G from an ARPA model with the structure of Kaldi's `arpa2fst --disambig-symbol=#0` (lm/arpa-lm-compiler.cc):
 * - state 0 is the empty history; every other state is a history (an n-gram context), created in file order;
 * - n-gram h·w adds an arc w:w from state h with cost −ln(10)·log10 P(w|h), to state h·w, or, for the highest order,
 *   to the state of its suffix (h·w minus its first word); h·</s> makes h final with that cost instead of an arc;
 * - each history state gets, when created, a back-off arc #0:<eps> with cost −ln(10)·backoff(h) to the longest
 *   existing proper suffix of h; the <s> history is the start state and <s> itself has no arc;
 * - states that are not final and have only their back-off arc are bypassed (RemoveEpsLocal), then the FST is
 *   connected and, by default, input-label sorted. Costs are float32 computed as Kaldi computes them.
 * N-grams with <s> other than first or </s> other than last, and n-grams whose history is absent, are skipped.
 * Throws ARPA_MODEL when there is no <s> or </s> unigram, GRAPH_OPTION on a bad option.
 * Cost: O(N·n) time for N n-grams of order ≤ n, one hash-map entry a history: about 0.5 s for the 400k n-grams of
 * the 20k-word trigram LM (parsing it takes another 0.25 s).
 */
export function arpaToFst(model: ArpaModel, opts: ArpaToFstOptions = {}): ArpaFst {
  checkArpaOptions(model, opts);
  const order = Math.min(model.order, opts.maxOrder ?? model.order);
  const vocab = model.vocab;
  const V = vocab.length;
  const bos = vocab.indexOf(opts.bos ?? '<s>');
  const eos = vocab.indexOf(opts.eos ?? '</s>');
  if (bos < 0) throw new GraphError('ARPA_MODEL', 'the model has no <s> unigram', { reason: 'no <s>' });
  if (eos < 0) throw new GraphError('ARPA_MODEL', 'the model has no </s> unigram', { reason: 'no </s>' });
  const uni = model.sections[0];

  // Which vocabulary ids stay, and their labels in the word table (-1: dropped, 0: <s> or </s>).
  const keep = new Uint8Array(V).fill(1);
  if (opts.vocabularyLimit !== undefined) {
    const ids: number[] = [];
    for (let i = 0; i < uni.count; i++) {
      const w = uni.words[i];
      if (w !== bos && w !== eos) ids.push(w);
    }
    const lp = new Float32Array(V);
    for (let i = 0; i < uni.count; i++) lp[uni.words[i]] = uni.logprob[i];
    ids.sort((a, b) => lp[b] - lp[a] || a - b);
    for (let i = opts.vocabularyLimit; i < ids.length; i++) keep[ids[i]] = 0;
  }
  const words = opts.words ?? new WordTable();
  const label = new Int32Array(V).fill(-1);
  for (let w = 0; w < V; w++) {
    if (w === bos || w === eos) label[w] = 0;
    else if (keep[w]) {
      if (opts.words) label[w] = words.has(vocab[w]) ? words.find(vocab[w]) : -1;
      else if (isNormalizedWord(vocab[w])) label[w] = words.add(vocab[w]);
    }
  }
  const backoffLabel = words.disambig(0);

  const fst = new VectorFst();
  fst.isymbols = words.symbols;
  fst.osymbols = words.symbols;
  const LN10 = Math.LN10;
  const prune = opts.pruneThreshold ?? -Infinity;

  // History keys: word ids + 1 in base V + 1, exact while they fit in 53 bits; strings otherwise.
  const B = V + 1;
  const numericKeys = Math.pow(B, Math.max(0, order - 1)) < Number.MAX_SAFE_INTEGER;
  const hist = new Map<number | string, StateId>();
  const pruned = new Set<number | string>();
  let ws: Int32Array = uni.words;
  const keyOf = (from: number, to: number): number | string => {
    if (numericKeys) {
      let k = 0;
      for (let i = from; i < to; i++) k = k * B + ws[i] + 1;
      return k;
    }
    let k = '';
    for (let i = from; i < to; i++) k += ws[i] + ',';
    return k;
  };
  const zerogram = fst.addState();
  hist.set(keyOf(0, 0), zerogram);

  // Kaldi's AddStateWithBackoff + CreateBackoff: find or create the state of history ws[from, to).
  const addStateWithBackoff = (from: number, to: number, backoffCost: number): StateId => {
    const key = keyOf(from, to);
    const old = hist.get(key);
    if (old !== undefined) return old;
    const s = fst.addState();
    hist.set(key, s);
    let dest: StateId | undefined;
    for (let f = from + 1; dest === undefined; f++) dest = hist.get(keyOf(f, to));
    fst.addArc(s, backoffLabel, 0, backoffCost, dest);
    return s;
  };

  let used = 0;
  let skipped = 0;
  for (let k = 1; k <= order; k++) {
    const sec = model.sections[k - 1];
    ws = sec.words;
    const isHighest = k === order;
    ngrams: for (let i = 0; i < sec.count; i++) {
      const b = i * k;
      const e = b + k;
      for (let j = b; j < e; j++) {
        const w = ws[j];
        if (label[w] < 0 || (w === bos && j > b) || (w === eos && j < e - 1)) {
          skipped++;
          continue ngrams;
        }
      }
      const lp = sec.logprob[i];
      if (k >= 2 && (lp < prune || (k >= 3 && pruned.has(keyOf(b, e - 1))))) {
        // A pruned n-gram takes its extensions with it, whatever order they come in.
        if (k < order) pruned.add(keyOf(b, e));
        skipped++;
        continue;
      }
      const source = hist.get(keyOf(b, e - 1));
      if (source === undefined) {
        skipped++;
        continue;
      }
      used++;
      const sym = ws[e - 1];
      const cost = 0 - Math.fround(lp * LN10);
      if (sym === eos) {
        fst.setFinal(source, cost);
        continue;
      }
      const boCost = isHighest ? 0 : 0 - Math.fround(sec.backoff[i] * LN10);
      const dest = addStateWithBackoff(isHighest ? b + 1 : b, e, boCost);
      if (sym === bos) {
        fst.setStart(dest);
        continue;
      }
      fst.addArc(source, label[sym], label[sym], cost, dest);
    }
  }
  if (fst.start() === NO_STATE) throw new GraphError('ARPA_MODEL', 'the <s> unigram was skipped', { reason: 'no <s>' });

  const before = fst.numStates();
  const ni = fst.numStates();
  const view = new ArcView();
  for (let s = 0; s < ni; s++) {
    if (fst.numArcs(s) === 1 && fst.final(s) === Infinity) {
      fst.arcs(s, view);
      const a = view.begin;
      if (view.ilabel[a] === backoffLabel) fst.setArc(s, 0, 0, view.olabel[a], view.weight[a], view.nextstate[a]);
    }
  }
  removeEpsLocal(fst);
  if (opts.ilabelSort ?? true) arcSort(fst, 'ilabel');
  return { fst, words, backoffLabel, ngramsUsed: used, ngramsSkipped: skipped, redundantStates: before - fst.numStates() };
}

/**
 * Kaldi's RemoveEpsLocal (fstext/remove-eps-local-inl.h) for the tropical semiring: removes epsilon arcs where that
 * cannot grow the FST (an arc into a state with one arc in and several out, or into a state with one arc out),
 * then connects. Used here only to bypass G's redundant states, whose single back-off arc was made <eps>.
 * Cost: O(V + E) for G, where each redundant state is bypassed once per arc into it.
 */
function removeEpsLocal(fst: VectorFst): void {
  if (fst.start() === NO_STATE) return;
  const nonCoacc = fst.addState();
  const n = fst.numStates();
  const inArcs = new Int32Array(n);
  const outArcs = new Int32Array(n);
  const view = new ArcView();
  inArcs[fst.start()]++;
  for (let s = 0; s < n; s++) {
    if (fst.final(s) !== Infinity) outArcs[s]++;
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      inArcs[view.nextstate[a]]++;
      outArcs[s]++;
    }
  }
  // The arc being processed, copied out of the arena (which later mutations may move).
  let il = 0;
  let ol = 0;
  let w = 0;
  let next = 0;
  const getArc = (s: StateId, pos: number): void => {
    fst.arcs(s, view);
    const a = view.begin + pos;
    il = view.ilabel[a];
    ol = view.olabel[a];
    w = view.weight[a];
    next = view.nextstate[a];
  };
  const times = (a: number, b: number): number => (a === Infinity || b === Infinity ? Infinity : Math.fround(a + b));
  const deleteArc = (s: StateId, pos: number): void => {
    getArc(s, pos);
    fst.setArc(s, pos, il, ol, w, nonCoacc);
  };

  const pattern1 = (s: StateId, pos: number): void => {
    const aIl = il;
    const aOl = ol;
    const aW = w;
    const nextstate = next;
    let removed = Infinity;
    let kept = Infinity;
    const add: number[] = [];
    for (let k = 0, m = fst.numArcs(nextstate); k < m; k++) {
      getArc(nextstate, k);
      if (next === nonCoacc) continue;
      if (!(aIl !== 0 && il !== 0) && !(aOl !== 0 && ol !== 0)) {
        removed = Math.min(removed, w);
        outArcs[nextstate]--;
        inArcs[next]--;
        fst.setArc(nextstate, k, il, ol, w, nonCoacc);
        add.push(aIl !== 0 ? aIl : il, aOl !== 0 ? aOl : ol, times(aW, w), next);
      } else {
        kept = Math.min(kept, w);
      }
    }
    const nf = fst.final(nextstate);
    if (nf !== Infinity) {
      if (aIl === 0 && aOl === 0) {
        removed = Math.min(removed, nf);
        if (fst.final(s) === Infinity) outArcs[s]++;
        fst.setFinal(s, Math.min(fst.final(s), times(aW, nf)));
        outArcs[nextstate]--;
        fst.setFinal(nextstate, Infinity);
      } else {
        kept = Math.min(kept, nf);
      }
    }
    if (removed !== Infinity) {
      if (kept === Infinity) {
        outArcs[s]--;
        inArcs[nextstate]--;
        deleteArc(s, pos);
      } else {
        // Reweight(s, pos, kept ⊘ (removed ⊕ kept)): keeps the FST stochastic.
        const rw = Math.fround(kept - Math.min(removed, kept));
        getArc(s, pos);
        fst.setArc(s, pos, il, ol, times(w, rw), next);
        for (let k = 0, m = fst.numArcs(nextstate); k < m; k++) {
          getArc(nextstate, k);
          if (next !== nonCoacc) fst.setArc(nextstate, k, il, ol, Math.fround(w - rw), next);
        }
        const f = fst.final(nextstate);
        if (f !== Infinity) fst.setFinal(nextstate, Math.fround(f - rw));
      }
    }
    for (let i = 0; i < add.length; i += 4) {
      outArcs[s]++;
      inArcs[add[i + 3]]++;
      fst.addArc(s, add[i], add[i + 1], add[i + 2], add[i + 3]);
    }
  };

  const pattern2 = (s: StateId, pos: number): void => {
    const aIl = il;
    const aOl = ol;
    const aW = w;
    const nextstate = next;
    const canDeleteNext = inArcs[nextstate] === 1;
    let del = false;
    const nf = fst.final(nextstate);
    if (nf !== Infinity) {
      if (aIl === 0 && aOl === 0) {
        if (fst.final(s) === Infinity) outArcs[s]++;
        fst.setFinal(s, Math.min(fst.final(s), times(aW, nf)));
        del = true;
        if (canDeleteNext) {
          outArcs[nextstate]--;
          fst.setFinal(nextstate, Infinity);
        }
      }
    } else {
      let k = 0;
      for (;;) {
        getArc(nextstate, k);
        if (next !== nonCoacc) break;
        k++;
      }
      if (!(aIl !== 0 && il !== 0) && !(aOl !== 0 && ol !== 0)) {
        const cIl = aIl !== 0 ? aIl : il;
        const cOl = aOl !== 0 ? aOl : ol;
        const cW = times(aW, w);
        const cNext = next;
        del = true;
        if (canDeleteNext) {
          outArcs[nextstate]--;
          inArcs[cNext]--;
          fst.setArc(nextstate, k, il, ol, w, nonCoacc);
        }
        outArcs[s]++;
        inArcs[cNext]++;
        fst.addArc(s, cIl, cOl, cW, cNext);
      }
    }
    if (del) {
      outArcs[s]--;
      inArcs[nextstate]--;
      deleteArc(s, pos);
    }
  };

  for (let s = 0; s < n; s++) {
    for (let pos = 0; pos < fst.numArcs(s); pos++) {
      getArc(s, pos);
      if (next === nonCoacc || next === s) continue;
      if (inArcs[next] === 1 && outArcs[next] > 1) pattern1(s, pos);
      else if (outArcs[next] === 1) pattern2(s, pos);
    }
  }
  connect(fst);
}
