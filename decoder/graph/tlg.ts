// The TLG builder: T ∘ min(det(L ∘ G)) with disambiguation symbols removed, plus a content-hash cache of graphs.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { arcSort } from '../fst/arc-sort.ts';
import { compose } from '../fst/compose.ts';
import { ConstFst } from '../fst/const-fst.ts';
import { determinize } from '../fst/determinize.ts';
import { FstError } from '../fst/errors.ts';
import { ArcView, EPSILON, NO_STATE, totalArcs, type Fst, type MutableFst } from '../fst/fst.ts';
import { minimize } from '../fst/minimize.ts';
import { Props } from '../fst/properties.ts';
import { rmEpsilon } from '../fst/rm-epsilon.ts';
import { DEFAULT_DELTA } from '../fst/semiring.ts';
import { VectorFst } from '../fst/vector-fst.ts';
import { arpaToFst, parseArpa } from './arpa.ts';
import { ctcTopology } from './ctc-topology.ts';
import { GraphError, checkOptionKeys } from './errors.ts';
import { compileJsgf } from './jsgf.ts';
import { lexicon, type GraphWarning } from './lexicon.ts';
import { phrasesToFst, wordLoopFst } from './phrases.ts';
import type { TokenTable } from './tokens.ts';
import { WordTable } from './words.ts';
import { loadGraph, saveGraph } from './graph-store.ts';

/**
 * Version of the construction, part of every content hash: bump it whenever a change here (or in T, L or the
 * front-ends) changes the graphs built, so that cached graphs are rebuilt.
 */
export const GRAPH_BUILDER_VERSION = 1;

/** Options of `buildTlg` (and `compileGrammar`). Unknown keys are rejected (GRAPH_OPTION). */
export interface TlgOptions {
  /**
   * Leave out grammar words the tokens cannot spell (WORD_UNSPELLABLE warnings in the report) instead of failing
   * with WORD_UNSPELLABLE. Default false.
   */
  skipUnspellable?: boolean;
  /** Explicit token spellings of some words (see `LexiconOptions.spellings`). Default: none. */
  spellings?: ReadonlyMap<string, readonly (readonly string[])[]>;
  /**
   * Quantisation step, in cost units, of determinization's residual weights and of minimization's pushed
   * weights. Larger → smaller LG, less exact weights. Default 1/1024 (OpenFst's kDelta, Kaldi's tools' default).
   */
  delta?: number;
  /**
   * Give up (FST_LIMIT) when determinizing L ∘ G exceeds this many states: guards against grammars that are not
   * determinizable (weighted cycles without the twins property). Default: no limit.
   */
  maxStates?: number;
  /** Minimize det(L ∘ G). Off → a larger graph, built faster (useful for very large LMs). Default true. */
  minimize?: boolean;
}

const TLG_OPTION_KEYS = ['skipUnspellable', 'spellings', 'delta', 'maxStates', 'minimize'] as const;

/** One stage of the build: wall time and the size of what it produced. */
export interface GraphStage {
  /** grammar, T, L, G-prepare, LG-compose, LG-determinize, LG-minimize, TLG-compose, TLG-freeze. */
  name: string;
  ms: number;
  states: number;
  arcs: number;
}

/** What a build did: stages, sizes, options, warnings. Stored as meta.json next to a saved graph. */
export interface GraphInfo {
  /** Content hash of (grammar source, tokens, options, builder version), or undefined for a graph built from an FST. */
  hash: string | undefined;
  builderVersion: number;
  /** Where the grammar came from (kind and front-end options; never the source text). */
  source: Record<string, unknown>;
  /** The effective options (defaults filled in; spellings as a count). */
  options: Record<string, unknown>;
  semiring: 'tropical' | 'log';
  stages: GraphStage[];
  /** Sum of the stage times. */
  totalMs: number;
  /** Peak resident set size of the building process when the build ended, KiB. */
  peakRssKiB: number;
  numWords: number;
  numTokens: number;
  /** Token-side disambiguation symbols used in LG (removed from TLG). */
  numDisambig: number;
  warnings: GraphWarning[];
}

/** A compiled decoding graph: TLG and the tables that give its labels meaning. */
export interface CompiledGraph {
  /**
   * TLG, frozen and sorted by input label. Input labels are token labels (`tokens.label(t)`) or epsilon (where
   * disambiguation symbols were removed: the decoder follows such arcs without consuming a frame); output labels are
   * word labels of `words` or epsilon. Its isymbols are `tokens.symbols()`, its osymbols `words.symbols`.
   */
  tlg: ConstFst;
  words: WordTable;
  tokens: TokenTable;
  info: GraphInfo;
}

function now(): number {
  return performance.now();
}

function checkTlgOptions(opts: TlgOptions): void {
  checkOptionKeys(opts, TLG_OPTION_KEYS, 'buildTlg');
  const bad = (option: string, value: unknown): never => {
    throw new GraphError('GRAPH_OPTION', `buildTlg: bad ${option}`, { option, value });
  };
  if (opts.delta !== undefined && !(opts.delta > 0 && Number.isFinite(opts.delta))) bad('delta', opts.delta);
  if (opts.maxStates !== undefined && !(opts.maxStates >= 1)) bad('maxStates', opts.maxStates);
}

/**
 * G as L ∘ G needs it: epsilon-free on input and sorted by input label. Arcs ε:ε are removed (rmEpsilon); an arc
 * with input ε and a word output, or a label outside the word table, is GRAPH_OPTION. Returns `g` itself when it
 * already qualifies. O(V + E), plus epsilon removal when needed.
 */
function prepareGrammar(g: Fst, words: WordTable): Fst {
  const maxLabel = words.numWords + words.numDisambig;
  const view = new ArcView();
  let epsilons = false;
  // Sortedness is scanned here rather than asked of g.properties(…, true), which would compute every property.
  let sorted = true;
  for (let s = 0, n = g.numStates(); s < n; s++) {
    g.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const il = view.ilabel[a];
      const ol = view.olabel[a];
      if (a > view.begin && il < view.ilabel[a - 1]) sorted = false;
      if (il > maxLabel || ol > maxLabel || il < 0 || ol < 0) {
        throw new GraphError('GRAPH_OPTION', `G has label ${Math.max(il, ol)} outside its word table`, {
          option: 'grammar',
          value: Math.max(il, ol),
        });
      }
      if (il === EPSILON) {
        if (ol !== EPSILON) {
          throw new GraphError('GRAPH_OPTION', 'G has an arc with input epsilon and a word output', { option: 'grammar', value: ol });
        }
        epsilons = true;
      }
    }
  }
  if (!epsilons && sorted) return g;
  const copy = VectorFst.from(g);
  if (epsilons) rmEpsilon(copy);
  arcSort(copy, 'ilabel');
  return copy;
}

/**
 * Replaces disambiguation symbols by epsilon: token-side ones (labels above the tokens) on input, G's (#k of the word
 * table) on output. Keeps the arcs in place; the caller re-sorts. O(V + E).
 */
function removeDisambig(fst: MutableFst, tokens: TokenTable, words: WordTable): void {
  const view = new ArcView();
  const maxToken = tokens.maxTokenLabel;
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const il = view.ilabel[a];
      const ol = view.olabel[a];
      const nil = il > maxToken ? EPSILON : il;
      const nol = words.isDisambig(ol) ? EPSILON : ol;
      if (nil !== il || nol !== ol) fst.setArc(s, a - view.begin, nil, nol, view.weight[a], view.nextstate[a]);
    }
  }
}

/**
 * Records ACCEPTOR, WEIGHTED and I_DETERMINISTIC (positive or negative) from one pass over the arcs, so that
 * determinize and minimize find them known instead of computing every property (an SCC pass included).
 * O(V + E) with a label-stamp array of the largest input label's size.
 */
function recordCheapProperties(fst: MutableFst): void {
  const view = new ArcView();
  const sr = fst.semiring;
  const n = fst.numStates();
  let maxLabel = 0;
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) if (view.ilabel[a] > maxLabel) maxLabel = view.ilabel[a];
  }
  const stamp = new Int32Array(maxLabel + 1).fill(-1);
  let acceptor = true;
  let weighted = false;
  let deterministic = true;
  for (let s = 0; s < n; s++) {
    const f = fst.final(s);
    if (f !== sr.zero && f !== sr.one) weighted = true;
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const il = view.ilabel[a];
      if (il !== view.olabel[a]) acceptor = false;
      const w = view.weight[a];
      if (w !== sr.zero && w !== sr.one) weighted = true;
      if (stamp[il] === s) deterministic = false;
      stamp[il] = s;
    }
  }
  fst.setProperties(
    (acceptor ? Props.ACCEPTOR : Props.NOT_ACCEPTOR) |
      (weighted ? Props.WEIGHTED : Props.UNWEIGHTED) |
      (deterministic ? Props.I_DETERMINISTIC : Props.NON_I_DETERMINISTIC),
    Props.ACCEPTOR | Props.WEIGHTED | Props.I_DETERMINISTIC,
  );
}

/**
 * Freezes `fst` into a ConstFst with each state's arcs sorted by (ilabel, olabel), as arcSort orders them, in one
 * copy: compose leaves T ∘ LG nearly sorted, so an insertion sort per state costs little. O(V + E) plus the sorting.
 */
function freezeSorted(fst: Fst): ConstFst {
  const n = fst.numStates();
  const view = new ArcView();
  const arcStart = new Int32Array(n + 1);
  for (let s = 0; s < n; s++) arcStart[s + 1] = arcStart[s] + fst.numArcs(s);
  const m = arcStart[n];
  const il = new Int32Array(m);
  const ol = new Int32Array(m);
  const ns = new Int32Array(m);
  const w = new Float32Array(m);
  const finals = new Float32Array(n);
  for (let s = 0; s < n; s++) {
    finals[s] = fst.final(s);
    fst.arcs(s, view);
    const lo = arcStart[s];
    let k = lo;
    for (let a = view.begin; a < view.end; a++, k++) {
      const i = view.ilabel[a];
      const o = view.olabel[a];
      let j = k;
      // Stable insertion: move later-sorting arcs up one slot.
      while (j > lo && (il[j - 1] > i || (il[j - 1] === i && ol[j - 1] > o))) {
        il[j] = il[j - 1];
        ol[j] = ol[j - 1];
        ns[j] = ns[j - 1];
        w[j] = w[j - 1];
        j--;
      }
      il[j] = i;
      ol[j] = o;
      ns[j] = view.nextstate[a];
      w[j] = view.weight[a];
    }
  }
  const kept = fst.properties(
    Props.ACCEPTOR | Props.I_DETERMINISTIC | Props.O_DETERMINISTIC | Props.EPSILONS | Props.I_EPSILONS |
      Props.O_EPSILONS | Props.WEIGHTED | Props.CYCLIC | Props.INITIAL_CYCLIC | Props.ACCESSIBLE | Props.COACCESSIBLE,
    false,
  );
  return new ConstFst(
    fst.semiring,
    { start: fst.start(), finals, arcStart, ilabel: il, olabel: ol, nextstate: ns, weight: w },
    kept | Props.I_LABEL_SORTED,
    fst.isymbols,
    fst.osymbols,
  );
}

/**
 * Builds the decoding graph TLG = T ∘ min(det(L ∘ G)) for the word acceptor `g` over `words` and the acoustic
 * model's `tokens`:
 * 1. G is made epsilon-free (rmEpsilon, only when it has ε:ε arcs) and input-sorted;
 * 2. L (lexicon, with disambiguation symbols and G's #k passed through) and T (ctcTopology) are built;
 * 3. LG = determinize(L ∘ G) as a functional transducer, then minimized (unless `minimize: false`);
 * 4. disambiguation symbols of LG become epsilon, LG is input-sorted, and TLG = T ∘ LG (trimmed);
 * 5. TLG is input-sorted and frozen into a ConstFst.
 * Feeding TLG a frame string (token labels, one a frame) yields the word sequences of G whose spelling collapses
 * to it (spaces optional between words), each with its G cost (shortest in the tropical semiring), within the
 * 1/1024-per-arc quantisation of determinization and minimization. With `delta`, `maxStates` and `minimize` at their
 * defaults the result is, state for state, what OpenFst's tools build from the same T, L and G (fstcompose,
 * fstdeterminize, fstminimize, fstrelabel, fstarcsort, fstcompose, fstarcsort; see test/property/tlg.test.ts).
 *
 * Errors: WORD_UNSPELLABLE (unless skipUnspellable), GRAMMAR_EMPTY when no sentence of G survives (every path uses
 * a skipped word), GRAPH_OPTION for bad options or a G with labels outside `words`, FST_LIMIT past `maxStates`,
 * FST_NONFUNCTIONAL if L ∘ G is not functional (cannot happen with L's disambiguation unless G maps one word
 * string to two outputs).
 * Cost: the sum of compose, determinize and minimize on L ∘ G (about the size of L ∘ G, which is G with each word
 * arc spelled out), then a composition with T whose result has about twice LG's states ("after a blank" and "after
 * token x" copies) and 3× its arcs. Measured warm on a busy 2-core machine: a digit loop ~1 ms, a command grammar
 * ~2 ms, 1,000 phrases ~100–150 ms, the 20k-word trigram LM (380k n-grams) ~6 s with 450 MiB peak RSS for a TLG of
 * 0.94M states and 3.3M arcs (minimization is the largest stage there).
 */
export function buildTlg(g: Fst, words: WordTable, tokens: TokenTable, opts: TlgOptions = {}): CompiledGraph {
  checkTlgOptions(opts);
  const stages: GraphStage[] = [];
  const timed = <T extends Fst>(name: string, f: () => T): T => {
    const t0 = now();
    const out = f();
    stages.push({ name, ms: now() - t0, states: out.numStates(), arcs: totalArcs(out) });
    return out;
  };
  const sr = g.semiring;
  const delta = opts.delta ?? DEFAULT_DELTA;
  const gReady = timed('G-prepare', () => prepareGrammar(g, words));
  const T = timed('T', () => ctcTopology(tokens, sr));
  let lex: ReturnType<typeof lexicon> | undefined;
  const L = timed('L', () => {
    lex = lexicon(words, tokens, { skipUnspellable: opts.skipUnspellable ?? false, spellings: opts.spellings, semiring: sr });
    return lex.fst;
  });
  const lx = lex as ReturnType<typeof lexicon>;
  const lg0 = timed('LG-compose', () => compose(L, gReady));
  const lg = timed('LG-determinize', () => {
    recordCheapProperties(lg0);
    return determinize(lg0, { delta, maxStates: opts.maxStates });
  });
  if (opts.minimize ?? true) {
    timed('LG-minimize', () => {
      recordCheapProperties(lg);
      minimize(lg, { delta });
      return lg;
    });
  }
  const tlg = timed('TLG-compose', () => {
    removeDisambig(lg, tokens, words);
    lg.isymbols = T.osymbols;
    arcSort(lg, 'ilabel');
    // Trimmed: where LG has an epsilon input (a removed disambiguation symbol), the epsilon filter leaves dead states
    // (T stuck after a token that LG's next arc repeats, the blank that would separate them having to come first).
    return compose(T, lg);
  });
  if (tlg.start() === NO_STATE) {
    throw new GraphError('GRAMMAR_EMPTY', 'no sentence of the grammar can be spelled with these tokens', {
      reason: lx.skipped.length > 0 ? 'every sentence uses a skipped word' : 'accepts nothing',
    });
  }
  const frozen = timed('TLG-freeze', () => {
    tlg.isymbols = tokens.symbols();
    tlg.osymbols = words.symbols;
    return freezeSorted(tlg);
  });
  const info: GraphInfo = {
    hash: undefined,
    builderVersion: GRAPH_BUILDER_VERSION,
    source: { kind: 'fst' },
    options: {
      skipUnspellable: opts.skipUnspellable ?? false,
      spellings: opts.spellings?.size ?? 0,
      delta,
      maxStates: opts.maxStates ?? null,
      minimize: opts.minimize ?? true,
    },
    semiring: sr.name,
    stages,
    totalMs: stages.reduce((a, s) => a + s.ms, 0),
    peakRssKiB: process.resourceUsage().maxRSS,
    numWords: words.numWords,
    numTokens: tokens.size,
    numDisambig: lx.numDisambig,
    warnings: lx.warnings,
  };
  return { tlg: frozen, words, tokens, info };
}

/** A grammar in one of the source languages the front-ends read. */
export type GrammarSource =
  /** A JSGF grammar (decoder/graph/jsgf.ts); `root` compiles one rule instead of the public ones. */
  | { kind: 'jsgf'; text: string; root?: string }
  /** A phrase list, one phrase a line with optional /weight/ (decoder/graph/phrases.ts). */
  | { kind: 'phrases'; text: string }
  /** Any sequence of these words, uniformly weighted (`wordLoopFst`). */
  | { kind: 'words'; words: readonly string[] }
  /** An ARPA back-off LM as text (decoder/graph/arpa.ts), with its pruning options. */
  | { kind: 'arpa'; text: string; maxOrder?: number; vocabularyLimit?: number; pruneThreshold?: number };

/** G and its word table from a grammar source. Errors as the front-end's. Cost: the front-end's. */
export function grammarToFst(source: GrammarSource): { g: VectorFst; words: WordTable } {
  const words = new WordTable();
  switch (source.kind) {
    case 'jsgf':
      return { g: compileJsgf(source.text, words, source.root === undefined ? {} : { root: source.root }), words };
    case 'phrases':
      return { g: phrasesToFst(source.text, words), words };
    case 'words':
      return { g: wordLoopFst(source.words, words), words };
    case 'arpa': {
      const { text, kind: _kind, ...arpaOpts } = source;
      const a = arpaToFst(parseArpa(text), arpaOpts);
      return { g: a.fst, words: a.words };
    }
    default:
      throw new GraphError('GRAPH_OPTION', 'unknown grammar kind', { option: 'kind', value: (source as { kind: unknown }).kind });
  }
}

/** The source without its text: what meta.json records. */
function describeSource(source: GrammarSource): Record<string, unknown> {
  const { kind } = source;
  const out: Record<string, unknown> = { kind };
  for (const [k, v] of Object.entries(source)) {
    if (k === 'kind') continue;
    if (k === 'text') out.textBytes = Buffer.byteLength(v as string, 'utf8');
    else if (k === 'words') out.numWords = (v as readonly string[]).length;
    else out[k] = v;
  }
  return out;
}

/**
 * The content hash of a graph: SHA-256 (hex) over the builder version, the grammar source (kind, text or words,
 * front-end options), the token table (names, blank, space) and the options that change the graph (spellings in
 * word order). Two calls with equal inputs give equal hashes; `maxStates` does not enter (it only limits). O(size).
 */
export function graphHash(source: GrammarSource, tokens: TokenTable, opts: TlgOptions = {}): string {
  const h = createHash('sha256');
  const { maxStates: _maxStates, spellings, ...rest } = opts;
  const options = {
    skipUnspellable: rest.skipUnspellable ?? false,
    delta: rest.delta ?? DEFAULT_DELTA,
    minimize: rest.minimize ?? true,
    spellings: spellings ? [...spellings.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : [],
  };
  const { kind, ...fields } = source;
  // Front-end options as sorted JSON; the text (which may be a whole LM) is hashed as it is, after its length.
  const frontEnd: [string, unknown][] = [];
  let text = '';
  for (const k of Object.keys(fields).sort()) {
    const v = (fields as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (k === 'text') text = v as string;
    else frontEnd.push([k, v]);
  }
  h.update(JSON.stringify({ v: GRAPH_BUILDER_VERSION, kind, frontEnd, tokens: tokens.fingerprint(), options }));
  h.update(`\0${Buffer.byteLength(text, 'utf8')}\0`);
  h.update(text, 'utf8');
  return h.digest('hex');
}

/** Options of `GraphCache`. */
export interface GraphCacheOptions {
  /** Graphs kept in memory (least recently used evicted first). Default 8. 0 disables the memory cache. */
  maxEntries?: number;
  /** A directory of compiled graphs, one subdirectory per hash; read before building, written after. Default none. */
  dir?: string;
}

/**
 * Compiled graphs by content hash: an in-memory LRU and, optionally, an on-disk directory shared across processes
 * (entries are written atomically by `saveGraph`, so concurrent builders at worst build twice).
 */
export class GraphCache {
  readonly maxEntries: number;
  readonly dir: string | undefined;
  private readonly entries = new Map<string, CompiledGraph>();
  /** Lookups answered from memory, from disk, and builds. */
  readonly stats = { memoryHits: 0, diskHits: 0, builds: 0 };

  constructor(opts: GraphCacheOptions = {}) {
    checkOptionKeys(opts, ['maxEntries', 'dir'], 'GraphCache');
    const max = opts.maxEntries ?? 8;
    if (!(Number.isInteger(max) && max >= 0)) {
      throw new GraphError('GRAPH_OPTION', 'GraphCache: bad maxEntries', { option: 'maxEntries', value: max });
    }
    this.maxEntries = max;
    this.dir = opts.dir;
  }

  /** The graph of `hash` from memory or disk, or undefined. A hit becomes the most recently used entry. */
  get(hash: string): CompiledGraph | undefined {
    const hit = this.entries.get(hash);
    if (hit !== undefined) {
      this.entries.delete(hash);
      this.entries.set(hash, hit);
      this.stats.memoryHits++;
      return hit;
    }
    if (this.dir === undefined) return undefined;
    const path = join(this.dir, hash);
    if (!existsSync(join(path, 'meta.json'))) return undefined;
    let graph: CompiledGraph;
    try {
      graph = loadGraph(path);
    } catch (e) {
      // A damaged entry is rebuilt (and overwritten), not fatal.
      if (e instanceof GraphError || e instanceof FstError) return undefined;
      throw e;
    }
    if (graph.info.hash !== hash) return undefined;
    this.stats.diskHits++;
    this.remember(hash, graph);
    return graph;
  }

  /** Stores a graph under its hash in memory and, with `dir`, on disk. */
  set(hash: string, graph: CompiledGraph): void {
    this.remember(hash, graph);
    if (this.dir !== undefined) saveGraph(join(this.dir, hash), graph);
  }

  private remember(hash: string, graph: CompiledGraph): void {
    if (this.maxEntries === 0) return;
    this.entries.delete(hash);
    this.entries.set(hash, graph);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Graphs in memory. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * Compiles a grammar source into TLG for `tokens`, through `cache` when given: a grammar compiled before (same
 * source text, tokens and options) is returned from memory or disk without building. The build adds a 'grammar'
 * stage (the front-end) before buildTlg's. Errors as the front-end and `buildTlg`.
 */
export function compileGrammar(
  source: GrammarSource,
  tokens: TokenTable,
  opts: TlgOptions = {},
  cache?: GraphCache,
): CompiledGraph {
  checkTlgOptions(opts);
  const hash = graphHash(source, tokens, opts);
  const hit = cache?.get(hash);
  if (hit !== undefined) return hit;
  const t0 = now();
  const { g, words } = grammarToFst(source);
  const grammarMs = now() - t0;
  const graph = buildTlg(g, words, tokens, opts);
  graph.info.hash = hash;
  graph.info.source = describeSource(source);
  graph.info.stages.unshift({ name: 'grammar', ms: grammarMs, states: g.numStates(), arcs: totalArcs(g) });
  graph.info.totalMs += grammarMs;
  if (cache !== undefined) {
    cache.stats.builds++;
    cache.set(hash, graph);
  }
  return graph;
}
