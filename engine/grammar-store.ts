// The grammars every session shares: shipped ones, user grammars added at runtime, inline ones cached by content hash.

import { GraphCache, graphHash, type CompiledGraph, type GrammarSource } from '../decoder/graph/tlg.ts';
import type { TokenTable } from '../decoder/graph/tokens.ts';
import type { DecoderOptions } from '../decoder/search/config.ts';
import { Recognizer } from '../decoder/search/recognizer.ts';
import { isShippedGrammar, listShippedGrammars, loadShippedGrammar } from '../grammars/registry.ts';
import { checkGrammarSpec, type GrammarSpec } from './config.ts';
import { EngineError } from './errors.ts';
import { LocalGrammarCompiler, type GrammarCompiler } from './grammar-compiler.ts';

/** What compiling (or finding) a grammar gave. */
export interface GrammarInfo {
  name: string;
  origin: 'shipped' | 'user' | 'inline';
  /** Source language: jsgf, arpa, phrases or words. */
  format: string;
  /** Wall time of this compile or load, ms (≈ 0 when it came from a cache). */
  compileMs: number;
  /** True when the graph came from a cache (memory or disk) rather than being built now. */
  cached: boolean;
  states: number;
  arcs: number;
  words: number;
  /** Content hash of the graph (source, tokens, builder version). */
  hash: string | undefined;
}

/** A grammar ready for decoding: its name, its compiled graph and the shared recognizer of that graph. */
export interface ResolvedGrammar {
  info: GrammarInfo;
  graph: CompiledGraph;
  recognizer: Recognizer;
}

/** One row of `list()`. */
export interface GrammarListing {
  name: string;
  origin: 'shipped' | 'user';
  format: string;
  description: string;
  /** Whether the graph is in memory now (shipped grammars load on first use, `en` at start-up). */
  loaded: boolean;
  states: number | null;
  arcs: number | null;
  words: number | null;
}

/** Settings of a store (from `EngineConfig`). */
export interface GrammarStoreOptions {
  decoder: DecoderOptions;
  /** Disk cache of shipped graphs; undefined → the registry's default, null → none. */
  cacheDir: string | null | undefined;
  inlineCacheEntries: number;
  maxUserGrammars: number;
  maxSourceBytes: number;
  log: (line: string) => void;
  /**
   * Where user and inline grammars compile. Default: a `LocalGrammarCompiler` (on the calling thread); the engine
   * gives a `WorkerGrammarCompiler`, which keeps compiles off the event loop.
   */
  compiler?: GrammarCompiler;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function sourceBytes(source: GrammarSource): number {
  if (source.kind === 'words') return source.words.reduce((n, w) => n + Buffer.byteLength(w, 'utf8') + 1, 0);
  return Buffer.byteLength(source.text, 'utf8');
}

function checkSource(source: unknown): GrammarSource {
  if (typeof source === 'object' && source !== null && (source as { kind?: unknown }).kind === 'arpa') {
    const s = source as Record<string, unknown>;
    for (const k of Object.keys(s)) {
      if (!['kind', 'text', 'maxOrder', 'vocabularyLimit', 'pruneThreshold'].includes(k)) {
        throw new EngineError('ENGINE_OPTION', `grammar source: unknown option "${k}"`, { option: k });
      }
    }
    if (typeof s.text !== 'string') throw new EngineError('ENGINE_OPTION', 'grammar source text must be a string', { option: 'text' });
    return source as GrammarSource;
  }
  const spec = checkGrammarSpec(source, 'source');
  if (typeof spec === 'string') {
    throw new EngineError('ENGINE_OPTION', 'a grammar source is { kind, text | words }, not a name', { option: 'source', value: spec });
  }
  return spec;
}

/**
 * Grammars by name and inline grammars by content, each compiled once into a graph with one `Recognizer` that all
 * sessions share (recognizers are immutable; a session keeps the one it resolved even if the name is replaced or
 * deleted later). Compiles run in the store's `GrammarCompiler` (a worker thread in the engine), one at a time in
 * call order; sources are capped at maxSourceBytes. Concurrent requests for the same inline grammar share one compile.
 */
export class GrammarStore {
  readonly tokens: TokenTable;
  private readonly opts: GrammarStoreOptions;
  private readonly shipped = new Map<string, Promise<ResolvedGrammar>>();
  private readonly shippedDone = new Map<string, ResolvedGrammar>();
  private readonly user = new Map<string, ResolvedGrammar>();
  private readonly inline: GraphCache;
  /** Inline grammars being compiled now, by content hash. */
  private readonly building = new Map<string, Promise<CompiledGraph>>();
  private readonly recognizers = new WeakMap<CompiledGraph, Recognizer>();
  private readonly compiler: GrammarCompiler;

  constructor(tokens: TokenTable, opts: GrammarStoreOptions) {
    this.tokens = tokens;
    this.opts = opts;
    this.inline = new GraphCache({ maxEntries: opts.inlineCacheEntries });
    this.compiler = opts.compiler ?? new LocalGrammarCompiler(tokens);
  }

  /** Compile threads started to replace one that died (0 when compiling on the calling thread). */
  get compilerRestarts(): number {
    return this.compiler.restarts;
  }

  /** Ends the compile thread the way a crash would (fault injection); false when none is running. */
  terminateCompileWorker(): Promise<boolean> {
    return this.compiler.terminateWorker();
  }

  /** Stops the compiler (its thread); compiles in progress reject with ENGINE_NOT_READY. */
  close(): Promise<void> {
    return this.compiler.close();
  }

  /** User grammars held now. */
  get userCount(): number {
    return this.user.size;
  }

  /** Inline grammars in the memory cache now. */
  get inlineCount(): number {
    return this.inline.size;
  }

  /** True when `name` is a shipped or user grammar. */
  has(name: string): boolean {
    return this.user.has(name) || isShippedGrammar(name);
  }

  /**
   * Adds or replaces the user grammar `name` (compiled now, by the store's compiler). Returns compile time and graph size.
   * Throws ENGINE_OPTION (bad name or source shape), ENGINE_GRAMMAR_READONLY (a shipped name),
   * ENGINE_GRAMMAR_TOO_LARGE, ENGINE_GRAMMAR_LIMIT, and the compiler's errors with their positions
   * (GRAMMAR_SYNTAX details.line/column, GRAMMAR_UNKNOWN_RULE, WORD_UNSPELLABLE, ARPA_SYNTAX details.line, …);
   * ENGINE_WORKER_FAILED when the compile thread died during the compile.
   * Sessions already using the old graph of that name keep it. Cost: the compile (ms for command grammars, seconds
   * for a large LM).
   */
  async put(name: string, source: GrammarSource): Promise<GrammarInfo> {
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new EngineError('ENGINE_OPTION', 'a grammar name is 1–64 characters of A–Z, a–z, 0–9, "_", "-", "." (first a letter or digit)', {
        option: 'name',
        value: name,
      });
    }
    if (isShippedGrammar(name)) throw new EngineError('ENGINE_GRAMMAR_READONLY', `"${name}" is a shipped grammar`, { name });
    const src = checkSource(source);
    if (!this.user.has(name) && this.user.size >= this.opts.maxUserGrammars) {
      throw new EngineError('ENGINE_GRAMMAR_LIMIT', `the store holds ${this.user.size} user grammars already`, { limit: this.opts.maxUserGrammars });
    }
    const resolved = await this.compile(src, 'user', name, undefined);
    // The limit again: other puts may have added grammars while this one compiled.
    if (!this.user.has(name) && this.user.size >= this.opts.maxUserGrammars) {
      throw new EngineError('ENGINE_GRAMMAR_LIMIT', `the store holds ${this.user.size} user grammars already`, { limit: this.opts.maxUserGrammars });
    }
    this.user.set(name, resolved);
    return resolved.info;
  }

  /** Removes a user grammar; false when there was none. ENGINE_GRAMMAR_READONLY for a shipped name. */
  delete(name: string): boolean {
    if (isShippedGrammar(name)) throw new EngineError('ENGINE_GRAMMAR_READONLY', `"${name}" is a shipped grammar`, { name });
    return this.user.delete(name);
  }

  /** Shipped grammars (smallest first), then user grammars by name. */
  list(): GrammarListing[] {
    const out: GrammarListing[] = listShippedGrammars().map((g) => {
      const r = this.shippedDone.get(g.name);
      return {
        name: g.name,
        origin: 'shipped',
        format: g.format,
        description: g.description,
        loaded: r !== undefined,
        states: r?.info.states ?? null,
        arcs: r?.info.arcs ?? null,
        words: r?.info.words ?? null,
      };
    });
    for (const name of [...this.user.keys()].sort()) {
      const r = this.user.get(name) as ResolvedGrammar;
      out.push({
        name,
        origin: 'user',
        format: r.info.format,
        description: `user grammar (${r.info.format})`,
        loaded: true,
        states: r.info.states,
        arcs: r.info.arcs,
        words: r.info.words,
      });
    }
    return out;
  }

  /**
   * The grammar of a spec: a user grammar, a shipped grammar (loaded on first use, then kept), or an inline grammar
   * (compiled, or found in the cache by content hash). Throws ENGINE_GRAMMAR_NOT_FOUND for an unknown name,
   * ENGINE_OPTION / ENGINE_GRAMMAR_TOO_LARGE for a bad inline grammar, and compile errors.
   */
  async resolve(spec: GrammarSpec): Promise<ResolvedGrammar> {
    if (typeof spec === 'string') {
      const u = this.user.get(spec);
      if (u !== undefined) return { ...u, info: { ...u.info, compileMs: 0, cached: true } };
      if (isShippedGrammar(spec)) return this.loadShipped(spec);
      throw new EngineError('ENGINE_GRAMMAR_NOT_FOUND', `no grammar "${spec}"`, {
        name: spec,
        known: [...listShippedGrammars().map((g) => g.name), ...this.user.keys()],
      });
    }
    const src = checkSource(spec);
    const hash = graphHash(src, this.tokens);
    return this.compile(src, 'inline', `inline:${hash.slice(0, 12)}`, hash);
  }

  private loadShipped(name: string): Promise<ResolvedGrammar> {
    const done = this.shippedDone.get(name);
    if (done !== undefined) return Promise.resolve({ ...done, info: { ...done.info, compileMs: 0, cached: true } });
    let p = this.shipped.get(name);
    if (p === undefined) {
      p = (async () => {
        const t0 = performance.now();
        const graph = await loadShippedGrammar(name, {
          tokens: this.tokens,
          ...(this.opts.cacheDir === undefined ? {} : { cacheDir: this.opts.cacheDir }),
          onProgress: this.opts.log,
        });
        const r = this.wrap(graph, 'shipped', name, performance.now() - t0, false);
        this.shippedDone.set(name, r);
        return r;
      })();
      this.shipped.set(name, p);
      // A failed load is retried by the next caller rather than cached.
      p.catch(() => this.shipped.delete(name));
    }
    return p;
  }

  private async compile(src: GrammarSource, origin: 'user' | 'inline', name: string, hash: string | undefined): Promise<ResolvedGrammar> {
    const bytes = sourceBytes(src);
    if (bytes > this.opts.maxSourceBytes) {
      throw new EngineError('ENGINE_GRAMMAR_TOO_LARGE', `grammar source of ${bytes} bytes; the limit is ${this.opts.maxSourceBytes}`, {
        bytes,
        limit: this.opts.maxSourceBytes,
      });
    }
    const t0 = performance.now();
    let graph: CompiledGraph | undefined = hash === undefined ? undefined : this.inline.get(hash);
    const cached = graph !== undefined;
    if (graph === undefined) graph = hash === undefined ? await this.compiler.compile(src) : await this.buildInline(src, hash);
    const ms = performance.now() - t0;
    const r = this.wrap(graph, origin, name, ms, cached);
    if (hash !== undefined) r.info.hash = hash;
    return r;
  }

  /** Compiles an inline grammar once however many sessions ask for it meanwhile, then caches it. */
  private buildInline(src: GrammarSource, hash: string): Promise<CompiledGraph> {
    let p = this.building.get(hash);
    if (p === undefined) {
      p = this.compiler.compile(src).then((graph) => {
        this.inline.stats.builds++;
        this.inline.set(hash, graph);
        return graph;
      });
      const done = (): void => void this.building.delete(hash);
      p.then(done, done);
      this.building.set(hash, p);
    }
    return p;
  }

  private wrap(graph: CompiledGraph, origin: GrammarInfo['origin'], name: string, ms: number, cached: boolean): ResolvedGrammar {
    let recognizer = this.recognizers.get(graph);
    if (recognizer === undefined) {
      recognizer = new Recognizer({ graph, decoder: this.opts.decoder });
      this.recognizers.set(graph, recognizer);
    }
    const info: GrammarInfo = {
      name,
      origin,
      format: String(graph.info.source.kind ?? 'unknown'),
      compileMs: ms,
      cached,
      states: graph.tlg.numStates(),
      arcs: graph.tlg.numArcsTotal(),
      words: graph.words.numWords,
      hash: graph.info.hash,
    };
    return { info, graph, recognizer };
  }
}
