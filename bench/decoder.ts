// Benchmark: the WFST decoder alone, digits and English graphs, on posteriors of real recordings or synthetic ones.
//
// node --expose-gc --import tsx bench/decoder.ts [--posteriors=real|synthetic] [--reps=N] [--skip-en] [...]
//
// --posteriors=real (the default): see bench/decoder-real.ts (log-probs of real-dev and the held-out FSDD digits
// from the acoustic model, decoded as the engine decodes them).
// --posteriors=synthetic [--utts=N]: synthetic CTC posteriors (decoder/search/synthetic-posteriors.ts). Prints, per
// graph and setting: real-time factor (decode seconds per audio second, 20 ms frames) and frames per second on one
// core, tokens kept per frame, frames skipped, WER against the synthetic transcripts, and ratios against the baseline
// (default settings, no blank skipping) measured in the same run; then memory per stream, the cost of a partial
// result at 1 s and 60 s into an utterance, and word-confidence quality. Progress goes to stderr; the tables to
// stdout; a JSON copy to bench/out/decoder.json. Graphs are cached under bench/out/graphs.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { GraphCache, compileGrammar, type CompiledGraph } from '../decoder/graph/tlg.ts';
import { TokenTable } from '../decoder/graph/tokens.ts';
import { DIGIT_WORDS } from '../decoder/graph/words.ts';
import { decoderConfig, type DecoderOptions } from '../decoder/search/config.ts';
import { MatrixDecodable } from '../decoder/search/decodable.ts';
import { WfstDecoder } from '../decoder/search/decoder.ts';
import { DecodingGraph } from '../decoder/search/decoding-graph.ts';
import { Recognizer } from '../decoder/search/recognizer.ts';
import { synthesizePosteriors, type SyntheticOptions, type SyntheticUtterance } from '../decoder/search/synthetic-posteriors.ts';
import { realDecoderBench } from './decoder-real.ts';
import { auc, mean, table, type Row } from './decoder-table.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'out');
const DATA = join(HERE, '..', '..', 'shared', 'data');
const LM = join(DATA, 'lm', 'en-us-20k-3g.arpa.gz');
const FRAME_SEC = 0.02;
const TARGET_RTF: Record<string, number> = { digits: 0.002, en: 0.02 };

function progress(msg: string): void {
  process.stderr.write(`[decoder-bench] ${msg}\n`);
}

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
}

const UTTS = Number(arg('utts', '40'));
const SKIP_EN = process.argv.includes('--skip-en');
const POSTERIORS = arg('posteriors', 'real');
const REPS = Number(arg('reps', POSTERIORS === 'real' ? '5' : '3'));
const tokens = TokenTable.default();

interface Utt {
  text: string;
  u: SyntheticUtterance;
}

/** Levenshtein distance over words. */
function editDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

/** Which hypothesis words a longest common subsequence with the reference keeps. */
function correctWords(ref: readonly string[], hyp: readonly string[]): boolean[] {
  const n = ref.length;
  const m = hyp.length;
  const dp = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let a = n - 1; a >= 0; a--) for (let b = m - 1; b >= 0; b--) dp[a][b] = ref[a] === hyp[b] ? dp[a + 1][b + 1] + 1 : Math.max(dp[a + 1][b], dp[a][b + 1]);
  const ok = new Array<boolean>(m).fill(false);
  for (let a = 0, b = 0; a < n && b < m; ) {
    if (ref[a] === hyp[b]) {
      ok[b] = true;
      a++;
      b++;
    } else if (dp[a + 1][b] >= dp[a][b + 1]) a++;
    else b++;
  }
  return ok;
}

interface RunResult {
  seconds: number;
  frames: number;
  active: number;
  searched: number;
  skipped: number;
  errors: number;
  refWords: number;
  right: number[];
  wrong: number[];
  peakStateBytes: number;
}

/** Decodes every utterance with `dec` (re-initialised each time, as a stream does after an endpoint). */
function runOnce(dec: WfstDecoder, utts: readonly Utt[]): RunResult {
  const out: RunResult = { seconds: 0, frames: 0, active: 0, searched: 0, skipped: 0, errors: 0, refWords: 0, right: [], wrong: [], peakStateBytes: 0 };
  for (const { text, u } of utts) {
    dec.init(0);
    const d = new MatrixDecodable(u.logProbs, u.numTokens);
    const t0 = performance.now();
    dec.advance(d);
    const result = dec.finalize();
    out.seconds += (performance.now() - t0) / 1000;
    out.frames += u.numFrames;
    out.active += dec.stats.activeTokens;
    out.skipped += dec.stats.skippedFrames;
    out.searched += dec.stats.frames - dec.stats.skippedFrames;
    out.peakStateBytes = Math.max(out.peakStateBytes, dec.bytes);
    const ref = text.split(' ');
    const hyp = result.words.map((w) => w.word);
    out.errors += editDistance(ref, hyp);
    out.refWords += ref.length;
    const ok = correctWords(ref, hyp);
    result.words.forEach((w, k) => (ok[k] ? out.right : out.wrong).push(w.confidence));
  }
  return out;
}

/**
 * Every setting on the same utterances, `reps` rounds with the settings interleaved (so that load on the machine
 * affects them alike); each setting's fastest round is kept.
 */
function runAll(graph: DecodingGraph, utts: readonly Utt[], settings: readonly DecoderOptions[], reps: number): RunResult[] {
  const decoders = settings.map((o) => new WfstDecoder(graph, decoderConfig(o)));
  const best: (RunResult | undefined)[] = settings.map(() => undefined);
  for (let r = 0; r < reps; r++) {
    decoders.forEach((dec, i) => {
      const res = runOnce(dec, utts);
      if (best[i] === undefined || res.seconds < (best[i] as RunResult).seconds) best[i] = res;
    });
  }
  return best as RunResult[];
}

function sentences(words: (w: string) => boolean, n: number): string[] {
  const files = ['vctk', 'rhasspy_kathleen', 'commonvoice', 'librispeech_finetuning'].map((c) => join(DATA, 'real-train', c, 'manifest.tsv'));
  const out: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const t = line.split('\t')[2]?.trim();
      if (t === undefined || t === '') continue;
      const ws = t.split(/\s+/);
      if (ws.length < 4 || ws.length > 25 || !ws.every(words)) continue;
      out.push(ws.join(' '));
      if (out.length === n) return out;
    }
  }
  return out;
}

function synth(texts: readonly string[], noise: SyntheticOptions, seed: number): Utt[] {
  return texts.map((text, i) => ({ text, u: synthesizePosteriors(text, tokens, { ...noise, seed: seed + i }) }));
}

const NOISY: SyntheticOptions = { confusion: 0.15, peak: [0.3, 0.95] };

function syntheticMain(): void {
  mkdirSync(OUT, { recursive: true });
  const cache = new GraphCache({ dir: join(OUT, 'graphs') });
  const graphs: { name: string; graph: CompiledGraph; texts: string[] }[] = [];
  progress('building digits graph');
  const digits = compileGrammar({ kind: 'words', words: DIGIT_WORDS }, tokens, {}, cache);
  // Digit strings decode fast: five times as many, for timings above the clock's noise.
  const digitTexts = Array.from({ length: 5 * UTTS }, (_, i) => Array.from({ length: 3 + (i % 6) }, (_, k) => DIGIT_WORDS[(i * 7 + k * 3 + k * k) % 10]).join(' '));
  graphs.push({ name: 'digits', graph: digits, texts: digitTexts });
  if (!SKIP_EN && existsSync(LM)) {
    progress('building (or loading) the en graph');
    const t0 = performance.now();
    const en = compileGrammar({ kind: 'arpa', text: gunzipSync(readFileSync(LM)).toString('utf8') }, tokens, {}, cache);
    progress(`en graph ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${en.tlg.numStates()} states, ${en.tlg.numArcsTotal()} arcs`);
    const texts = sentences((w) => en.words.find(w) > 0, UTTS);
    graphs.push({ name: 'en', graph: en, texts });
  } else progress(`skipping en (${SKIP_EN ? '--skip-en' : `missing ${LM}`})`);

  const settings: { name: string; opts: DecoderOptions }[] = [
    { name: 'default (baseline)', opts: {} },
    { name: 'blank skip p≥0.95', opts: { blankSkipThreshold: 0.95 } },
    { name: 'blank skip p≥0.99', opts: { blankSkipThreshold: 0.99 } },
    { name: 'no lattice (latticeBeam 0)', opts: { latticeBeam: 0 } },
    { name: 'beam 12', opts: { beam: 12 } },
  ];
  const rows: Row[] = [];
  const report: Record<string, unknown> = { utts: UTTS, reps: REPS, node: process.version };
  const confidence: Record<string, unknown> = {};
  for (const { name, graph, texts } of graphs) {
    const dg = DecodingGraph.from(graph);
    for (const [dataName, noise] of [['realistic', {}], ['noisy', NOISY]] as const) {
      const utts = synth(texts, noise, 1000);
      const audioSec = utts.reduce((s, x) => s + x.u.numFrames, 0) * FRAME_SEC;
      progress(`${name}/${dataName}: ${utts.length} utterances, ${audioSec.toFixed(1)} s of audio`);
      runAll(dg, utts.slice(0, 5), [{}], 1); // warm-up (JIT)
      const results = runAll(dg, utts, settings.map((x) => x.opts), REPS);
      const base = results[0];
      results.forEach((r, i) => {
        rows.push({
          graph: name,
          data: dataName,
          setting: settings[i].name,
          rtf: r.seconds / (r.frames * FRAME_SEC),
          framesPerSec: r.frames / r.seconds,
          activePerFrame: r.active / Math.max(1, r.searched),
          skippedPct: (100 * r.skipped) / r.frames,
          wer: r.errors / r.refWords,
          timeRatio: r.seconds / base.seconds,
          werDelta: r.errors / r.refWords - base.errors / base.refWords,
        });
      });
      confidence[`${name}/${dataName}`] = {
        rightWords: base.right.length,
        wrongWords: base.wrong.length,
        meanConfidenceRight: mean(base.right),
        meanConfidenceWrong: mean(base.wrong),
        auc: auc(base.wrong, base.right),
        peakDecoderStateBytes: base.peakStateBytes,
      };
    }
  }
  console.log('\nDecoder only, one core, synthetic CTC posteriors (20 ms frames); best of', REPS, 'runs');
  console.log(table(rows));
  for (const { name } of graphs) {
    const r = rows.find((x) => x.graph === name && x.data === 'realistic' && x.setting === settings[0].name);
    if (r !== undefined) console.log(`target ${name}: RTF ${r.rtf.toExponential(2)} ≤ ${TARGET_RTF[name]} ${r.rtf <= TARGET_RTF[name] ? 'met' : 'NOT met'}`);
  }
  console.log('\nWord confidence (n-best posteriors), default settings:');
  for (const [k, v] of Object.entries(confidence)) {
    const c = v as { rightWords: number; wrongWords: number; meanConfidenceRight: number; meanConfidenceWrong: number; auc: number };
    console.log(`  ${k.padEnd(16)} right ${c.rightWords} words, mean ${c.meanConfidenceRight.toFixed(3)}; wrong ${c.wrongWords}, mean ${c.meanConfidenceWrong.toFixed(3)}; P(wrong < right) ${c.auc.toFixed(3)}`);
  }

  // Memory per stream and partial-result cost, on the largest graph.
  const last = graphs[graphs.length - 1];
  const rec = new Recognizer({ graph: last.graph });
  const texts = last.texts;
  const longText: string[] = [];
  let frames = 0;
  const parts: SyntheticUtterance[] = [];
  for (let i = 0; frames < 62 / FRAME_SEC; i++) {
    const u = synthesizePosteriors(texts[i % texts.length], tokens, { seed: 5000 + i });
    parts.push(u);
    frames += u.numFrames;
    longText.push(texts[i % texts.length]);
  }
  const V = tokens.size;
  const long = new Float32Array(frames * V);
  let o = 0;
  for (const p of parts) {
    long.set(p.logProbs, o);
    o += p.logProbs.length;
  }
  const partialCost = (atSec: number) => {
    const s = rec.createStream({ endpoint: false });
    const n = Math.round(atSec / FRAME_SEC);
    s.accept(long.subarray(0, n * V), n);
    const reps = 2000;
    for (let i = 0; i < 100; i++) s.partial();
    const t0 = performance.now();
    let words = 0;
    for (let i = 0; i < reps; i++) words = s.partial().words.length;
    return { microseconds: ((performance.now() - t0) * 1000) / reps, words, streamBytes: s.bytes };
  };
  const p1 = partialCost(1);
  const p60 = partialCost(60);
  console.log(`\nPartial result (${last.name}), mean of 2000 calls: at 1 s ${p1.microseconds.toFixed(1)} µs (${p1.words} words); at 60 s ${p60.microseconds.toFixed(1)} µs (${p60.words} words); ratio ${(p60.microseconds / p1.microseconds).toFixed(2)}`);

  // Many streams at once: per-stream bytes as reported, and the heap actually used.
  const nStreams = 1000;
  const second = long.subarray(0, 50 * V);
  global.gc?.();
  const heap0 = process.memoryUsage();
  const streams = Array.from({ length: nStreams }, () => rec.createStream({ keepUtteranceFrames: false }));
  let reported = 0;
  for (const s of streams) {
    s.accept(second, 50);
    reported += s.bytes;
  }
  global.gc?.();
  const heap1 = process.memoryUsage();
  const measured = (heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers) / nStreams;
  // Between utterances (after an endpoint) a stream gives its grown arrays back.
  let idle = 0;
  for (const s of streams) {
    s.endUtterance();
    idle += s.bytes;
  }
  console.log(
    `Memory per stream (${last.name}, ${nStreams} streams after 1 s each, frames not kept): reported ${(reported / nStreams / 1024).toFixed(1)} KiB, ` +
      `heap + array buffers ${(measured / 1024).toFixed(1)} KiB${global.gc ? '' : ' (run with --expose-gc for a steadier figure)'}; ` +
      `between utterances ${(idle / nStreams / 1024).toFixed(1)} KiB; ` +
      `shared graph scratch ${((rec.graph?.scratch.bytes ?? 0) / 1024 / 1024).toFixed(1)} MiB; ` +
      `a stream 60 s into one utterance holds ${(p60.streamBytes / 1024).toFixed(1)} KiB (log-probs kept for re-decoding included)`,
  );
  void streams.length;

  Object.assign(report, { rows, confidence, partial: { at1s: p1, at60s: p60 }, memory: { reportedPerStream: reported / nStreams, measuredPerStream: measured, idlePerStream: idle / nStreams } });
  writeFileSync(join(OUT, 'decoder.json'), JSON.stringify(report, null, 2));
  progress(`wrote ${join(OUT, 'decoder.json')}`);
}

if (POSTERIORS === 'synthetic') syntheticMain();
else if (POSTERIORS === 'real') await realDecoderBench({ reps: REPS, skipEn: SKIP_EN, streams: Number(arg('streams', '300')) });
else throw new Error(`--posteriors must be real or synthetic, not ${POSTERIORS}`);
