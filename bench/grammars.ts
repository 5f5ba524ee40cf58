// Benchmark: build times and sizes of the shipped grammars' decoding graphs, and `en` against OpenFst's tools.
//
// npm run bench:grammars -- [--runs=N] [--en-runs=N] [--skip-en] [--skip-openfst]
// Each job runs in a fresh process (bundled to plain JavaScript first): its first build is the cold number, the
// median of the others the warm one. For `en`, OpenFst's tools then run the same stages on our own T, L and G
// written as text. Progress goes to stderr; markdown tables to stdout. Files are written under bench/out/.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { printText } from '../decoder/fst/text-format.ts';
import { ctcTopology } from '../decoder/graph/ctc-topology.ts';
import { lexicon } from '../decoder/graph/lexicon.ts';
import { compileGrammar, grammarToFst, type GrammarSource, type GraphStage } from '../decoder/graph/tlg.ts';
import { TokenTable } from '../decoder/graph/tokens.ts';
import { loadShippedGrammar } from '../grammars/registry.ts';
import { bundleScript, runNodeScript } from './node-child.ts';
import { openFstCounts, timeTool } from './openfst-tools.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'out');
/** Where the sources are; passed to the child explicitly because the bundle lives elsewhere. */
const GRAMMARS = join(HERE, '..', 'grammars');
/** Heap limit of the child processes, MiB: `en` must not meet V8's default limit. */
const CHILD_HEAP_MIB = 8192;

type JobName = 'digits' | 'commands' | 'phrases-1000' | 'en';

/** Build-time targets, ms (warm), from the issue. `en` is measured against OpenFst instead. */
const TARGET_MS: Partial<Record<JobName, number>> = { digits: 20, commands: 20, 'phrases-1000': 200 };

interface Options {
  runs: number;
  enRuns: number;
  skipEn: boolean;
  skipOpenFst: boolean;
}

function progress(msg: string): void {
  process.stderr.write(`[grammars] ${msg}\n`);
}

const USAGE = 'usage: npm run bench:grammars -- [--runs=N] [--en-runs=N] [--skip-en] [--skip-openfst]';

function usage(msg: string): never {
  process.stderr.write(`bench/grammars: ${msg}\n${USAGE}\n`);
  process.exit(1);
}

function parseOptions(argv: string[]): Options {
  const o: Options = { runs: 40, enRuns: 3, skipEn: false, skipOpenFst: false };
  for (const a of argv) {
    const m = /^--(runs|en-runs)=(\d+)$/.exec(a);
    if (m) {
      const n = Number(m[2]);
      if (n < 2) usage(`--${m[1]} must be at least 2 (one cold run, one warm)`);
      if (m[1] === 'runs') o.runs = n;
      else o.enRuns = n;
    } else if (a === '--skip-en') o.skipEn = true;
    else if (a === '--skip-openfst') o.skipOpenFst = true;
    else usage(`unknown argument ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// The 1,000-phrase list.

const BRANDS = [
  'acme', 'zenith', 'nova', 'apex', 'orion', 'vertex', 'lumen', 'quasar', 'summit', 'atlas',
  'echo', 'helix', 'pixel', 'solace', 'tundra', 'vortex', 'willow', 'kestrel', 'harbor', 'cobalt',
];
const MODELS = [
  'phone', 'tablet', 'watch', 'earbuds', 'speaker', 'router', 'camera', 'laptop', 'monitor', 'blender',
  'kettle', 'toaster', 'drone', 'scooter', 'headset', 'keyboard', 'mouse', 'printer', 'vacuum', 'heater',
  'fan', 'lamp', 'projector', 'charger', 'tracker',
];
const VARIANTS = ['pro', 'max', 'mini', 'lite', 'plus', 'ultra', 'air', 'go', 'neo', 'prime', 'edge', 'sport'];
const GENERATIONS = ['two', 'three', 'four', 'five', 'six', 'x', "gen z", "o'neill edition"];

/**
 * 1,000 distinct product names "brand model variant [generation]", spellable in a–z and apostrophe, chosen by a
 * fixed linear congruential sequence, so every run builds the same list.
 */
export function productPhrases(n = 1000): string {
  let x = 12345;
  const next = (k: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % k;
  };
  const seen = new Set<string>();
  while (seen.size < n) {
    const parts = [BRANDS[next(BRANDS.length)], MODELS[next(MODELS.length)], VARIANTS[next(VARIANTS.length)]];
    if (next(2) === 0) parts.push(GENERATIONS[next(GENERATIONS.length)]);
    seen.add(parts.join(' '));
  }
  return [...seen].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// The child: builds one grammar `runs` times in a fresh process and reports as JSON.

interface ChildRun {
  /** Wall time of the build call, ms. */
  ms: number;
  /** The builder's own stage times. */
  stages: GraphStage[];
}

interface ChildReport {
  job: JobName;
  runs: ChildRun[];
  words: number;
  gStates: number;
  gArcs: number;
  tlgStates: number;
  tlgArcs: number;
  /** Peak RSS after the first (cold) build, and before anything was loaded, KiB. */
  peakKiB: number;
  baselineKiB: number;
  /** `en` only: wall time of loading the graph again from the disk cache in this process, ms. */
  cacheHitMs?: number;
}

function arg(argv: string[], name: string): string | undefined {
  const p = `--${name}=`;
  return argv.find((a) => a.startsWith(p))?.slice(p.length);
}

function readSource(job: JobName, path: string): GrammarSource {
  if (job === 'en') return { kind: 'arpa', text: gunzipSync(readFileSync(path)).toString('utf8') };
  const text = readFileSync(path, 'utf8');
  return job === 'phrases-1000' ? { kind: 'phrases', text } : { kind: 'jsgf', text };
}

async function child(argv: string[]): Promise<ChildReport> {
  const baselineKiB = process.resourceUsage().maxRSS;
  const job = arg(argv, 'child') as JobName;
  const runs = Number(arg(argv, 'runs'));
  const grammarsDir = arg(argv, 'grammars') as string;
  const source = readSource(job, arg(argv, 'source') as string);
  const tokens = TokenTable.default();
  const out: ChildRun[] = [];
  let peakKiB = 0;
  let last: ReturnType<typeof compileGrammar> | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = compileGrammar(source, tokens);
    out.push({ ms: performance.now() - t0, stages: last.info.stages });
    if (i === 0) peakKiB = process.resourceUsage().maxRSS;
  }
  const g = last as NonNullable<typeof last>;
  const grammarStage = g.info.stages[0];
  const report: ChildReport = {
    job,
    runs: out,
    words: g.words.numWords,
    gStates: grammarStage.states,
    gArcs: grammarStage.arcs,
    tlgStates: g.tlg.numStates(),
    tlgArcs: g.tlg.numArcsTotal(),
    peakKiB,
    baselineKiB,
  };
  const cacheDir = arg(argv, 'cache-dir');
  if (cacheDir !== undefined) {
    last = undefined;
    // Stored through the registry (as the server's first start does), then loaded as a later start does.
    await loadShippedGrammar('en', { cacheDir, grammarsDir });
    const t0 = performance.now();
    await loadShippedGrammar('en', { cacheDir, grammarsDir });
    report.cacheHitMs = performance.now() - t0;
  }
  return report;
}

// ---------------------------------------------------------------------------------------------------------------
// The parent.

function bundleSelf(): Promise<string> {
  return bundleScript(fileURLToPath(import.meta.url), join(OUT, 'grammars.mjs'), ['esbuild']);
}

async function runChild(bundle: string, args: string[]): Promise<ChildReport> {
  const { code, stdout, stderr } = await runNodeScript(bundle, args, CHILD_HEAP_MIB);
  if (code !== 0) throw new Error(`child ${args.join(' ')} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(stdout) as ChildReport;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One OpenFst stage: wall seconds and peak RSS (GNU time's %M) of the tool, and the size of what it wrote. */
interface OpenFstStage {
  stage: string;
  ms: number;
  peakKiB: number;
  states: number;
  arcs: number;
}

/**
 * Writes our T, L and G of `en` as AT&T text, with the relabelling pairs that remove the disambiguation symbols,
 * and runs buildTlg's stages with OpenFst's tools, one process a stage, binary files between them.
 */
function runOpenFst(dir: string): OpenFstStage[] {
  progress('en: writing T, L and G as text for OpenFst');
  const tokens = TokenTable.default();
  const { g, words } = grammarToFst({ kind: 'arpa', text: gunzipSync(readFileSync(join(GRAMMARS, 'en.arpa.gz'))).toString('utf8') });
  const L = lexicon(words, tokens);
  writeFileSync(join(dir, 'T.txt'), printText(ctcTopology(tokens)));
  writeFileSync(join(dir, 'L.txt'), printText(L.fst));
  writeFileSync(join(dir, 'G.txt'), printText(g));
  const ipairs = Array.from({ length: L.numDisambig }, (_, k) => `${tokens.disambigLabel(k)} 0`);
  const opairs = Array.from({ length: words.numDisambig }, (_, k) => `${words.numWords + 1 + k} 0`);
  writeFileSync(join(dir, 'ipairs.txt'), (ipairs.length > 0 ? ipairs : ['1 1']).join('\n') + '\n');
  writeFileSync(join(dir, 'opairs.txt'), (opairs.length > 0 ? opairs : ['1 1']).join('\n') + '\n');
  const d = `--delta=${1 / 1024}`;
  const plan: [string, string, string[], string][] = [
    ['parse T', 'fstcompile', ['T.txt'], 'T.fst'],
    ['parse L', 'fstcompile', ['L.txt'], 'L.fst'],
    ['parse G', 'fstcompile', ['G.txt'], 'G.fst'],
    ['LG-compose', 'fstcompose', ['L.fst', 'G.fst'], 'LG.fst'],
    ['LG-determinize', 'fstdeterminize', [d, 'LG.fst'], 'LG.det.fst'],
    ['LG-minimize', 'fstminimize', [d, 'LG.det.fst'], 'LG.min.fst'],
    ['TLG-compose: relabel', 'fstrelabel', ['--relabel_ipairs=ipairs.txt', '--relabel_opairs=opairs.txt', 'LG.min.fst'], 'LG.rl.fst'],
    ['TLG-compose: arcsort LG', 'fstarcsort', ['LG.rl.fst'], 'LG.sorted.fst'],
    ['TLG-compose: compose', 'fstcompose', ['T.fst', 'LG.sorted.fst'], 'TLG.fst'],
    ['TLG-freeze (arcsort)', 'fstarcsort', ['TLG.fst'], 'TLG.sorted.fst'],
  ];
  const out: OpenFstStage[] = [];
  for (const [stage, tool, args, result] of plan) {
    const t = timeTool(dir, tool, [...args, result]);
    out.push({ stage, ...t, ...openFstCounts(join(dir, result)) });
    progress(`en: OpenFst ${stage}: ${(t.ms / 1000).toFixed(2)} s`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Tables.

const fmtInt = (n: number) => n.toLocaleString('en-US');
const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`);
const fmtMiB = (kib: number) => (kib / 1024).toFixed(0);
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '–');

/** Ours / OpenFst on L ∘ G → TLG (the stages both run), cold and warm; undefined without OpenFst. */
interface EnRatio {
  cold: number;
  warm: number;
}

function buildTable(reports: ChildReport[], enRatio: EnRatio | undefined): string {
  const lines = [
    '| grammar | words | G states / arcs | TLG states | TLG arcs | cold | warm (median) | target (warm) | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of reports) {
    const warm = median(r.runs.slice(1).map((x) => x.ms));
    const target = TARGET_MS[r.job];
    const verdict =
      target !== undefined
        ? `< ${target} ms: ${warm < target ? 'met' : 'MISSED'}`
        : enRatio === undefined
          ? '≤ 1.5× OpenFst: not measured'
          : `≤ 1.5× OpenFst: ${enRatio.cold <= 1.5 ? 'met' : 'MISSED'} (${enRatio.cold.toFixed(2)}× cold, ${enRatio.warm.toFixed(2)}× warm)`;
    lines.push(
      `| ${r.job} | ${fmtInt(r.words)} | ${fmtInt(r.gStates)} / ${fmtInt(r.gArcs)} | ${fmtInt(r.tlgStates)} | ${fmtInt(r.tlgArcs)} | ` +
        `${fmtMs(r.runs[0].ms)} | ${fmtMs(warm)} (${r.runs.length - 1} runs) | ${verdict} | ${fmtMiB(r.peakKiB)} |`,
    );
  }
  return lines.join('\n');
}

/** Our `en` stages (cold: first build in the child; warm: median over the others) against OpenFst's, stage by stage. */
function enTable(en: ChildReport, fst: OpenFstStage[] | undefined): { table: string; ratio: EnRatio | undefined } {
  const ours = (name: string, which: 'cold' | 'warm') => {
    const runs = which === 'cold' ? [en.runs[0]] : en.runs.slice(1);
    return median(runs.map((r) => r.stages.find((s) => s.name === name)?.ms ?? 0));
  };
  const theirs = (prefix: string) => (fst ?? []).filter((s) => s.stage.startsWith(prefix));
  const rows: [string, string[], string][] = [
    ['ARPA → G (ours only)', ['grammar'], ''],
    ['T, L (ours in memory; OpenFst: fstcompile of our text)', ['G-prepare', 'T', 'L'], 'parse '],
    ['LG-compose', ['LG-compose'], 'LG-compose'],
    ['LG-determinize', ['LG-determinize'], 'LG-determinize'],
    ['LG-minimize', ['LG-minimize'], 'LG-minimize'],
    ['TLG-compose (relabel, arcsort LG, compose with T)', ['TLG-compose'], 'TLG-compose'],
    ['TLG-freeze (arcsort TLG)', ['TLG-freeze'], 'TLG-freeze'],
  ];
  const lines = [
    '| stage | states | arcs | ours cold | ours warm | OpenFst | ratio cold | ratio warm |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const algo = { cold: 0, warm: 0, fst: 0 };
  for (const [label, names, prefix] of rows) {
    const cold = names.reduce((a, n) => a + ours(n, 'cold'), 0);
    const warm = names.reduce((a, n) => a + ours(n, 'warm'), 0);
    const f = prefix === '' ? [] : theirs(prefix);
    const fMs = f.reduce((a, s) => a + s.ms, 0);
    const stage = en.runs[0].stages.find((s) => s.name === names[names.length - 1]);
    const counted = prefix !== '' && prefix !== 'parse ';
    if (counted) {
      algo.cold += cold;
      algo.warm += warm;
      algo.fst += fMs;
    }
    const fstSize = f.length > 0 ? f[f.length - 1] : undefined;
    const sizeNote = fstSize && stage && counted && (fstSize.states !== stage.states || fstSize.arcs !== stage.arcs)
      ? ` (OpenFst ${fmtInt(fstSize.states)} / ${fmtInt(fstSize.arcs)})`
      : '';
    lines.push(
      `| ${label} | ${stage ? fmtInt(stage.states) : ''} | ${stage ? fmtInt(stage.arcs) : ''}${sizeNote} | ${fmtMs(cold)} | ${fmtMs(warm)} | ` +
        `${fst && f.length > 0 ? fmtMs(fMs) : '–'} | ${fst && counted ? ratio(cold, fMs) : '–'} | ${fst && counted ? ratio(warm, fMs) : '–'} |`,
    );
  }
  const peakFst = fst ? Math.max(...fst.map((s) => s.peakKiB)) : 0;
  lines.push(
    `| **L ∘ G → TLG** | | | **${fmtMs(algo.cold)}** | **${fmtMs(algo.warm)}** | **${fst ? fmtMs(algo.fst) : '–'}** | ` +
      `**${fst ? ratio(algo.cold, algo.fst) : '–'}** | **${fst ? ratio(algo.warm, algo.fst) : '–'}** |`,
    `| peak RSS, MiB (ours: the whole build in one process, ARPA text included; OpenFst: largest tool) | | | ` +
      `${fmtMiB(en.peakKiB)} | | ${fst ? fmtMiB(peakFst) : '–'} | ${fst ? ratio(en.peakKiB, peakFst) : '–'} | |`,
  );
  return { table: lines.join('\n'), ratio: fst ? { cold: algo.cold / algo.fst, warm: algo.warm / algo.fst } : undefined };
}

function machine(): string {
  const fst = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'libfst-tools'], { encoding: 'utf8' });
  const fstVersion = fst.status === 0 ? fst.stdout.trim() : 'unknown';
  const cpu = cpus();
  return (
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
    `load average ${loadavg()[0].toFixed(1)} at start; Node ${process.version}; OpenFst ${fstVersion} (Debian libfst-tools).`
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (arg(argv, 'child') !== undefined) {
    process.stdout.write(JSON.stringify(await child(argv)) + '\n');
    return;
  }
  const opts = parseOptions(argv);
  if (!opts.skipEn && !opts.skipOpenFst && !existsSync('/usr/bin/time')) usage('/usr/bin/time (GNU time) is needed; or --skip-openfst');
  mkdirSync(OUT, { recursive: true });
  const header = machine();
  const phrasesPath = join(OUT, 'phrases-1000.txt');
  writeFileSync(phrasesPath, productPhrases());
  const bundle = await bundleSelf();
  const jobs: [JobName, string][] = [
    ['digits', join(GRAMMARS, 'digits.jsgf')],
    ['commands', join(GRAMMARS, 'commands.jsgf')],
    ['phrases-1000', phrasesPath],
  ];
  if (!opts.skipEn) jobs.push(['en', join(GRAMMARS, 'en.arpa.gz')]);
  const reports: ChildReport[] = [];
  const scratch = mkdtempSync(join(OUT, 'cache-'));
  try {
    for (const [job, source] of jobs) {
      const runs = job === 'en' ? opts.enRuns : opts.runs;
      progress(`${job}: ${runs} builds in a fresh process`);
      const args = [`--child=${job}`, `--runs=${runs}`, `--source=${source}`, `--grammars=${GRAMMARS}`];
      if (job === 'en') args.push(`--cache-dir=${scratch}`);
      const r = await runChild(bundle, args);
      reports.push(r);
      progress(`${job}: cold ${fmtMs(r.runs[0].ms)}, warm ${fmtMs(median(r.runs.slice(1).map((x) => x.ms)))}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const en = reports.find((r) => r.job === 'en');
  let fst: OpenFstStage[] | undefined;
  if (en !== undefined && !opts.skipOpenFst) {
    const dir = join(OUT, 'grammars-openfst');
    mkdirSync(dir, { recursive: true });
    fst = runOpenFst(dir);
  }
  writeFileSync(join(OUT, 'grammars.json'), JSON.stringify({ header, reports, openfst: fst }, null, 2) + '\n');
  const enResult = en === undefined ? undefined : enTable(en, fst);
  const text = [
    header,
    '',
    buildTable(reports, enResult?.ratio),
    '',
    'Cold: the first build in a fresh process (bundled JavaScript, no TypeScript loader). Warm: the median of the',
    'following builds in that process. Both are the wall time of `compileGrammar` on the source text: front-end',
    '(JSGF, phrase list or ARPA parse to G), then T, L, det/min(L ∘ G) and T ∘ LG frozen to CSR arrays. Peak RSS is',
    `the process's after its first build (Node alone: ${fmtMiB(reports[0].baselineKiB)} MiB).`,
  ];
  if (en !== undefined && enResult !== undefined) {
    text.push(
      '',
      `en from the disk cache in a process that has not loaded it yet: ${fmtMs(en.cacheHitMs ?? NaN)} ` +
        '(`loadShippedGrammar`: hash the source file, read TLG.fst and the tables, check the labels).',
      '',
      enResult.table,
      '',
      'Ours: stage times the builder records, in one process, all in memory. OpenFst: wall time of each tool on',
      'binary files (load, run, store), one process a stage, on our T, L and G written as AT&T text. Ratio: ours /',
      'OpenFst, below 1 means faster. The TLG-compose row of OpenFst is fstrelabel + fstarcsort + fstcompose.',
    );
    if (fst) {
      const a = fst[fst.length - 1];
      const same = a.states === en.tlgStates && a.arcs === en.tlgArcs;
      text.push(`Final TLG sizes ${same ? 'agree' : 'DIFFER'}: ours ${fmtInt(en.tlgStates)} / ${fmtInt(en.tlgArcs)}, OpenFst ${fmtInt(a.states)} / ${fmtInt(a.arcs)}.`);
    }
  }
  process.stdout.write(text.join('\n') + '\n');
}

await main();
