// The shipped grammars (this directory's sources), and loading one as a compiled graph through a disk cache.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { FstError } from '../decoder/fst/errors.ts';
import { GraphError, checkOptionKeys } from '../decoder/graph/errors.ts';
import {
  GRAPH_BUILDER_VERSION,
  GraphCache,
  compileGrammar,
  graphHash,
  type CompiledGraph,
  type GrammarSource,
} from '../decoder/graph/tlg.ts';
import { TokenTable } from '../decoder/graph/tokens.ts';

const gunzipAsync = promisify(gunzip);

/** Names of the shipped grammars. */
export type ShippedGrammarName = 'digits' | 'digit' | 'yesno' | 'commands' | 'en';

/** One shipped grammar: what it accepts, where its source is, and how its graph is kept. */
export interface ShippedGrammar {
  readonly name: ShippedGrammarName;
  /** One line for `asr grammars list` and the server's grammar listing. */
  readonly description: string;
  /** The source file, relative to the grammars directory. */
  readonly file: string;
  /** The source language: JSGF text, or an ARPA back-off LM (gzip-compressed or plain). */
  readonly format: 'jsgf' | 'arpa';
  /**
   * Whether the compiled graph is kept in the disk cache. True for grammars that take seconds to build (the LM);
   * false for those that compile in milliseconds, which are compiled at each load (a cache read would be slower).
   */
  readonly cached: boolean;
}

const GRAMMARS: ShippedGrammar[] = [
  { name: 'digit', description: 'one spoken digit: zero (or oh) to nine', file: 'digit.jsgf', format: 'jsgf', cached: false },
  { name: 'yesno', description: 'yes or no', file: 'yesno.jsgf', format: 'jsgf', cached: false },
  { name: 'digits', description: 'any string of spoken digits (zero or oh for 0)', file: 'digits.jsgf', format: 'jsgf', cached: false },
  {
    name: 'commands',
    description: 'smart-home commands: lights per room, timers, media, volume, calls, weather, thermostat',
    file: 'commands.jsgf',
    format: 'jsgf',
    cached: false,
  },
  {
    name: 'en',
    description: 'general English: trigram LM over 20,000 words (about 400,000 n-grams)',
    file: 'en.arpa.gz',
    format: 'arpa',
    cached: true,
  },
];

/** The shipped grammars, smallest first. */
export const SHIPPED_GRAMMARS: readonly ShippedGrammar[] = Object.freeze(GRAMMARS.map((g) => Object.freeze(g)));

/** The grammar the server and the CLI use when none is named. */
export const DEFAULT_GRAMMAR: ShippedGrammarName = 'en';

/** This directory: where the shipped sources are. */
export const GRAMMARS_DIR: string = dirname(fileURLToPath(import.meta.url));

/** The default disk cache of compiled graphs: `.cache/graphs/` under the repository root (git-ignored). */
export const DEFAULT_GRAPH_CACHE_DIR: string = resolve(GRAMMARS_DIR, '..', '.cache', 'graphs');

/** The shipped grammars, smallest first (the same frozen objects as `SHIPPED_GRAMMARS`). */
export function listShippedGrammars(): readonly ShippedGrammar[] {
  return SHIPPED_GRAMMARS;
}

/** True when `name` names a shipped grammar. */
export function isShippedGrammar(name: string): name is ShippedGrammarName {
  return SHIPPED_GRAMMARS.some((g) => g.name === name);
}

/** The shipped grammar of that name; GRAPH_OPTION (details.option 'grammar', value, known) for any other name. */
export function shippedGrammar(name: string): ShippedGrammar {
  const g = SHIPPED_GRAMMARS.find((x) => x.name === name);
  if (g === undefined) {
    throw new GraphError('GRAPH_OPTION', `no shipped grammar "${name}"`, {
      option: 'grammar',
      value: name,
      known: SHIPPED_GRAMMARS.map((x) => x.name),
    });
  }
  return g;
}

/** Options of `loadShippedGrammar`, `prepareGrammars` and `isShippedGrammarCached`. Unknown keys: GRAPH_OPTION. */
export interface ShippedGrammarOptions {
  /** The acoustic model's tokens, which TLG's input labels are. Default `TokenTable.default()` (DEFAULT_TOKENS). */
  tokens?: TokenTable;
  /**
   * Directory of the disk cache of compiled graphs (one subdirectory a content hash, as `GraphCache` keeps them),
   * or null to build cached grammars at every load. Created when needed; when it cannot be written the graph is
   * still returned and `onProgress` says why it was not stored. Default `DEFAULT_GRAPH_CACHE_DIR`.
   */
  cacheDir?: string | null;
  /** Where the grammar sources are read from. Default `GRAMMARS_DIR` (tests and benchmarks point elsewhere). */
  grammarsDir?: string;
  /**
   * Receives progress lines (no trailing newline) for cached grammars: one before a build ("building …, once"), one
   * after it, one on a cache hit, and one when the cache cannot be written. The CLI writes them to stderr, the
   * server logs them. Default: none.
   */
  onProgress?: (line: string) => void;
}

const OPTION_KEYS = ['tokens', 'cacheDir', 'grammarsDir', 'onProgress'] as const;

interface Resolved {
  grammar: ShippedGrammar;
  tokens: TokenTable;
  cacheDir: string | null;
  path: string;
  progress: (line: string) => void;
}

function resolveOptions(name: string, opts: ShippedGrammarOptions): Resolved {
  checkOptionKeys(opts, OPTION_KEYS, 'loadShippedGrammar');
  const grammar = shippedGrammar(name);
  if (opts.tokens !== undefined && !(opts.tokens instanceof TokenTable)) {
    throw new GraphError('GRAPH_OPTION', 'loadShippedGrammar: tokens must be a TokenTable', { option: 'tokens' });
  }
  const cacheDir = opts.cacheDir === undefined ? DEFAULT_GRAPH_CACHE_DIR : opts.cacheDir === null ? null : resolve(opts.cacheDir);
  return {
    grammar,
    tokens: opts.tokens ?? TokenTable.default(),
    cacheDir,
    path: join(opts.grammarsDir ?? GRAMMARS_DIR, grammar.file),
    progress: opts.onProgress ?? (() => {}),
  };
}

async function readSourceBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new FstError('FST_IO', `cannot read grammar source ${path}: ${(e as Error).message}`, { path });
  }
}

/** The grammar source of a file's bytes: ARPA text is gunzipped when it starts with the gzip magic. */
async function sourceOf(grammar: ShippedGrammar, bytes: Buffer, path: string): Promise<GrammarSource> {
  if (grammar.format === 'jsgf') return { kind: 'jsgf', text: bytes.toString('utf8') };
  let text = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      text = await gunzipAsync(bytes);
    } catch (e) {
      throw new FstError('FST_IO', `cannot gunzip ${path}: ${(e as Error).message}`, { path });
    }
  }
  return { kind: 'arpa', text: text.toString('utf8') };
}

/**
 * The GrammarSource of a shipped grammar as `compileGrammar` takes it (the ARPA text gunzipped). Throws
 * GRAPH_OPTION for an unknown name, FST_IO when the file cannot be read. Cost: reading (and gunzipping) the file.
 */
export async function readShippedGrammarSource(name: string, grammarsDir: string = GRAMMARS_DIR): Promise<GrammarSource> {
  const grammar = shippedGrammar(name);
  const path = join(grammarsDir, grammar.file);
  return sourceOf(grammar, await readSourceBytes(path), path);
}

/**
 * The source index of the disk cache: `<cacheDir>/sources/<key>` holds the graph hash of the source file whose raw
 * bytes, tokens and builder version give `key`. It spares a cache hit the gunzip and the hash of the whole LM text
 * (~120 ms of ~250); the graph directory it points to is still checked against its own content hash.
 */
function sourceKey(r: Resolved, bytes: Buffer): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: GRAPH_BUILDER_VERSION, format: r.grammar.format, tokens: r.tokens.fingerprint() }));
  h.update(bytes);
  return h.digest('hex');
}

function readIndex(cacheDir: string, key: string): string | undefined {
  try {
    const hash = readFileSync(join(cacheDir, 'sources', key), 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
  } catch {
    return undefined;
  }
}

function writeIndex(cacheDir: string, key: string, hash: string): void {
  const dir = join(cacheDir, 'sources');
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${key}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, `${hash}\n`);
    renameSync(tmp, join(dir, key));
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** How `load` obtained a graph: compiled (small grammar, no cache), read from the disk cache, or built and stored. */
type Origin = 'compiled' | 'cache' | 'built';

function fmtSeconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

async function load(r: Resolved): Promise<{ graph: CompiledGraph; origin: Origin }> {
  const { grammar, tokens, cacheDir, progress } = r;
  const t0 = performance.now();
  const bytes = await readSourceBytes(r.path);
  if (!grammar.cached || cacheDir === null) {
    if (grammar.cached) progress(`grammar ${grammar.name}: building the decoding graph (no cache directory) …`);
    const graph = compileGrammar(await sourceOf(grammar, bytes, r.path), tokens);
    if (grammar.cached) progress(`grammar ${grammar.name}: built in ${fmtSeconds(performance.now() - t0)}`);
    return { graph, origin: 'compiled' };
  }
  const cache = new GraphCache({ dir: cacheDir, maxEntries: 0 });
  const key = sourceKey(r, bytes);
  const indexed = readIndex(cacheDir, key);
  const hitFrom = (hash: string | undefined): CompiledGraph | undefined => (hash === undefined ? undefined : cache.get(hash));
  let graph = hitFrom(indexed);
  let hash = indexed;
  const source = graph === undefined ? await sourceOf(grammar, bytes, r.path) : undefined;
  if (source !== undefined) {
    hash = graphHash(source, tokens);
    if (hash !== indexed) graph = hitFrom(hash);
  }
  const h = hash as string;
  if (graph !== undefined) {
    // The index only saves time on later hits; a read-only cache (e.g. prepared into an image) is fine without it.
    if (indexed !== h) {
      try {
        writeIndex(cacheDir, key, h);
      } catch {
        // Nothing to report: the graph was found.
      }
    }
    progress(`grammar ${grammar.name}: loaded from the graph cache in ${fmtSeconds(performance.now() - t0)} (${join(cacheDir, h)})`);
    return { graph, origin: 'cache' };
  }
  progress(`grammar ${grammar.name}: not in ${cacheDir}; building the decoding graph, once (a few seconds) …`);
  const built = compileGrammar(source as GrammarSource, tokens);
  const stored = tryStore(r, () => {
    cache.set(h, built);
    writeIndex(cacheDir, key, h);
  });
  progress(
    `grammar ${grammar.name}: built in ${fmtSeconds(performance.now() - t0)} (${fmtCount(built.tlg.numStates())} states, ` +
      `${fmtCount(built.tlg.numArcsTotal())} arcs, peak RSS ${(built.info.peakRssKiB / 1024).toFixed(0)} MiB)` +
      (stored ? `, cached in ${join(cacheDir, h)}` : ''),
  );
  return { graph: built, origin: 'built' };
}

/** Runs a cache write; an unwritable cache is reported, not fatal. Returns whether it succeeded. */
function tryStore(r: Resolved, write: () => void): boolean {
  try {
    write();
    return true;
  } catch (e) {
    const why = e instanceof FstError ? e.message : (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    r.progress(`grammar ${r.grammar.name}: cannot write the graph cache ${r.cacheDir} (${why}); continuing without it`);
    return false;
  }
}

/** Loads in flight, by grammar, source location, cache and tokens: concurrent callers share one build. */
const inFlight = new Map<string, Promise<{ graph: CompiledGraph; origin: Origin }>>();

function loadShared(r: Resolved): Promise<{ graph: CompiledGraph; origin: Origin }> {
  const id = JSON.stringify([r.grammar.name, r.path, r.cacheDir, r.tokens.fingerprint()]);
  let p = inFlight.get(id);
  if (p === undefined) {
    p = load(r).finally(() => inFlight.delete(id));
    inFlight.set(id, p);
  }
  return p;
}

/**
 * The decoding graph (TLG) of a shipped grammar for `tokens`. Small grammars are compiled at each call (well under
 * 20 ms). A cached grammar (`en`) is read from the disk cache when a graph of the same source bytes, tokens and
 * builder version is there (about 0.1–0.3 s for the 59 MB TLG of `en`); otherwise it is built (about 5–10 s and
 * 0.5 GiB peak for `en`, blocking the event loop meanwhile), stored, and progress lines go to `onProgress`.
 * Concurrent calls for the same graph share one load. The graph is immutable and may be shared by every stream.
 * Throws GRAPH_OPTION (unknown name or option), FST_IO (source unreadable), and the builder's errors (a source that
 * does not compile, WORD_UNSPELLABLE for tokens that cannot spell its words). A cache that cannot be written is not
 * an error: the graph is returned and `onProgress` says so.
 */
export async function loadShippedGrammar(name: string, opts: ShippedGrammarOptions = {}): Promise<CompiledGraph> {
  return (await loadShared(resolveOptions(name, opts))).graph;
}

/**
 * True when loading the cached grammar `name` would read it from the disk cache rather than build it (always false
 * for a grammar that is not cached, or with `cacheDir: null`). Builds nothing and writes nothing. Throws as
 * `loadShippedGrammar` for a bad name, option or unreadable source. Cost: reading and hashing the source file; on an
 * index miss, gunzipping and hashing its text too.
 */
export async function isShippedGrammarCached(name: string, opts: ShippedGrammarOptions = {}): Promise<boolean> {
  const r = resolveOptions(name, opts);
  if (!r.grammar.cached || r.cacheDir === null) return false;
  const bytes = await readSourceBytes(r.path);
  const has = (hash: string | undefined) => hash !== undefined && existsSync(join(r.cacheDir as string, hash, 'meta.json'));
  if (has(readIndex(r.cacheDir, sourceKey(r, bytes)))) return true;
  return has(graphHash(await sourceOf(r.grammar, bytes, r.path), r.tokens));
}

/** What `prepareGrammars` did for one grammar. */
export interface PreparedGrammar {
  name: ShippedGrammarName;
  /** compiled: a small grammar, compiled to check it (nothing stored); cache: already cached; built: built and stored. */
  origin: Origin;
  /** Wall time of the load, ms. */
  ms: number;
  /** The graph's content hash (its directory name in the cache). */
  hash: string | undefined;
  states: number;
  arcs: number;
}

/**
 * Makes the shipped grammars ready for a fast start (`asr grammars prepare`, the Docker build): builds each cached
 * grammar that the cache lacks and stores it, and compiles each small one once to check that it compiles (small
 * graphs are never stored). `names` defaults to every shipped grammar; they are processed one after another.
 * Throws as `loadShippedGrammar` (GRAPH_OPTION for an unknown name, before anything is built).
 */
export async function prepareGrammars(
  names: readonly string[] = SHIPPED_GRAMMARS.map((g) => g.name),
  opts: ShippedGrammarOptions = {},
): Promise<PreparedGrammar[]> {
  const resolved = names.map((n) => resolveOptions(n, opts));
  const out: PreparedGrammar[] = [];
  for (const r of resolved) {
    const t0 = performance.now();
    const { graph, origin } = await loadShared(r);
    out.push({
      name: r.grammar.name,
      origin,
      ms: performance.now() - t0,
      hash: graph.info.hash,
      states: graph.tlg.numStates(),
      arcs: graph.tlg.numArcsTotal(),
    });
  }
  return out;
}
