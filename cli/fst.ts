// `asr fst OP`: OpenFst-style command-line operations (compile, print, info, compose, …) on FST files.

import { readFileSync, writeFileSync } from 'node:fs';
import { ConstFst } from '../decoder/fst/const-fst.ts';
import { FstError } from '../decoder/fst/errors.ts';
import { ArcView, type Fst, type MutableFst } from '../decoder/fst/fst.ts';
import { readFstFile, writeFstFile } from '../decoder/fst/binary-format.ts';
import { computeProperties, Props, sccInfo } from '../decoder/fst/properties.ts';
import { DEFAULT_DELTA, semiringByName } from '../decoder/fst/semiring.ts';
import { SymbolTable } from '../decoder/fst/symbol-table.ts';
import { compileText, formatWeight, printText } from '../decoder/fst/text-format.ts';
import { VectorFst } from '../decoder/fst/vector-fst.ts';

/** Where the CLI reads stdin and writes its output; tests pass their own to run `fstMain` in-process. */
export interface FstCliIo {
  /** The whole of standard input, as UTF-8. */
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The real process streams. */
export const processIo: FstCliIo = {
  async readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  },
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

type FlagKind = 'bool' | 'string' | 'number' | 'int' | readonly string[];

interface FlagSpec {
  kind: FlagKind;
  help: string;
}

/** Every flag any op accepts, named as OpenFst's tools name them. */
const FLAGS = {
  isymbols: { kind: 'string', help: 'input symbol table file (text input/output labels are symbols)' },
  osymbols: { kind: 'string', help: 'output symbol table file' },
  acceptor: { kind: 'bool', help: 'text is in acceptor form: one label an arc (default false)' },
  arc_type: { kind: ['standard', 'log'], help: 'semiring of text input: standard (tropical) or log (default standard)' },
  keep_isymbols: { kind: 'bool', help: 'store the input symbol table with an FST compiled from text (default false)' },
  keep_osymbols: { kind: 'bool', help: 'store the output symbol table with an FST compiled from text (default false)' },
  keep_state_numbering: { kind: 'bool', help: 'do not renumber states of text input (default false)' },
  sort_type: { kind: ['ilabel', 'olabel'], help: 'arcsort: sort by input or output label (default ilabel)' },
  project_type: { kind: ['input', 'output'], help: 'project: keep the input or output side (default input)' },
  project_output: { kind: 'bool', help: 'project: older OpenFst spelling of --project_type=output' },
  connect: { kind: 'bool', help: 'compose, rmepsilon: trim the result (default true)' },
  delta: { kind: 'number', help: `comparison/quantisation delta (default ${DEFAULT_DELTA})` },
  nshortest: { kind: 'int', help: 'shortestpath: number of paths (default 1)' },
  unique: { kind: 'bool', help: 'shortestpath: only distinct strings (default false)' },
  to_final: { kind: 'bool', help: 'push: push towards final states (default false: towards the start)' },
  remove_total_weight: { kind: 'bool', help: 'push: drop the total weight (default false)' },
  push_weights: { kind: 'bool', help: 'push: accepted for compatibility; weights are always pushed' },
  reverse: { kind: 'bool', help: 'shortestdistance: distances to the final states (default false)' },
  help: { kind: 'bool', help: 'show usage' },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

/** Flags that govern reading and writing AT&T text; every op accepts them. */
const TEXT_FLAGS: readonly FlagName[] = [
  'isymbols',
  'osymbols',
  'acceptor',
  'arc_type',
  'keep_isymbols',
  'keep_osymbols',
  'keep_state_numbering',
];

interface OpSpec {
  summary: string;
  /** Positional arguments: input files, then an optional output. */
  inputs: 1 | 2;
  output: 'fst' | 'text' | 'none';
  flags: readonly FlagName[];
}

const OPS = {
  compile: { summary: 'compile AT&T text into an FST file', inputs: 1, output: 'fst', flags: [] },
  print: { summary: 'print an FST as AT&T text', inputs: 1, output: 'text', flags: [] },
  info: { summary: 'print sizes and properties as fstinfo does', inputs: 1, output: 'none', flags: [] },
  arcsort: { summary: 'sort arcs by label', inputs: 1, output: 'fst', flags: ['sort_type'] },
  connect: { summary: 'remove states not on a successful path', inputs: 1, output: 'fst', flags: [] },
  project: { summary: 'keep one side of a transducer', inputs: 1, output: 'fst', flags: ['project_type', 'project_output'] },
  invert: { summary: 'swap input and output labels', inputs: 1, output: 'fst', flags: [] },
  rmepsilon: { summary: 'remove epsilon:epsilon arcs', inputs: 1, output: 'fst', flags: ['connect', 'delta'] },
  compose: { summary: 'compose IN1 ∘ IN2 (IN1 olabel- or IN2 ilabel-sorted)', inputs: 2, output: 'fst', flags: ['connect'] },
  determinize: { summary: 'determinize a (functional) FST', inputs: 1, output: 'fst', flags: ['delta'] },
  minimize: { summary: 'minimize a deterministic FST', inputs: 1, output: 'fst', flags: ['delta'] },
  push: {
    summary: 'push weights towards the start (or final) states',
    inputs: 1,
    output: 'fst',
    flags: ['delta', 'to_final', 'remove_total_weight', 'push_weights'],
  },
  shortestpath: { summary: 'n-shortest paths', inputs: 1, output: 'fst', flags: ['nshortest', 'unique', 'delta'] },
  shortestdistance: {
    summary: 'shortest distance of each state ("state<TAB>distance" lines)',
    inputs: 1,
    output: 'text',
    flags: ['reverse', 'delta'],
  },
  topsort: { summary: 'sort states topologically (warns when cyclic)', inputs: 1, output: 'fst', flags: [] },
  equivalent: {
    summary: 'exit 0 when two deterministic acceptors are equivalent, 2 when not',
    inputs: 2,
    output: 'none',
    flags: ['delta'],
  },
} as const satisfies Record<string, OpSpec>;

type OpName = keyof typeof OPS;

/** A bad command line; reported with usage and exit code 1. */
class UsageError extends Error {}

type FlagValue = string | number | boolean;

interface ParsedArgs {
  op: OpName;
  flags: Partial<Record<FlagName, FlagValue>>;
  files: string[];
}

function parseBool(name: string, v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new UsageError(`--${name} expects true or false, got "${v}"`);
}

function parseValue(name: FlagName, v: string): FlagValue {
  const kind: FlagKind = FLAGS[name].kind;
  if (kind === 'bool') return parseBool(name, v);
  if (kind === 'string') {
    if (v === '') throw new UsageError(`--${name} needs a value`);
    return v;
  }
  if (kind === 'number') {
    const x = Number(v);
    if (v === '' || !Number.isFinite(x) || x <= 0) throw new UsageError(`--${name} expects a positive number, got "${v}"`);
    return x;
  }
  if (kind === 'int') {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} expects a positive integer, got "${v}"`);
    return Number(v);
  }
  if (!kind.includes(v)) throw new UsageError(`--${name} expects one of ${kind.join(', ')}, got "${v}"`);
  return v;
}

/**
 * Parses `OP [flags] files…`. Flags may come anywhere, as `--flag=value` or `--flag value`; a boolean flag
 * alone means true and takes the next word only when it is `true` or `false`. A lone `-` is a file (stdio).
 */
function parseArgs(op: OpName, argv: string[]): ParsedArgs {
  const spec: OpSpec = OPS[op];
  const allowed = new Set<string>([...TEXT_FLAGS, ...spec.flags, 'help']);
  const flags: Partial<Record<FlagName, FlagValue>> = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      files.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (!allowed.has(name)) {
      throw new UsageError(
        name in FLAGS ? `flag --${name} does not apply to "${op}"` : `unknown flag --${name}`,
      );
    }
    const fname = name as FlagName;
    let value: string;
    if (eq >= 0) {
      value = a.slice(eq + 1);
    } else if (FLAGS[fname].kind === 'bool') {
      const next = argv[i + 1];
      if (next === 'true' || next === 'false') {
        value = next;
        i++;
      } else {
        value = 'true';
      }
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    flags[fname] = parseValue(fname, value);
  }
  if (flags.help) return { op, flags, files };
  const maxFiles = spec.inputs + (spec.output === 'none' ? 0 : 1);
  if (files.length > maxFiles) throw new UsageError(`"${op}" takes at most ${maxFiles} file arguments`);
  if (spec.inputs === 2 && files.length < 2) throw new UsageError(`"${op}" needs two input files`);
  if (spec.inputs === 2 && files[0] === '-' && files[1] === '-') throw new UsageError('only one input can be stdin');
  return { op, flags, files };
}

/** True when `path` names AT&T text: a `.txt` file or `-` (stdin/stdout). Anything else is our binary format. */
export function isTextPath(path: string): boolean {
  return path === '-' || path.endsWith('.txt');
}

function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new FstError('FST_IO', `cannot read ${path}: ${(e as Error).message}`, { path });
  }
}

/** One command's parsed flags, its symbol tables (loaded once) and its file reading and writing. */
class Session {
  private readonly isyms: SymbolTable | undefined;
  private readonly osyms: SymbolTable | undefined;

  constructor(
    private readonly args: ParsedArgs,
    private readonly io: FstCliIo,
  ) {
    const table = (path: FlagValue | undefined) =>
      typeof path === 'string' ? SymbolTable.fromText(readTextFile(path), path) : undefined;
    this.isyms = table(args.flags.isymbols);
    this.osyms = table(args.flags.osymbols);
  }

  flag(name: FlagName): FlagValue | undefined {
    return this.args.flags[name];
  }

  bool(name: FlagName, dflt: boolean): boolean {
    const v = this.args.flags[name];
    return v === undefined ? dflt : v === true;
  }

  delta(): number {
    const v = this.args.flags.delta;
    return typeof v === 'number' ? v : DEFAULT_DELTA;
  }

  /** Reads an FST: text through compileText (with the text flags), otherwise our binary format. */
  async read(path: string): Promise<Fst> {
    return isTextPath(path) ? this.readText(path) : readFstFile(path);
  }

  /** Compiles AT&T text from a file or stdin (`-`) as fstcompile would with the text flags. */
  async readText(path: string): Promise<VectorFst> {
    const text = path === '-' ? await this.io.readStdin() : readTextFile(path);
    const semiring = semiringByName(String(this.flag('arc_type') ?? 'standard'));
    const fst = compileText(text, {
      semiring,
      isymbols: this.isyms,
      osymbols: this.osyms,
      acceptor: this.bool('acceptor', false),
      keepStateNumbering: this.bool('keep_state_numbering', false),
    });
    // As fstcompile: symbol tables are stored with the FST only when asked.
    const keepI = this.bool('keep_isymbols', false);
    const keepO = this.bool('keep_osymbols', false);
    fst.isymbols = keepI ? this.isyms : undefined;
    fst.osymbols = keepO ? (this.bool('acceptor', false) ? this.isyms : this.osyms) : undefined;
    return fst;
  }

  /** AT&T text of `fst`, labelled with the flag's symbol tables, else the FST's own (as fstprint). */
  text(fst: Fst): string {
    const acceptor = this.bool('acceptor', false);
    const isymbols = this.isyms ?? fst.isymbols;
    const osymbols = acceptor ? isymbols : (this.osyms ?? fst.osymbols);
    return printText(fst, { isymbols, osymbols, acceptor });
  }

  writeText(path: string, text: string): void {
    if (path === '-') {
      this.io.stdout(text);
      return;
    }
    try {
      writeFileSync(path, text);
    } catch (e) {
      throw new FstError('FST_IO', `cannot write ${path}: ${(e as Error).message}`, { path });
    }
  }

  /** Writes an FST: AT&T text to a `.txt` file or stdout, otherwise our binary format. */
  write(path: string, fst: Fst): void {
    if (isTextPath(path)) this.writeText(path, this.text(fst));
    else writeFstFile(path, fst);
  }
}

/** A mutable copy of `fst`, or `fst` itself when it already is a VectorFst (read from text, owned by us). */
function mutable(fst: Fst): VectorFst {
  return fst instanceof VectorFst ? fst : VectorFst.from(fst);
}

/** Formats like C++'s default ostream (`%g`, 6 significant digits), as fstinfo prints doubles. */
function formatG6(x: number): string {
  if (x === 0) return '0';
  let s = x.toPrecision(6);
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const ex = Number(e);
    return `${mant}e${ex < 0 ? '-' : '+'}${Math.abs(ex) < 10 ? '0' : ''}${Math.abs(ex)}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** Number of weakly connected components (OpenFst's CcVisitor): union-find over all arcs. O(E α(V)). */
function countComponents(fst: Fst): number {
  const n = fst.numStates();
  const parent = new Int32Array(n);
  for (let s = 0; s < n; s++) parent[s] = s;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const view = new ArcView();
  let comps = n;
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const r1 = find(s);
      const r2 = find(view.nextstate[a]);
      if (r1 !== r2) {
        parent[r1] = r2;
        comps--;
      }
    }
  }
  return comps;
}

/**
 * The report of OpenFst's `fstinfo` (long form, arc filter "any"): sizes, counts, matcher types and every
 * property bit, each name left-aligned in 50 columns. All properties are computed, so none is "?".
 * Lookahead matchers are never used here, so those lines read "n". Cost: O(V + E) time and memory.
 */
export function formatInfo(fst: Fst): string {
  const n = fst.numStates();
  const sr = fst.semiring;
  const view = new ArcView();
  let narcs = 0;
  let nfinal = 0;
  let neps = 0;
  let nieps = 0;
  let noeps = 0;
  let imult = 0;
  let omult = 0;
  const icount = new Map<number, number>();
  const ocount = new Map<number, number>();
  const scc = sccInfo(fst);
  let isString = true;
  let weightedCycles = false;
  let finalsSeen = 0;
  for (let s = 0; s < n; s++) {
    const f = fst.final(s);
    fst.arcs(s, view);
    icount.clear();
    ocount.clear();
    for (let a = view.begin; a < view.end; a++) {
      const il = view.ilabel[a];
      const ol = view.olabel[a];
      const t = view.nextstate[a];
      const w = view.weight[a];
      narcs++;
      if (il === 0 && ol === 0) neps++;
      if (il === 0) nieps++;
      if (ol === 0) noeps++;
      icount.set(il, (icount.get(il) ?? 0) + 1);
      ocount.set(ol, (ocount.get(ol) ?? 0) + 1);
      if (w !== sr.one && w !== sr.zero && scc.scc[s] === scc.scc[t]) weightedCycles = true;
      if (t !== s + 1) isString = false;
    }
    for (const c of icount.values()) imult += c * c;
    for (const c of ocount.values()) omult += c * c;
    // OpenFst's kString: state 0 initial, a chain of single arcs, the only final state last.
    if (finalsSeen > 0) isString = false;
    if (f !== sr.zero) {
      nfinal++;
      finalsSeen++;
    } else if (view.end - view.begin !== 1) {
      isString = false;
    }
  }
  if (fst.start() >= 0 && fst.start() !== 0) isString = false;
  if (narcs > 0) {
    imult /= narcs;
    omult /= narcs;
  }
  let naccess = 0;
  let ncoaccess = 0;
  let nconnect = 0;
  for (let s = 0; s < n; s++) {
    if (scc.access[s]) naccess++;
    if (scc.coaccess[s]) ncoaccess++;
    if (scc.access[s] && scc.coaccess[s]) nconnect++;
  }
  const p = computeProperties(fst);
  const yn = (b: boolean) => (b ? 'y' : 'n');
  const symName = (st: SymbolTable | undefined) => (st ? st.name || 'unnamed' : 'none');
  const rows: [string, string | number][] = [
    ['fst type', fst instanceof ConstFst ? 'const' : 'vector'],
    ['arc type', sr.name === 'log' ? 'log' : 'standard'],
    ['input symbol table', symName(fst.isymbols)],
    ['output symbol table', symName(fst.osymbols)],
    ['# of states', n],
    ['# of arcs', narcs],
    ['initial state', fst.start()],
    ['# of final states', nfinal],
    ['# of input/output epsilons', neps],
    ['# of input epsilons', nieps],
    ['# of output epsilons', noeps],
    ['input label multiplicity', formatG6(imult)],
    ['output label multiplicity', formatG6(omult)],
    ['# of accessible states', naccess],
    ['# of coaccessible states', ncoaccess],
    ['# of connected states', nconnect],
    ['# of connected components', countComponents(fst)],
    ['# of strongly conn components', scc.numScc],
    ['input matcher', yn((p & Props.I_LABEL_SORTED) !== 0)],
    ['output matcher', yn((p & Props.O_LABEL_SORTED) !== 0)],
    ['input lookahead', 'n'],
    ['output lookahead', 'n'],
    ['expanded', 'y'],
    ['mutable', yn(!(fst instanceof ConstFst))],
    ['error', 'n'],
    ['acceptor', yn((p & Props.ACCEPTOR) !== 0)],
    ['input deterministic', yn((p & Props.I_DETERMINISTIC) !== 0)],
    ['output deterministic', yn((p & Props.O_DETERMINISTIC) !== 0)],
    ['input/output epsilons', yn((p & Props.EPSILONS) !== 0)],
    ['input epsilons', yn((p & Props.I_EPSILONS) !== 0)],
    ['output epsilons', yn((p & Props.O_EPSILONS) !== 0)],
    ['input label sorted', yn((p & Props.I_LABEL_SORTED) !== 0)],
    ['output label sorted', yn((p & Props.O_LABEL_SORTED) !== 0)],
    ['weighted', yn((p & Props.WEIGHTED) !== 0)],
    ['cyclic', yn((p & Props.CYCLIC) !== 0)],
    ['cyclic at initial state', yn((p & Props.INITIAL_CYCLIC) !== 0)],
    ['top sorted', yn((p & Props.TOP_SORTED) !== 0)],
    ['accessible', yn((p & Props.ACCESSIBLE) !== 0)],
    ['coaccessible', yn((p & Props.COACCESSIBLE) !== 0)],
    ['string', yn(isString)],
    ['weighted cycles', yn(weightedCycles)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(50)}${v}\n`).join('');
}

/** Distances as fstshortestdistance writes them: "state<TAB>distance", trailing unreachable states left out. */
function formatDistances(d: Float64Array): string {
  let last = d.length - 1;
  while (last >= 0 && d[last] === Infinity) last--;
  const out: string[] = [];
  for (let s = 0; s <= last; s++) out.push(`${s}\t${formatWeight(Math.fround(d[s]))}\n`);
  return out.join('');
}

/** Runs one op; returns the exit code. */
async function runOp(a: ParsedArgs, io: FstCliIo): Promise<number> {
  const cx = new Session(a, io);
  const spec: OpSpec = OPS[a.op];
  const inPath = a.files[0] ?? '-';
  const outPath = a.files[spec.inputs] ?? '-';
  const delta = cx.delta();
  const out = (fst: Fst) => cx.write(outPath, fst);
  switch (a.op) {
    case 'compile':
      // As fstcompile, the input is text whatever its name.
      out(await cx.readText(inPath));
      return 0;
    case 'print':
      cx.writeText(outPath, cx.text(await cx.read(inPath)));
      return 0;
    case 'info':
      io.stdout(formatInfo(await cx.read(inPath)));
      return 0;
    case 'arcsort': {
      const { arcSort } = await import('../decoder/fst/arc-sort.ts');
      const f = mutable(await cx.read(inPath));
      arcSort(f, cx.flag('sort_type') === 'olabel' ? 'olabel' : 'ilabel');
      out(f);
      return 0;
    }
    case 'connect': {
      const { connect } = await import('../decoder/fst/connect.ts');
      const f = mutable(await cx.read(inPath));
      connect(f);
      out(f);
      return 0;
    }
    case 'project': {
      const { project } = await import('../decoder/fst/project.ts');
      const f = mutable(await cx.read(inPath));
      const output = cx.flag('project_type') === 'output' || cx.bool('project_output', false);
      project(f, output ? 'output' : 'input');
      out(f);
      return 0;
    }
    case 'invert': {
      const { invert } = await import('../decoder/fst/invert.ts');
      const f = mutable(await cx.read(inPath));
      invert(f);
      out(f);
      return 0;
    }
    case 'rmepsilon': {
      const { rmEpsilon } = await import('../decoder/fst/rm-epsilon.ts');
      const f = mutable(await cx.read(inPath));
      rmEpsilon(f, { delta, connect: cx.bool('connect', true) });
      out(f);
      return 0;
    }
    case 'compose': {
      const { compose } = await import('../decoder/fst/compose.ts');
      const f1 = await cx.read(a.files[0]);
      const f2 = await cx.read(a.files[1]);
      out(compose(f1, f2, { connect: cx.bool('connect', true) }));
      return 0;
    }
    case 'determinize': {
      const { determinize } = await import('../decoder/fst/determinize.ts');
      out(determinize(await cx.read(inPath), { delta }));
      return 0;
    }
    case 'minimize': {
      const { minimize } = await import('../decoder/fst/minimize.ts');
      const f: MutableFst = mutable(await cx.read(inPath));
      minimize(f, { delta });
      out(f);
      return 0;
    }
    case 'push': {
      const { push } = await import('../decoder/fst/push.ts');
      const f = mutable(await cx.read(inPath));
      push(f, { delta, toFinal: cx.bool('to_final', false), removeTotalWeight: cx.bool('remove_total_weight', false) });
      out(f);
      return 0;
    }
    case 'shortestpath': {
      const { shortestPath } = await import('../decoder/fst/shortest-path.ts');
      const n = cx.flag('nshortest');
      out(shortestPath(await cx.read(inPath), { nshortest: typeof n === 'number' ? n : 1, unique: cx.bool('unique', false), delta }));
      return 0;
    }
    case 'shortestdistance': {
      const { shortestDistance } = await import('../decoder/fst/shortest-distance.ts');
      const d = shortestDistance(await cx.read(inPath), { reverse: cx.bool('reverse', false), delta });
      cx.writeText(outPath, formatDistances(d));
      return 0;
    }
    case 'topsort': {
      const { topSort } = await import('../decoder/fst/top-sort.ts');
      const f = mutable(await cx.read(inPath));
      if (!topSort(f)) io.stderr('asr fst topsort: warning: input FST is cyclic; written unchanged\n');
      out(f);
      return 0;
    }
    case 'equivalent': {
      const { equivalent } = await import('../decoder/fst/equivalent.ts');
      const f1 = await cx.read(a.files[0]);
      const f2 = await cx.read(a.files[1]);
      return equivalent(f1, f2, { delta }) ? 0 : 2;
    }
  }
}

function flagUsage(name: FlagName): string {
  const k: FlagKind = FLAGS[name].kind;
  const v = k === 'bool' ? '' : k === 'string' ? '=F' : k === 'number' ? '=X' : k === 'int' ? '=N' : `=${k.join('|')}`;
  return `  --${(name + v).padEnd(30)} ${FLAGS[name].help}\n`;
}

function opArgs(spec: OpSpec): string {
  const ins = spec.inputs === 2 ? 'IN1 IN2' : '[IN]';
  return spec.output === 'none' ? ins : `${ins} [OUT]`;
}

/** The text of `asr fst --help`. */
export function fstUsage(): string {
  let s = 'usage: asr fst OP [flags] IN [IN2] [OUT]\n\n';
  s += 'Files ending in .txt, and - (stdin/stdout), are AT&T text; any other name is our binary FST format.\n';
  s += 'A missing IN or OUT means -. Flags: --flag=value or --flag value; a bare boolean flag means true.\n\n';
  s += 'ops:\n';
  for (const [name, spec] of Object.entries(OPS) as [OpName, OpSpec][]) {
    s += `  ${(name + ' ' + opArgs(spec)).padEnd(32)} ${spec.summary}\n`;
  }
  s += '\nflags for text input and output (every op):\n';
  for (const f of TEXT_FLAGS) s += flagUsage(f);
  s += '\nop flags:\n';
  for (const f of Object.keys(FLAGS) as FlagName[]) if (!TEXT_FLAGS.includes(f) && f !== 'help') s += flagUsage(f);
  s += '\nexit status: 0 ok; 1 usage or FST error (the error code is printed); 2 equivalent: not equivalent\n';
  return s;
}

function opUsage(op: OpName): string {
  const spec: OpSpec = OPS[op];
  let s = `usage: asr fst ${op} [flags] ${opArgs(spec)}\n  ${spec.summary}\n\nflags:\n`;
  for (const f of spec.flags) s += flagUsage(f);
  for (const f of TEXT_FLAGS) s += flagUsage(f);
  return s;
}

/**
 * Entry point of `asr fst`. Returns the exit code (never exits): 0 success, 1 usage error or FstError (its code
 * is printed on stderr), 2 for `equivalent` when the FSTs differ. Errors that are not FstErrors are bugs and
 * propagate.
 */
export async function fstMain(argv: string[], io: FstCliIo = processIo): Promise<number> {
  const [op, ...rest] = argv;
  if (op === undefined) {
    io.stderr(fstUsage());
    return 1;
  }
  if (op === '--help' || op === '-h' || op === 'help') {
    io.stdout(fstUsage());
    return 0;
  }
  if (!Object.hasOwn(OPS, op)) {
    io.stderr(`asr fst: unknown op "${op}" (asr fst --help lists them)\n`);
    return 1;
  }
  const name = op as OpName;
  try {
    const parsed = parseArgs(name, rest);
    if (parsed.flags.help) {
      io.stdout(opUsage(name));
      return 0;
    }
    return await runOp(parsed, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`asr fst ${name}: ${e.message}\n${opUsage(name)}`);
      return 1;
    }
    if (e instanceof FstError) {
      io.stderr(`asr fst ${name}: error ${e.code}: ${e.message}\n`);
      return 1;
    }
    if (isMissingModule(e)) {
      io.stderr(`asr fst ${name}: this operation is not available yet (${(e as Error).message})\n`);
      return 1;
    }
    throw e;
  }
}

function isMissingModule(e: unknown): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
}
