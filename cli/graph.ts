// `asr graph build|info`: compiles a grammar into a TLG graph directory, and describes a compiled one.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FstError } from '../decoder/fst/errors.ts';
import { GraphError } from '../decoder/graph/errors.ts';
import { readGraphMeta, saveGraph, type GraphMeta } from '../decoder/graph/graph-store.ts';
import { GraphCache, compileGrammar, type GrammarSource, type TlgOptions } from '../decoder/graph/tlg.ts';
import { TokenTable, type TokenTableOptions } from '../decoder/graph/tokens.ts';

/** Where the command writes; tests pass their own to run `graphMain` in-process. */
export interface GraphCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: GraphCliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

const USAGE = `usage:
  asr graph build (--grammar FILE | --phrases FILE | --arpa FILE | --words FILE) [--tokens FILE] --out DIR [flags]
  asr graph info DIR [--json]

build: compiles TLG = T ∘ min(det(L ∘ G)) for the grammar and the model's tokens into DIR
       (TLG.fst, words.txt, tokens.txt, meta.json).
  --grammar FILE          a JSGF grammar (public rules, or --root)
  --phrases FILE          a phrase list: one phrase a line, optional /weight/
  --arpa FILE             an ARPA back-off LM (.arpa or .arpa.gz)
  --words FILE            a word list: any sequence of these words
  --tokens FILE           the model's token list (default: blank, space, apostrophe, a-z)
  --blank NAME            the blank token (default: <blk>/<blank>/<b>/<pad>, else token 0)
  --space NAME|none       the word separator (default: <space>/▁/|, else none)
  --out DIR               output directory (created; files replaced)
  --skip-unspellable      leave out words the tokens cannot spell (warnings) instead of failing
  --cache-dir DIR         reuse a graph compiled before from the same grammar, tokens and flags
  --root RULE             JSGF: compile this rule only
  --max-order N           ARPA: use n-grams up to order N
  --vocabulary-limit N    ARPA: keep the N most probable words
  --prune-threshold X     ARPA: drop n-grams (order >= 2) with log10 probability below X
  --delta X               determinize/minimize quantisation (default 1/1024)
  --max-states N          give up when det(L ∘ G) exceeds N states (default: no limit)
  --no-minimize           skip minimization of det(L ∘ G)
info: prints sizes, build time per stage and peak memory of a compiled graph (--json: meta.json as is).

exit status: 0 ok; 1 usage error, or a graph/FST error (its code is printed)
`;

class UsageError extends Error {}

const VALUE_FLAGS = [
  'grammar', 'phrases', 'arpa', 'words', 'tokens', 'blank', 'space', 'out', 'cache-dir', 'root', 'max-order',
  'vocabulary-limit', 'prune-threshold', 'delta', 'max-states',
] as const;
const BOOL_FLAGS = ['skip-unspellable', 'no-minimize', 'json', 'help'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
type BoolFlag = (typeof BOOL_FLAGS)[number];

interface Parsed {
  values: Partial<Record<ValueFlag, string>>;
  bools: Set<BoolFlag>;
  positional: string[];
}

function parse(argv: string[]): Parsed {
  const out: Parsed = { values: {}, bools: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if ((BOOL_FLAGS as readonly string[]).includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.bools.add(name as BoolFlag);
    } else if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`--${name} needs a value`);
      out.values[name as ValueFlag] = v;
    } else {
      throw new UsageError(`unknown flag --${name}`);
    }
  }
  return out;
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FstError('FST_IO', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
}

function readText(path: string): string {
  const b = readBytes(path);
  return (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8');
}

function positiveInt(p: Parsed, name: ValueFlag): number | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} expects a positive integer, got "${v}"`);
  return Number(v);
}

function number(p: Parsed, name: ValueFlag): number | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new UsageError(`--${name} expects a number, got "${v}"`);
  return x;
}

function grammarSource(p: Parsed): GrammarSource {
  const given = (['grammar', 'phrases', 'arpa', 'words'] as const).filter((k) => p.values[k] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --grammar, --phrases, --arpa, --words');
  const kind = given[0];
  const text = readText(p.values[kind] as string);
  const only = (flags: ValueFlag[], where: string) => {
    for (const f of flags) if (p.values[f] !== undefined) throw new UsageError(`--${f} applies to ${where} only`);
  };
  if (kind !== 'arpa') only(['max-order', 'vocabulary-limit', 'prune-threshold'], '--arpa');
  if (kind !== 'grammar') only(['root'], '--grammar');
  switch (kind) {
    case 'grammar':
      return p.values.root === undefined ? { kind: 'jsgf', text } : { kind: 'jsgf', text, root: p.values.root };
    case 'phrases':
      return { kind: 'phrases', text };
    case 'words':
      return { kind: 'words', words: text.split(/\s+/).filter((w) => w !== '') };
    case 'arpa': {
      const src: GrammarSource = { kind: 'arpa', text };
      const maxOrder = positiveInt(p, 'max-order');
      const vocabularyLimit = positiveInt(p, 'vocabulary-limit');
      const pruneThreshold = number(p, 'prune-threshold');
      if (maxOrder !== undefined) src.maxOrder = maxOrder;
      if (vocabularyLimit !== undefined) src.vocabularyLimit = vocabularyLimit;
      if (pruneThreshold !== undefined) src.pruneThreshold = pruneThreshold;
      return src;
    }
  }
}

function tokenTable(p: Parsed): TokenTable {
  const opts: TokenTableOptions = {};
  if (p.values.blank !== undefined) opts.blank = p.values.blank;
  if (p.values.space !== undefined) opts.space = p.values.space === 'none' ? null : p.values.space;
  if (p.values.tokens === undefined) {
    if (p.values.blank !== undefined || p.values.space !== undefined) {
      throw new UsageError('--blank and --space apply to a --tokens file');
    }
    return TokenTable.default();
  }
  return TokenTable.fromText(readText(p.values.tokens), opts);
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** The human-readable summary of a graph: sizes, per-stage time and size, peak memory, warnings. */
function describe(meta: GraphMeta, dir: string): string {
  const lines = [
    `graph ${dir}`,
    `  hash        ${meta.hash ?? '(built from an FST)'}`,
    `  source      ${JSON.stringify(meta.source)}`,
    `  tokens      ${meta.numTokens} (blank ${meta.tokenTable.blank}, space ${meta.tokenTable.space ?? 'none'})`,
    `  words       ${meta.numWords}`,
    `  TLG         ${meta.tlg.states} states, ${meta.tlg.arcs} arcs, ${meta.tlg.bytes} bytes (${meta.semiring})`,
    `  disambig    ${meta.numDisambig} symbols (removed)`,
    `  options     ${JSON.stringify(meta.options)}`,
    `  build       ${fmtMs(meta.totalMs)} ms, peak memory ${(meta.peakRssKiB / 1024).toFixed(1)} MiB`,
    '  stage               ms     states       arcs',
  ];
  for (const s of meta.stages) {
    lines.push(`  ${s.name.padEnd(14)} ${fmtMs(s.ms).padStart(8)} ${String(s.states).padStart(10)} ${String(s.arcs).padStart(10)}`);
  }
  if (meta.warnings.length > 0) lines.push(`  warnings    ${meta.warnings.length}`);
  for (const w of meta.warnings.slice(0, 20)) lines.push(`    ${w.code}: ${w.message}`);
  if (meta.warnings.length > 20) lines.push(`    … ${meta.warnings.length - 20} more`);
  return lines.join('\n') + '\n';
}

function build(p: Parsed, io: GraphCliIo): number {
  if (p.positional.length > 0) throw new UsageError(`unexpected argument "${p.positional[0]}"`);
  if (p.values.out === undefined) throw new UsageError('--out DIR is required');
  for (const f of ['json'] as const) if (p.bools.has(f)) throw new UsageError(`--${f} applies to info only`);
  const source = grammarSource(p);
  const tokens = tokenTable(p);
  const opts: TlgOptions = {};
  if (p.bools.has('skip-unspellable')) opts.skipUnspellable = true;
  if (p.bools.has('no-minimize')) opts.minimize = false;
  const delta = number(p, 'delta');
  if (delta !== undefined) opts.delta = delta;
  const maxStates = positiveInt(p, 'max-states');
  if (maxStates !== undefined) opts.maxStates = maxStates;
  const cache = p.values['cache-dir'] === undefined ? undefined : new GraphCache({ dir: p.values['cache-dir'], maxEntries: 0 });
  const graph = compileGrammar(source, tokens, opts, cache);
  const meta = saveGraph(p.values.out, graph);
  if (cache !== undefined && cache.stats.builds === 0) io.stdout(`(from cache ${p.values['cache-dir']})\n`);
  io.stdout(describe(meta, p.values.out));
  for (const w of graph.info.warnings) io.stderr(`asr graph build: warning ${w.code}: ${w.message}\n`);
  return 0;
}

function info(p: Parsed, io: GraphCliIo): number {
  if (p.positional.length !== 1) throw new UsageError('info takes one graph directory');
  const extra = Object.keys(p.values);
  if (extra.length > 0) throw new UsageError(`--${extra[0]} applies to build only`);
  const meta = readGraphMeta(p.positional[0]);
  io.stdout(p.bools.has('json') ? JSON.stringify(meta, null, 2) + '\n' : describe(meta, p.positional[0]));
  return 0;
}

/**
 * Entry point of `asr graph`. Returns the exit code (never exits): 0 success; 1 for a usage error (usage on
 * stderr) or a GraphError / FstError (its code on stderr). Other errors are bugs and propagate.
 */
export async function graphMain(argv: string[], io: GraphCliIo = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (cmd !== 'build' && cmd !== 'info') {
    io.stderr(cmd === undefined ? USAGE : `asr graph: unknown command "${cmd}"\n${USAGE}`);
    return 1;
  }
  try {
    const p = parse(rest);
    if (p.bools.has('help')) {
      io.stdout(USAGE);
      return 0;
    }
    return cmd === 'build' ? build(p, io) : info(p, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`asr graph ${cmd}: ${e.message}\n${USAGE}`);
      return 1;
    }
    if (e instanceof GraphError || e instanceof FstError) {
      const where = e.details.word !== undefined ? ` (word "${String(e.details.word)}")` : '';
      io.stderr(`asr graph ${cmd}: error ${e.code}${where}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
