// Benchmark: acoustic-model real-time factor on one core, one stream vs 8 streams batched, 100–500 ms chunks.
//
//   node --import tsx bench/acoustic-model.ts [--model=DIR] [--seconds=10] [--streams=8] [--reps=3]
//
// DIR defaults to models/ds2-stream-en, else the toy fixture. Audio is the speech fixture tiled to --seconds per
// stream. onnxruntime runs with intraOpThreads = interOpThreads = 1. RTF = compute seconds / audio seconds, per
// stream-second of audio (so 8 batched streams at RTF 0.01 use 8 % of the core in total). Ratios are against the
// single-stream 100 ms row measured in the same run (below 1: cheaper per second of audio). Each cell is the
// fastest of --reps repetitions. Progress goes to stderr, the table to stdout.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from '../audio/wav.ts';
import { Resampler } from '../audio/resample.ts';
import { AcousticModel, type AcousticStream } from '../models/acoustic-model.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHUNKS_MS = [100, 200, 300, 400, 500];

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
}

const realModel = join(ROOT, 'models', 'ds2-stream-en');
const modelDir = arg('model', existsSync(join(realModel, 'model.json')) ? realModel : join(ROOT, 'test', 'fixtures', 'toy-acoustic-model'));
const seconds = Number(arg('seconds', '10'));
const nStreams = Number(arg('streams', '8'));
const reps = Number(arg('reps', '3'));

const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const progress = (m: string): void => void process.stderr.write(`[acoustic-model] ${m}\n`);

function tiledSpeech(n: number, offset: number): Float32Array {
  const src = parseWav(new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'speech', 'seven-three-nine.wav')))).samples;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = src[(i + offset) % src.length];
  return out;
}

/** Feeds every stream its audio in chunkSamples pieces (one runBatch per round), then finishes; returns seconds. */
async function timeRun(model: AcousticModel, streams: AcousticStream[], audio: Float32Array[], chunkSamples: number): Promise<number> {
  for (const s of streams) s.reset();
  const t0 = performance.now();
  for (let i = 0; i < audio[0].length; i += chunkSamples) {
    if (streams.length === 1) await streams[0].accept(audio[0].subarray(i, i + chunkSamples));
    else await model.runBatch(streams, audio.map((a) => a.subarray(i, i + chunkSamples)));
  }
  if (streams.length === 1) await streams[0].finish();
  else await model.finishBatch(streams);
  return (performance.now() - t0) / 1000;
}

interface Row {
  mode: string;
  chunkMs: number;
  rtf: number;
  wallRtf: number;
  meanBatch: number;
}

async function main(): Promise<void> {
  const rssStart = process.memoryUsage().rss;
  // Load time: fresh sessions, with and without the warm-up run.
  const first = await AcousticModel.load(modelDir);
  const firstLoadMs = first.loadMs;
  await first.dispose();
  const loads: number[] = [];
  const coldLoads: number[] = [];
  for (let r = 0; r < reps; r++) {
    const m = await AcousticModel.load(modelDir);
    loads.push(m.loadMs);
    await m.dispose();
    const c = await AcousticModel.load(modelDir, { warmUp: false });
    coldLoads.push(c.loadMs);
    await c.dispose();
  }
  const rssBeforeModel = process.memoryUsage().rss;
  const samples = Math.round(seconds * 16000);
  const audio = Array.from({ length: nStreams }, (_, k) => tiledSpeech(samples, k * 3917));
  const rows: Row[] = [];
  let rssAfterLoad = 0;
  let rssPeak = 0;
  let name = '';
  let stateBytes = 0;
  for (const chunkMs of CHUNKS_MS) {
    const model = await AcousticModel.load(modelDir, { chunkMs, intraOpThreads: 1, interOpThreads: 1 });
    name = `${model.card.name} ${model.card.version}`;
    stateBytes = model.createStream().state.reduce((a, s) => a + s.byteLength, 0) + model.chunkSamples * 4;
    if (rssAfterLoad === 0) rssAfterLoad = process.memoryUsage().rss;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    for (const n of [1, nStreams]) {
      const streams = Array.from({ length: n }, () => model.createStream());
      await timeRun(model, streams, audio.slice(0, n), model.chunkSamples); // JIT and allocator warm-up, not timed
      let best = Infinity;
      const runs0 = model.runs;
      const streamsRun0 = model.streamsRun;
      for (let r = 0; r < reps; r++) best = Math.min(best, await timeRun(model, streams, audio.slice(0, n), model.chunkSamples));
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      const meanBatch = (model.streamsRun - streamsRun0) / (model.runs - runs0);
      rows.push({ mode: n === 1 ? 'single' : `${n} batched`, chunkMs, rtf: best / (seconds * n), wallRtf: best / seconds, meanBatch });
      progress(`${n === 1 ? 'single' : `${n} batched`} ${chunkMs} ms: ${best.toFixed(3)} s for ${seconds * n} s of audio`);
    }
    await model.dispose();
  }
  // The audio front end on the same core, for scale: 44.1 kHz → 16 kHz.
  const x44 = tiledSpeech(Math.round(seconds * 44100), 0);
  let resampleBest = Infinity;
  for (let r = 0; r < reps; r++) {
    const rs = new Resampler(44100, 16000);
    const t0 = performance.now();
    for (let i = 0; i < x44.length; i += 4410) rs.process(x44.subarray(i, i + 4410));
    rs.flush();
    resampleBest = Math.min(resampleBest, (performance.now() - t0) / 1000);
  }

  const base = rows.find((r) => r.mode === 'single' && r.chunkMs === 100)!;
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out: string[] = [];
  out.push(`acoustic model ${name} (${modelDir.replace(ROOT + '/', '')}), CPU, intraOpThreads 1, ${seconds} s of audio per stream, best of ${reps}`);
  out.push('');
  const header = ['mode', 'chunk ms', 'RTF / stream', '× baseline', 'wall RTF', 'streams / core', 'mean batch'];
  const cells = rows.map((r) => [
    r.mode,
    String(r.chunkMs),
    r.rtf.toFixed(4),
    (r.rtf / base.rtf).toFixed(2),
    r.wallRtf.toFixed(4),
    (1 / r.rtf).toFixed(0),
    r.meanBatch.toFixed(1),
  ]);
  const width = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((x, c) => (c === 0 ? x.padEnd(width[c]) : x.padStart(width[c]))).join('  ');
  out.push(line(header));
  out.push(width.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells) out.push(line(row));
  out.push('');
  out.push(`baseline: single stream, 100 ms chunks, RTF ${base.rtf.toFixed(4)}; "streams / core" = 1 / RTF`);
  out.push(
    `load (card + session + warm-up run): first in the process ${firstLoadMs.toFixed(0)} ms (includes onnxruntime ` +
      `start-up), then median ${median(loads).toFixed(0)} ms; without the warm-up run ${median(coldLoads).toFixed(0)} ms`,
  );
  out.push(
    `memory: RSS ${mib(rssStart)} MiB at start, ${mib(rssBeforeModel)} after ${2 * reps + 1} load/dispose cycles, ` +
      `${mib(rssAfterLoad)} with one model loaded, peak ${mib(rssPeak)} while running ${nStreams} streams; ` +
      `per-stream buffers ${(stateBytes / 1024).toFixed(1)} KiB at 500 ms chunks`,
  );
  out.push(`resampler 44.1 → 16 kHz (defaults, 100 ms chunks): RTF ${(resampleBest / seconds).toFixed(4)}`);
  process.stdout.write(out.join('\n') + '\n');
}

await main();
