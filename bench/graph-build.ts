// Benchmark: build min(det(L ∘ G)) for a 20k-word character lexicon and a bigram LM, with our library and OpenFst.
//
// npm run bench:graph -- [--job=100k|full|both] [--skip-openfst]
// Progress goes to stderr; the table (and the agreement checks) to stdout. Files are written under bench/out/.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OursStage } from './graph-build-ours.ts';
import { buildBigram, buildLexicon, readArpaBigrams, selectVocabulary } from './lexicon-bigram.ts';
import { bundleScript, runNodeScript } from './node-child.ts';
import { openFstCounts, timeTool } from './openfst-tools.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'out');
const ARPA = '/work/shared/data/lm/en-us-20k-3g.arpa.gz';
const VOCAB_SIZE = 20000;
/** Bigrams kept by the small job. */
const SMALL_JOB_BIGRAMS = 100000;
/** Heap limit of our child process, MiB: the job's objects must not hit V8's default (~4 GiB) limit. */
const CHILD_HEAP_MIB = 16384;

type JobName = '100k' | 'full';

interface Options {
  jobs: JobName[];
  skipOpenFst: boolean;
}

/** One stage as OpenFst ran it: wall seconds and peak RSS of the tool (GNU time's %M). */
interface OpenFstStage {
  stage: string;
  seconds: number;
  states: number;
  arcs: number;
  peakKiB: number;
}

interface JobResult {
  job: JobName;
  ours: OursReport | { error: string };
  openfst: OpenFstStage[] | undefined;
  checks: string[];
}

function progress(msg: string): void {
  process.stderr.write(`[graph-build] ${msg}\n`);
}

function usage(msg: string): never {
  process.stderr.write(`graph-build: ${msg}\nusage: npm run bench:graph -- [--job=100k|full|both] [--skip-openfst]\n`);
  process.exit(1);
}

function parseOptions(argv: string[]): Options {
  let job = 'both';
  let skipOpenFst = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--skip-openfst') skipOpenFst = true;
    else if (a.startsWith('--job=')) job = a.slice(6);
    else if (a === '--job' && i + 1 < argv.length) job = argv[++i];
    else usage(`unknown argument ${a}`);
  }
  if (job !== '100k' && job !== 'full' && job !== 'both') usage(`--job must be 100k, full or both, not ${job}`);
  return { jobs: job === 'both' ? ['100k', 'full'] : [job], skipOpenFst };
}

interface Inputs {
  chars: string;
  words: string;
  lexicon: string;
  grammar: Record<JobName, string>;
}

/** Writes L, G (one per job) and the symbol tables as AT&T text, once for both implementations. */
function writeInputs(jobs: JobName[]): Inputs {
  mkdirSync(OUT, { recursive: true });
  progress(`reading ${ARPA}`);
  const lm = readArpaBigrams(ARPA);
  const vocab = selectVocabulary(lm, VOCAB_SIZE);
  const L = buildLexicon(vocab);
  const inputs: Inputs = {
    chars: join(OUT, 'chars.syms'),
    words: join(OUT, 'words.syms'),
    lexicon: join(OUT, 'L.txt'),
    grammar: { '100k': join(OUT, 'G-100k.txt'), full: join(OUT, 'G-full.txt') },
  };
  writeFileSync(inputs.chars, L.symbols.chars);
  writeFileSync(inputs.words, L.symbols.words);
  writeFileSync(inputs.lexicon, L.text);
  progress(`L: ${vocab.length} words, ${L.numStates} states, ${L.numArcs} arcs, disambiguation #1…#${L.maxDisambig}`);
  for (const job of jobs) {
    const G = buildBigram(lm, vocab, job === '100k' ? SMALL_JOB_BIGRAMS : Infinity);
    writeFileSync(inputs.grammar[job], G.text);
    progress(`G ${job}: ${G.numBigrams} bigrams, ${G.numStates} states, ${G.numArcs} arcs`);
  }
  return inputs;
}

/** Our side of a job: one report a stage, or why it failed. */
interface OursReport {
  stages: OursStage[];
}

/**
 * Bundles the stage runner to plain JavaScript once, so that each stage's process carries neither the TypeScript
 * loader nor its memory (about 35 MiB), as an OpenFst tool carries none.
 */
function bundleStageRunner(): Promise<string> {
  return bundleScript(join(HERE, 'graph-build-ours.ts'), join(OUT, 'graph-build-ours.mjs'));
}

/** Runs one of our stages in its own process, as OpenFst runs one tool a stage; returns its report. */
async function runOurStage(runner: string, args: string[]): Promise<OursStage> {
  const { code, signal, stdout, stderr } = await runNodeScript(runner, args, CHILD_HEAP_MIB);
  if (code !== 0) {
    const why = stderr.split('\n').find((l) => /Error|error/.test(l)) ?? (signal ? `killed by ${signal}` : `exit ${code}`);
    throw new Error(why.trim());
  }
  return JSON.parse(stdout) as OursStage;
}

/** Runs our pipeline, a process a stage, reading and writing our binary format between stages. */
async function runOurs(job: JobName, inputs: Inputs, dir: string, runner: string): Promise<OursReport | { error: string }> {
  progress(`${job}: ours`);
  const p = (name: string) => join(dir, `${name}.ours.bin`);
  const plan: [string, string[]][] = [
    ['parse L', ['--stage=compile-L', `--in=${inputs.lexicon}`, `--out=${p('L')}`, `--chars=${inputs.chars}`, `--words=${inputs.words}`]],
    ['parse G', ['--stage=compile-G', `--in=${inputs.grammar[job]}`, `--out=${p('G')}`, `--words=${inputs.words}`]],
    ['arcsort L', ['--stage=arcsort', `--in=${p('L')}`, `--out=${p('L.sorted')}`]],
    ['compose', ['--stage=compose', `--in=${p('L.sorted')},${p('G')}`, `--out=${p('LG')}`]],
    ['determinize', ['--stage=determinize', `--in=${p('LG')}`, `--out=${p('det')}`]],
    ['minimize', ['--stage=minimize', `--in=${p('det')}`, `--out=${p('min')}`, `--text-out=${join(dir, 'LG.ours.txt')}`]],
  ];
  const stages: OursStage[] = [];
  for (const [name, args] of plan) {
    try {
      const r = await runOurStage(runner, args);
      r.stage = name;
      stages.push(r);
      progress(`${job}: [ours] ${name}: ${r.seconds.toFixed(3)} s, ${(r.peakKiB / 1024).toFixed(0)} MiB`);
    } catch (e) {
      progress(`${job}: ours failed at ${name}: ${(e as Error).message}`);
      return { error: `${name}: ${(e as Error).message}` };
    }
  }
  return { stages };
}

function runOpenFst(job: JobName, inputs: Inputs, dir: string): OpenFstStage[] {
  progress(`${job}: OpenFst`);
  const out: OpenFstStage[] = [];
  const step = (stage: string, tool: string, args: string[], result: string) => {
    const { ms, peakKiB } = timeTool(dir, tool, [...args, result]);
    const c = openFstCounts(join(dir, result));
    out.push({ stage, seconds: ms / 1000, peakKiB, ...c });
    progress(`${job}: OpenFst ${stage}: ${(ms / 1000).toFixed(3)} s`);
  };
  step('parse L', 'fstcompile', [`--isymbols=${inputs.chars}`, `--osymbols=${inputs.words}`, inputs.lexicon], 'L.fst');
  step('parse G', 'fstcompile', [`--isymbols=${inputs.words}`, `--osymbols=${inputs.words}`, inputs.grammar[job]], 'G.fst');
  step('arcsort L', 'fstarcsort', ['--sort_type=olabel', 'L.fst'], 'L.sorted.fst');
  step('compose', 'fstcompose', ['L.sorted.fst', 'G.fst'], 'LG.fst');
  step('determinize', 'fstdeterminize', ['LG.fst'], 'LG.det.fst');
  step('minimize', 'fstminimize', ['LG.det.fst'], 'LG.min.fst');
  return out;
}

function exitCode(tool: string, args: string[], dir: string): number {
  const r = spawnSync(tool, args, { encoding: 'utf8', cwd: dir });
  if (r.error) throw r.error;
  if (r.stderr.includes('ERROR') || r.stderr.includes('FATAL')) throw new Error(`${tool}: ${r.stderr.trim()}`);
  return r.status ?? -1;
}

/**
 * Compares our final graph with OpenFst's: sizes, then fstisomorphic (same states, arcs and labels up to
 * renumbering, weights within kDelta), which implies equivalence. fstequivalent is not used: it pushes and
 * then quantises weights, so weights a rounding error apart can fall into different bins; on this graph it
 * reports even OpenFst's own determinized and minimized LG as different.
 */
function checkAgreement(job: JobName, ours: OursStage[], openfst: OpenFstStage[], dir: string): string[] {
  const a = ours[ours.length - 1];
  const b = openfst[openfst.length - 1];
  const lines: string[] = [];
  const same = a.states === b.states && a.arcs === b.arcs;
  lines.push(
    `${job}: final graph sizes ${same ? 'agree' : 'DIFFER'} (ours ${a.states} states / ${a.arcs} arcs, ` +
      `OpenFst ${b.states} / ${b.arcs})`,
  );
  try {
    progress(`${job}: checking isomorphism`);
    const r = spawnSync('fstcompile', ['LG.ours.txt', 'LG.ours.fst'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fstcompile of our graph failed: ${r.stderr}`);
    const iso = exitCode('fstisomorphic', ['LG.ours.fst', 'LG.min.fst'], dir) === 0;
    lines.push(`${job}: fstisomorphic(ours, OpenFst): ${iso ? 'yes' : 'NO'}`);
  } catch (e) {
    lines.push(`${job}: agreement check failed: ${(e as Error).message.split('\n')[0]}`);
  }
  return lines;
}

function fmtSeconds(s: number | undefined): string {
  return s === undefined ? '–' : s < 10 ? s.toFixed(3) : s.toFixed(1);
}

function fmtMiB(k: number | undefined): string {
  return k === undefined ? '–' : (k / 1024).toFixed(0);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b <= 0 ? '–' : `${(a / b).toFixed(2)}`;
}

/** The results table: one row a stage and a total a job. Ratios are ours / OpenFst (below 1: we are better). */
function formatTable(results: JobResult[]): string {
  const head = ['job', 'stage', 'states', 'arcs', 's ours', 's OpenFst', 'ratio', 'MiB ours', 'MiB OpenFst', 'ratio'];
  const rows: string[][] = [];
  const stageNames = ['parse L', 'parse G', 'arcsort L', 'compose', 'determinize', 'minimize'];
  for (const r of results) {
    const ours = 'stages' in r.ours ? r.ours.stages : undefined;
    const sumO = { s: 0, k: 0 };
    const sumF = { s: 0, k: 0 };
    for (const name of stageNames) {
      const o = ours?.find((x) => x.stage === name);
      const f = r.openfst?.find((x) => x.stage === name);
      if (!o && !f) continue;
      if (o) {
        sumO.s += o.seconds;
        sumO.k = Math.max(sumO.k, o.peakKiB);
      }
      if (f) {
        sumF.s += f.seconds;
        sumF.k = Math.max(sumF.k, f.peakKiB);
      }
      const states = o ? String(o.states) : f ? String(f.states) : '–';
      const arcs = o ? String(o.arcs) : f ? String(f.arcs) : '–';
      const mark = o && f && (o.states !== f.states || o.arcs !== f.arcs) ? ` (OpenFst ${f.states}/${f.arcs})` : '';
      rows.push([
        r.job,
        name,
        states,
        arcs + mark,
        fmtSeconds(o?.seconds),
        fmtSeconds(f?.seconds),
        ratio(o?.seconds, f?.seconds),
        fmtMiB(o?.peakKiB),
        fmtMiB(f?.peakKiB),
        ratio(o?.peakKiB, f?.peakKiB),
      ]);
    }
    if (!ours && !r.openfst) continue;
    rows.push([
      r.job,
      'total',
      '',
      '',
      ours ? fmtSeconds(sumO.s) : '–',
      r.openfst ? fmtSeconds(sumF.s) : '–',
      ours && r.openfst ? ratio(sumO.s, sumF.s) : '–',
      ours ? fmtMiB(sumO.k) : '–',
      r.openfst ? fmtMiB(sumF.k) : '–',
      ours && r.openfst ? ratio(sumO.k, sumF.k) : '–',
    ]);
  }
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c < 2 ? x.padEnd(width[c]) : x.padStart(width[c]))).join('  ').trimEnd();
  const out = [line(head), width.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(r));
  out.push(
    '',
    'Seconds: each stage is one process that loads its input files, runs, and stores its output (ours: timed inside',
    'the process, from loading to stored; OpenFst: wall time around the tool). Parse = text to binary (fstcompile).',
    'Peak MiB: peak RSS of that stage\'s process (OpenFst: GNU time %M; ours: process.resourceUsage().maxRSS).',
  );
  for (const r of results) {
    if ('error' in r.ours) out.push(`${r.job}: ours failed: ${r.ours.error}`);
    else out.push(`${r.job}: peak RSS of our stage process before loading anything (Node, library): ${fmtMiB(r.ours.stages[0]?.baselineKiB)} MiB`);
    out.push(...r.checks);
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts.skipOpenFst && !existsSync('/usr/bin/time')) usage('/usr/bin/time (GNU time) is needed; or --skip-openfst');
  const inputs = writeInputs(opts.jobs);
  const results: JobResult[] = [];
  const runner = await bundleStageRunner();
  for (const job of opts.jobs) {
    const dir = join(OUT, job);
    mkdirSync(dir, { recursive: true });
    const ours = await runOurs(job, inputs, dir, runner);
    const openfst = opts.skipOpenFst ? undefined : runOpenFst(job, inputs, dir);
    const checks =
      'stages' in ours && openfst ? checkAgreement(job, ours.stages, openfst, dir) : [];
    results.push({ job, ours, openfst, checks });
  }
  writeFileSync(join(OUT, 'graph-build.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(formatTable(results));
}

await main();
