// A compiled graph on disk: TLG.fst (our binary format), words.txt, tokens.txt and meta.json in one directory.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserializeFst, serializeFst } from '../fst/binary-format.ts';
import { FstError } from '../fst/errors.ts';
import { SymbolTable } from '../fst/symbol-table.ts';
import type { CompiledGraph, GraphInfo } from './tlg.ts';
import { TokenTable } from './tokens.ts';
import { WordTable } from './words.ts';

/** File names inside a graph directory. */
export const GRAPH_FILES = Object.freeze({
  tlg: 'TLG.fst',
  words: 'words.txt',
  tokens: 'tokens.txt',
  meta: 'meta.json',
});

/** Layout version of a graph directory; `loadGraph` refuses others. */
export const GRAPH_FORMAT_VERSION = 1;

/** meta.json: the build's `GraphInfo` plus what is needed to read the other files back. */
export interface GraphMeta extends GraphInfo {
  format: 'asr-graph';
  formatVersion: number;
  /** The token table's blank and space ids (tokens.txt holds only names). */
  tokenTable: { size: number; blank: number; space: number | null };
  tlg: { states: number; arcs: number; bytes: number };
}

/** Writes `data` to `path` through a temporary file and a rename, so readers never see a partial file. */
function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new FstError('FST_IO', `cannot write ${path}: ${(e as Error).message}`, { path });
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new FstError('FST_IO', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
}

/**
 * Saves a compiled graph into `dir` (created if needed; files of the same names are replaced): TLG.fst, words.txt
 * (OpenFst text symbol table, disambiguation symbols included), tokens.txt (token labels: "<eps> 0", token t at
 * t + 1) and meta.json (written last: a directory with meta.json is complete). Each file is replaced atomically, so
 * concurrent writers of the same graph leave a consistent directory. Throws FST_IO. Returns the meta written.
 * Cost: O(size of TLG).
 */
export function saveGraph(dir: string, graph: CompiledGraph): GraphMeta {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new FstError('FST_IO', `cannot create ${dir}: ${(e as Error).message}`, { path: dir });
  }
  const bytes = serializeFst(graph.tlg);
  writeAtomic(join(dir, GRAPH_FILES.tlg), bytes);
  writeAtomic(join(dir, GRAPH_FILES.words), graph.words.symbols.toText());
  writeAtomic(join(dir, GRAPH_FILES.tokens), graph.tokens.toText());
  const meta: GraphMeta = {
    format: 'asr-graph',
    formatVersion: GRAPH_FORMAT_VERSION,
    ...graph.info,
    tokenTable: {
      size: graph.tokens.size,
      blank: graph.tokens.blank,
      space: graph.tokens.space < 0 ? null : graph.tokens.space,
    },
    tlg: { states: graph.tlg.numStates(), arcs: graph.tlg.numArcsTotal(), bytes: bytes.length },
  };
  writeAtomic(join(dir, GRAPH_FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

/** Reads and checks meta.json of a graph directory (without loading the graph). Throws FST_IO, FST_FORMAT. */
export function readGraphMeta(dir: string): GraphMeta {
  const path = join(dir, GRAPH_FILES.meta);
  let meta: GraphMeta;
  try {
    meta = JSON.parse(readText(path)) as GraphMeta;
  } catch (e) {
    if (e instanceof FstError) throw e;
    throw new FstError('FST_FORMAT', `${path} is not valid JSON`, { path });
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== 'asr-graph') {
    throw new FstError('FST_FORMAT', `${path} is not a graph meta file`, { path });
  }
  if (meta.formatVersion !== GRAPH_FORMAT_VERSION) {
    throw new FstError('FST_FORMAT', `${path}: graph format version ${meta.formatVersion}, expected ${GRAPH_FORMAT_VERSION}`, {
      path,
    });
  }
  return meta;
}

/**
 * Loads a graph saved by `saveGraph`. TLG's arrays are views of the file's bytes (no per-arc parsing). Checks that
 * the tables agree with TLG's labels. Throws FST_IO (unreadable), FST_FORMAT (malformed or inconsistent files),
 * GRAPH_OPTION (a malformed token or word table). Cost: O(file size) to read, O(E) to check labels.
 */
export function loadGraph(dir: string): CompiledGraph {
  const meta = readGraphMeta(dir);
  const tlgPath = join(dir, GRAPH_FILES.tlg);
  let bytes: Buffer;
  try {
    bytes = readFileSync(tlgPath);
  } catch (e) {
    throw new FstError('FST_IO', `cannot read ${tlgPath}: ${(e as Error).message}`, { path: tlgPath });
  }
  const tlg = deserializeFst(bytes);
  const words = WordTable.fromSymbolTable(SymbolTable.fromText(readText(join(dir, GRAPH_FILES.words)), 'words'));
  const tokens = TokenTable.fromText(readText(join(dir, GRAPH_FILES.tokens)), {
    blank: meta.tokenTable.blank,
    space: meta.tokenTable.space,
  });
  if (tokens.size !== meta.tokenTable.size) {
    throw new FstError('FST_FORMAT', `${dir}: tokens.txt has ${tokens.size} tokens, meta.json ${meta.tokenTable.size}`, { path: dir });
  }
  const maxIn = tokens.maxTokenLabel;
  const maxOut = words.numWords;
  for (let a = 0, m = tlg.numArcsTotal(); a < m; a++) {
    if (tlg.ilabel[a] > maxIn || tlg.olabel[a] > maxOut || tlg.ilabel[a] < 0 || tlg.olabel[a] < 0) {
      throw new FstError('FST_FORMAT', `${dir}: TLG arc ${a} has labels outside tokens.txt / words.txt`, { path: dir });
    }
  }
  if (meta.tlg.states !== tlg.numStates() || meta.tlg.arcs !== tlg.numArcsTotal()) {
    throw new FstError('FST_FORMAT', `${dir}: meta.json sizes do not match TLG.fst`, { path: dir });
  }
  const { format: _f, formatVersion: _v, tokenTable: _t, tlg: _s, ...info } = meta;
  return { tlg, words, tokens, info };
}
