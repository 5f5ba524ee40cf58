// The decoder benchmark on real posteriors: the acoustic model's log-probs of real recordings, decoded as the engine
// decodes them, with only the decoder timed.
//
// npm run bench:decoder -- [--reps=N] [--skip-en] [--streams=N]
//
// First (untimed) the model in models/ds2-stream-en turns real-dev (16 read sentences) and the held-out FSDD
// recordings (recordings 0–4 of each digit and speaker, 200 files) into log-probs, each recording on its own, and
// each set once more as one long recording (files back to back) for the measurements deep into an utterance. Then,
// with the engine's own recognizers (the engine's decoder settings, so the card's blank penalty), `en` on real-dev
// and `digits` on FSDD: each recording is decoded by a fresh stream (default endpoint rules) under each setting, the
// settings interleaved over --reps rounds (default 5), each round looping over the set until it lasts 0.5 s, and each
// setting's fastest round kept. Prints real-time factor (decode seconds per audio second) and frames per second on
// one core, tokens kept per searched frame and frames skipped (from one more, untimed pass without endpointing), WER
// of the transcripts, and time and WER against the baseline (no blank skipping) of the same run; then the cost of a
// partial result at 1 s and 60 s into an utterance and the memory of a stream (--streams streams after 1 s each,
// default 300). Progress goes to stderr, the tables to stdout, a JSON copy to bench/out/decoder-real.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecoderOptions } from '../decoder/search/config.ts';
import { MatrixDecodable } from '../decoder/search/decodable.ts';
import { WfstDecoder } from '../decoder/search/decoder.ts';
import type { Recognizer } from '../decoder/search/recognizer.ts';
import { ErrorRateAccumulator } from '../engine/wer.ts';
import { table, type Row } from './decoder-table.ts';
import { EngineInputs, engineStream, fsddHeldOutRows, realDevRows, transcribe, type RecordedUtterance } from './real-posteriors.ts';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
const TARGET_RTF: Record<string, number> = { digits: 0.002, en: 0.02 };
/** Partial results timed at each of PARTIAL_POINTS stream positions, PARTIAL_STEP_FRAMES apart. */
const PARTIAL_CALLS = 200;
const PARTIAL_POINTS = 10;
const PARTIAL_STEP_FRAMES = 5;
/** A timed round of a setting lasts at least this long (short sets are looped). */
const MIN_ROUND_SEC = 0.5;

/** Options of the real-posterior mode. */
export interface RealBenchOptions {
  /** Timed rounds per setting (interleaved); the fastest is kept. */
  reps: number;
  /** Leave out the `en` graph. */
  skipEn: boolean;
  /** Streams held at once for the memory measurement. */
  streams: number;
}

const SETTINGS: readonly { name: string; changes: DecoderOptions }[] = [
  { name: 'no blank skipping (baseline)', changes: { blankSkipThreshold: null } },
  { name: 'blank skip p≥0.95', changes: { blankSkipThreshold: 0.95 } },
  { name: 'blank skip p≥0.99', changes: { blankSkipThreshold: 0.99 } },
];

function progress(msg: string): void {
  process.stderr.write(`[decoder-bench] ${msg}\n`);
}

interface Pass {
  /** Decode seconds over all loops. */
  seconds: number;
  frames: number;
  loops: number;
  wer: number;
  hyps: string[];
}

/**
 * Decodes every recording with a fresh engine stream, `loops` times over (short sets are looped so that a round lasts
 * long enough to time); only accept + finish are timed. WER and transcripts are those of the first loop.
 */
function timedPass(rec: Recognizer, utts: readonly RecordedUtterance[], loops: number): Pass {
  const acc = new ErrorRateAccumulator();
  const hyps: string[] = [];
  let seconds = 0;
  let frames = 0;
  for (let l = 0; l < loops; l++) {
    for (const u of utts) {
      const stream = engineStream(rec);
      const t0 = performance.now();
      const t = transcribe(stream, u);
      seconds += (performance.now() - t0) / 1000;
      frames += u.frames;
      if (l > 0) continue;
      acc.add(u.transcript, t.text);
      hyps.push(t.text);
    }
  }
  return { seconds, frames, loops, wer: acc.wer, hyps };
}

/** Search counters of one untimed pass (whole recordings, no endpointing). */
function searchStats(rec: Recognizer, utts: readonly RecordedUtterance[]): { activePerFrame: number; skippedPct: number } {
  const dec = rec.createDecoder();
  if (!(dec instanceof WfstDecoder)) throw new Error('the recognizer does not decode over a graph');
  let frames = 0;
  let skipped = 0;
  let active = 0;
  for (const u of utts) {
    dec.init(0);
    dec.advance(new MatrixDecodable(u.logProbs, rec.tokens.size));
    dec.finalize();
    frames += dec.stats.frames;
    skipped += dec.stats.skippedFrames;
    active += dec.stats.activeTokens;
  }
  return { activePerFrame: active / Math.max(1, frames - skipped), skippedPct: (100 * skipped) / Math.max(1, frames) };
}

/**
 * Every setting over the same recordings, `reps` interleaved rounds (load on the machine affects all alike), the
 * fastest round of each kept. A round loops over the recordings until it lasts about `minRoundSec`.
 */
function runAll(recs: readonly Recognizer[], utts: readonly RecordedUtterance[], reps: number, minRoundSec: number): Pass[] {
  for (const r of recs) timedPass(r, utts.slice(0, 5), 1); // warm-up (JIT)
  const loops = Math.max(1, Math.ceil(minRoundSec / timedPass(recs[0], utts, 1).seconds));
  const best: (Pass | undefined)[] = recs.map(() => undefined);
  for (let k = 0; k < reps; k++) {
    recs.forEach((r, i) => {
      const p = timedPass(r, utts, loops);
      const b = best[i];
      if (b !== undefined && p.hyps.join('\n') !== b.hyps.join('\n')) throw new Error('a setting gave different transcripts on two rounds');
      if (b === undefined || p.seconds < b.seconds) best[i] = p;
    });
  }
  return best as Pass[];
}

/**
 * Mean cost of `partial()` on a stream `atSec` seconds into one utterance (no endpointing), averaged over
 * PARTIAL_POINTS positions PARTIAL_STEP_FRAMES frames apart from there, since the cost depends on how much of the
 * traceback is still unsettled at the moment of the call. Words, stable words and the stream's bytes (log-probs not
 * kept) are those at the first position.
 */
function partialCost(rec: Recognizer, long: RecordedUtterance, atSec: number) {
  const v = rec.tokens.size;
  const first = Math.round(atSec / (rec.config.frameShiftMs / 1000));
  const last = first + (PARTIAL_POINTS - 1) * PARTIAL_STEP_FRAMES;
  if (last > long.frames) throw new Error(`the long recording has ${long.frames} frames, fewer than ${last}`);
  const s = rec.createStream({ endpoint: false, keepUtteranceFrames: false });
  let at = 0;
  let ms = 0;
  let words = 0;
  let stableWords = 0;
  let streamBytes = 0;
  for (let p = 0; p < PARTIAL_POINTS; p++) {
    const to = first + p * PARTIAL_STEP_FRAMES;
    s.accept(long.logProbs.subarray(at * v, to * v), to - at);
    at = to;
    for (let i = 0; i < 20; i++) s.partial();
    const t0 = performance.now();
    for (let i = 0; i < PARTIAL_CALLS; i++) s.partial();
    ms += performance.now() - t0;
    if (p === 0) {
      const r = s.partial();
      words = r.words.length;
      stableWords = r.stableWords;
      streamBytes = s.bytes;
    }
  }
  return { microseconds: (ms * 1000) / (PARTIAL_CALLS * PARTIAL_POINTS), words, stableWords, streamBytes };
}

/** Full garbage collections with pauses between them, so that freed array buffers are accounted (needs --expose-gc). */
async function settleHeap(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Bytes per stream with `count` streams each 1 s into the long recording (frames not kept), and after they end. */
async function streamMemory(rec: Recognizer, long: RecordedUtterance, count: number) {
  const v = rec.tokens.size;
  const n = Math.round(1 / (rec.config.frameShiftMs / 1000));
  const second = long.logProbs.subarray(0, n * v);
  await settleHeap();
  const heap0 = process.memoryUsage();
  const streams = Array.from({ length: count }, () => rec.createStream({ keepUtteranceFrames: false }));
  let reported = 0;
  for (const s of streams) {
    s.accept(second, n);
    reported += s.bytes;
  }
  await settleHeap();
  const heap1 = process.memoryUsage();
  const measured = (heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers) / count;
  let idle = 0;
  for (const s of streams) {
    s.endUtterance();
    idle += s.bytes;
  }
  return { reportedPerStream: reported / count, measuredPerStream: measured, idlePerStream: idle / count, gc: global.gc !== undefined };
}

const kib = (b: number): string => (b / 1024).toFixed(1);
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** Runs the real-posterior mode and prints its tables. Throws when the data or the model is missing. */
export async function realDecoderBench(opts: RealBenchOptions): Promise<void> {
  const sets = [{ graph: 'digits', data: 'fsdd held-out', rows: fsddHeldOutRows() }];
  if (!opts.skipEn) sets.push({ graph: 'en', data: 'real-dev', rows: realDevRows() });
  for (const s of sets) if (s.rows.length === 0) throw new Error(`no ${s.data} recordings: ../shared/data is missing`);
  progress(`starting the engine's recognizers for ${sets.map((s) => s.graph).join(', ')}`);
  const inputs = await EngineInputs.open({ grammars: sets.map((s) => s.graph), log: (l) => progress(l) });
  const base = inputs.recognizer(sets[0].graph).config;
  const rows: Row[] = [];
  const report: Record<string, unknown> = { model: inputs.modelName, reps: opts.reps, node: process.version, decoder: { ...base, labelLogPriors: base.labelLogPriors === null ? null : 'set' } };
  const lines: string[] = [];
  const extras: string[] = [];
  try {
    for (const set of sets) {
      const t0 = performance.now();
      const utts = await inputs.utterances(set.rows);
      const long = await inputs.concatenation(set.rows, 62);
      const audioSec = utts.reduce((a, u) => a + u.audioSec, 0);
      progress(
        `${set.graph}/${set.data}: ${utts.length} recordings, ${audioSec.toFixed(1)} s of audio (+ ${long.audioSec.toFixed(1)} s back to back) ` +
          `through the model in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`,
      );
      const recs = SETTINGS.map((s) => inputs.variant(set.graph, s.changes));
      const passes = runAll(recs, utts, opts.reps, MIN_ROUND_SEC);
      const b = passes[0];
      passes.forEach((p, i) => {
        const st = searchStats(recs[i], utts);
        rows.push({
          graph: set.graph,
          data: set.data,
          setting: SETTINGS[i].name,
          rtf: p.seconds / (audioSec * p.loops),
          framesPerSec: p.frames / p.seconds,
          activePerFrame: st.activePerFrame,
          skippedPct: st.skippedPct,
          wer: p.wer,
          timeRatio: p.seconds / b.seconds,
          werDelta: p.wer - b.wer,
        });
        if (i > 0) {
          lines.push(
            `  ${set.graph} on ${set.data}, ${SETTINGS[i].name}: ${st.skippedPct.toFixed(1)}% of frames skipped, decode time ×${(p.seconds / b.seconds).toFixed(2)} ` +
              `(speed-up ${(b.seconds / p.seconds).toFixed(2)}×), WER ${pct(b.wer)} → ${pct(p.wer)} (${p.wer >= b.wer ? '+' : ''}${(100 * (p.wer - b.wer)).toFixed(2)} points), ` +
              `${p.hyps.filter((h, k) => h !== b.hyps[k]).length} of ${utts.length} transcripts changed`,
          );
        }
      });
      const rec = recs[0];
      const p1 = partialCost(rec, long, 1);
      const p60 = partialCost(rec, long, 60);
      const mem = await streamMemory(rec, long, opts.streams);
      const logProbBytesPerSec = (4 * rec.tokens.size * 1000) / rec.config.frameShiftMs;
      extras.push(
        `  ${set.graph}: partial result at 1 s ${p1.microseconds.toFixed(1)} µs (${p1.words} words, ${p1.stableWords} stable), ` +
          `at 60 s ${p60.microseconds.toFixed(1)} µs (${p60.words} words, ${p60.stableWords} stable): ×${(p60.microseconds / p1.microseconds).toFixed(2)}; ` +
          `mean of ${PARTIAL_CALLS} calls at each of ${PARTIAL_POINTS} points ${PARTIAL_STEP_FRAMES} frames apart`,
        `  ${set.graph}: memory per stream (${opts.streams} streams 1 s into ${set.data}, frames not kept): reported ${kib(mem.reportedPerStream)} KiB, ` +
          `heap + array buffers ${kib(mem.measuredPerStream)} KiB${mem.gc ? '' : ' (run with --expose-gc for a steadier figure)'}; ` +
          `between utterances ${kib(mem.idlePerStream)} KiB; 60 s into one utterance (no endpointing) ${kib(p60.streamBytes)} KiB, ` +
          `plus ${kib(60 * logProbBytesPerSec)} KiB when its log-probs are kept for re-decoding (the engine keeps them); ` +
          `shared graph scratch ${((rec.graph?.scratch.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB`,
      );
      report[set.graph] = { data: set.data, recordings: utts.length, audioSec, partial: { at1s: p1, at60s: p60 }, memory: mem };
    }
  } finally {
    await inputs.close();
  }
  const setting = (k: keyof typeof base) => `${k} ${String(base[k])}`;
  console.log(`\nDecoder only, one core, log-probs of real recordings from ${inputs.modelName}; best of ${opts.reps} rounds`);
  console.log(
    `Engine decoder settings: ${['beam', 'maxActive', 'latticeBeam', 'acousticScale', 'blankPenalty', 'blankSkipThreshold'].map((k) => setting(k as keyof typeof base)).join(', ')}; ` +
      'default endpoint rules',
  );
  console.log(table(rows));
  for (const set of sets) {
    const r = rows.find((x) => x.graph === set.graph && x.setting === SETTINGS[0].name);
    if (r !== undefined) console.log(`target ${set.graph}: RTF ${r.rtf.toExponential(2)} ≤ ${TARGET_RTF[set.graph]} ${r.rtf <= TARGET_RTF[set.graph] ? 'met' : 'NOT met'}`);
  }
  console.log('\nBlank skipping against no skipping, same run:');
  console.log(lines.join('\n'));
  console.log('\nPartial results and memory (no blank skipping):');
  console.log(extras.join('\n'));
  report.rows = rows;
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'decoder-real.json'), JSON.stringify(report, null, 2));
  progress(`wrote ${join(OUT, 'decoder-real.json')}`);
}
