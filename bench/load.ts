// Load benchmark: N concurrent WebSocket streams fed in real time on loopback, against a server child process.
//
//   node --import tsx bench/load.ts [--streams=1,10,20,40,60,80] [--duration=20] [--grammar=en] [--chunk-ms=100]
//                                   [--rt-ms=500] [--soak=0] [--soak-streams=40] [--server-args="..."]
//                                   [--server-node-args="--cpu-prof --cpu-prof-dir=DIR"]
//
// For each N in --streams, N clients each stream utterances (real read speech from ../shared/data/real-dev, else the
// test fixture) at real-time pace in --chunk-ms pieces, one connection per utterance ending with eof, for --duration
// seconds. Per N it prints: utterances done; final latency after eof p50/p95/p99 (eof sent → the server's eof, every
// final delivered); time to first partial p50/p95 (first audio sent → first partial with text, so it includes the
// leading silence); server CPU (% of one core); the engine's wall time in acoustic-model runs and in WFST decoding
// (% of the phase, wall time, so it includes waiting for a CPU); peak server RSS and memory per stream ((peak RSS −
// idle RSS) / N); the load generator's own CPU (it shares the machine) and worst send lag; errors. N "stays real
// time" when p95 final latency ≤ --rt-ms and there were no errors. Ratios are against the first N of the list,
// measured in the same run. --soak=SEC then runs --soak-streams continuous streams for SEC seconds (600: the
// 10-minute memory check) and prints RSS and heap over time with their slope. --server-args are passed to
// `asr serve` (e.g. --server-args="--engine-config={\"decodeWorkers\":1}").
// Progress goes to stderr, the markdown tables to stdout.

import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from '../audio/wav.ts';
import { availableCores, cpuSeconds, rssBytes, startServer, type ServerUnderLoad } from './load-server.ts';
import { continuousStream, streamUtterance, type UtteranceStats } from './load-user.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
}

const STREAMS = arg('streams', '1,10,20,40,60,80').split(',').map(Number);
const DURATION_SEC = Number(arg('duration', '20'));
const GRAMMAR = arg('grammar', 'en');
const CHUNK_MS = Number(arg('chunk-ms', '100'));
const RT_MS = Number(arg('rt-ms', '500'));
const SOAK_SEC = Number(arg('soak', '0'));
const SOAK_STREAMS = Number(arg('soak-streams', '40'));
const SERVER_ARGS = arg('server-args', '').split(' ').filter((x) => x !== '');
const SERVER_NODE_ARGS = arg('server-node-args', '').split(' ').filter((x) => x !== '');

const progress = (m: string): void => void process.stderr.write(`[load] ${m}\n`);
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

/** 16 kHz s16le mono utterances: real read speech when ../shared is there, else the digits fixture. */
function loadUtterances(): { pcm: Buffer[]; source: string } {
  const dir = join(ROOT, '..', 'shared', 'data', 'real-dev');
  const manifest = join(dir, 'manifest.tsv');
  const files = existsSync(manifest)
    ? readFileSync(manifest, 'utf8').trim().split('\n').slice(1).map((l) => join(dir, l.split('\t')[1]))
    : [join(ROOT, 'test', 'fixtures', 'speech', 'seven-three-nine.wav')];
  const pcm = files.map((f) => {
    const w = parseWav(readFileSync(f));
    if (w.sampleRate !== 16000) throw new Error(`${f}: ${w.sampleRate} Hz`);
    const out = Buffer.alloc(w.samples.length * 2);
    for (let i = 0; i < w.samples.length; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(w.samples[i] * 32768))), i * 2);
    return out;
  });
  return { pcm, source: existsSync(manifest) ? `real-dev (${pcm.length} utterances)` : 'seven-three-nine.wav' };
}

function quantile(xs: number[], q: number): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

interface Row {
  n: number;
  utterances: number;
  audioSec: number;
  lat: [number, number, number];
  ttfp: [number, number];
  cpuPct: number;
  clientPct: number;
  modelPct: number;
  decodePct: number;
  rss: number;
  perStream: number;
  sendLagMs: number;
  errors: Map<string, number>;
  realTime: boolean;
}

async function phase(server: ServerUnderLoad, n: number, utterances: Buffer[], idleRss: number): Promise<Row> {
  const url = `${server.ws}/v1/stream?grammar=${GRAMMAR}`;
  const stats: UtteranceStats[] = [];
  let audioSec = 0;
  const t0 = performance.now();
  const end = t0 + DURATION_SEC * 1000;
  const cpu0 = cpuSeconds(server.pid);
  const client0 = process.cpuUsage();
  const model0 = await server.metric('asr_engine_compute_seconds_total{stage="model"}');
  const decode0 = await server.metric('asr_engine_compute_seconds_total{stage="decode"}');
  let rssPeak = 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssBytes(server.pid));
  }, 500);
  const user = async (id: number): Promise<void> => {
    // Stagger starts over one utterance so that chunk boundaries do not all line up.
    await new Promise((r) => setTimeout(r, (id * 997) % 2000));
    for (let u = id; performance.now() < end; u++) {
      const pcm = utterances[u % utterances.length];
      try {
        stats.push(await streamUtterance(url, pcm, CHUNK_MS));
        audioSec += pcm.length / 32000;
      } catch (e) {
        stats.push({ firstPartialMs: NaN, finalAfterEofMs: NaN, sendLagMs: 0, errors: [String((e as Error).message).slice(0, 40)] });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: n }, (_, i) => user(i)));
  clearInterval(sampler);
  const wall = (performance.now() - t0) / 1000;
  const cpuPct = ((cpuSeconds(server.pid) - cpu0) / wall) * 100;
  const c = process.cpuUsage(client0);
  const clientPct = ((c.user + c.system) / 1e6 / wall) * 100;
  const modelPct = (((await server.metric('asr_engine_compute_seconds_total{stage="model"}')) - model0) / wall) * 100;
  const decodePct = (((await server.metric('asr_engine_compute_seconds_total{stage="decode"}')) - decode0) / wall) * 100;
  const rss = Math.max(rssPeak, rssBytes(server.pid));
  const errors = new Map<string, number>();
  for (const s of stats) for (const e of s.errors) errors.set(e, (errors.get(e) ?? 0) + 1);
  const lats = stats.map((s) => s.finalAfterEofMs);
  const lat: [number, number, number] = [quantile(lats, 0.5), quantile(lats, 0.95), quantile(lats, 0.99)];
  return {
    n,
    utterances: stats.length,
    audioSec,
    lat,
    ttfp: [quantile(stats.map((s) => s.firstPartialMs), 0.5), quantile(stats.map((s) => s.firstPartialMs), 0.95)],
    cpuPct,
    clientPct,
    modelPct,
    decodePct,
    rss,
    perStream: (rss - idleRss) / n,
    sendLagMs: Math.max(0, ...stats.map((s) => s.sendLagMs)),
    errors,
    realTime: lat[1] <= RT_MS && errors.size === 0,
  };
}

const f0 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(0));

async function main(): Promise<void> {
  const { pcm: utterances, source } = loadUtterances();
  const coresBefore = await availableCores();
  const server = await startServer(ROOT, ['--grammar', GRAMMAR, '--max-streams', '1000', ...SERVER_ARGS], progress, SERVER_NODE_ARGS);
  try {
    // Warm the grammar and the model path once before measuring.
    await streamUtterance(`${server.ws}/v1/stream?grammar=${GRAMMAR}`, utterances[0], CHUNK_MS * 10);
    const idleRss = rssBytes(server.pid);
    const rows: Row[] = [];
    for (const n of STREAMS) {
      progress(`${n} streams for ${DURATION_SEC} s …`);
      const row = await phase(server, n, utterances, idleRss);
      rows.push(row);
      progress(`${n} streams: p95 ${f0(row.lat[1])} ms, cpu ${f0(row.cpuPct)} %, ${row.realTime ? 'real time' : 'NOT real time'}`);
    }
    const coresAfter = await availableCores();
    const base = rows[0];
    const ok = rows.filter((r) => r.realTime).map((r) => r.n);
    process.stdout.write(
      `\nLoad on loopback: grammar \`${GRAMMAR}\`, audio ${source}, ${CHUNK_MS} ms chunks in real time, ${DURATION_SEC} s per row; ` +
        `idle server RSS ${mib(idleRss)} MiB. Latencies in ms; ratio columns against N = ${base.n}. CPU cores available ` +
        `(two-thread spin probe) before / after: ${coresBefore.toFixed(2)} / ${coresAfter.toFixed(2)} of ${cpus().length}.` +
        `${SERVER_ARGS.length > 0 ? ` Server flags: \`${SERVER_ARGS.join(' ')}\`.` : ''}\n\n` +
        '| streams | utts | audio s | final after eof p50 | p95 | p99 | p95 ratio | first partial p50 | p95 | server CPU % | model busy % | decode busy % | peak RSS MiB | MiB / stream | client CPU % | client send lag ms | errors | real time |\n' +
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n',
    );
    for (const r of rows) {
      const errs = [...r.errors].map(([k, v]) => `${k}×${v}`).join(' ') || '0';
      process.stdout.write(
        `| ${r.n} | ${r.utterances} | ${r.audioSec.toFixed(0)} | ${f0(r.lat[0])} | ${f0(r.lat[1])} | ${f0(r.lat[2])} | ${(r.lat[1] / base.lat[1]).toFixed(2)} | ` +
          `${f0(r.ttfp[0])} | ${f0(r.ttfp[1])} | ${f0(r.cpuPct)} | ${f0(r.modelPct)} | ${f0(r.decodePct)} | ${mib(r.rss)} | ${mib(r.perStream)} | ${f0(r.clientPct)} | ${f0(r.sendLagMs)} | ${errs} | ${r.realTime ? 'yes' : 'no'} |\n`,
      );
    }
    process.stdout.write(`\nLargest N that stayed real time (p95 final latency ≤ ${RT_MS} ms, no errors): ${ok.length > 0 ? Math.max(...ok) : 'none'}\n`);

    if (SOAK_SEC > 0) {
      progress(`soak: ${SOAK_STREAMS} continuous streams for ${SOAK_SEC} s …`);
      const samples: Array<[number, number, number]> = [];
      const t0 = performance.now();
      const every = Math.max(5, SOAK_SEC / 40) * 1000;
      const sampler = setInterval(() => {
        void server.metric('nodejs_heap_size_used_bytes').then((heap) => samples.push([(performance.now() - t0) / 1000, rssBytes(server.pid), heap]));
      }, every);
      const results = await Promise.all(
        Array.from({ length: SOAK_STREAMS }, (_, i) => continuousStream(`${server.ws}/v1/stream?grammar=${GRAMMAR}`, utterances, i, CHUNK_MS, SOAK_SEC)),
      );
      clearInterval(sampler);
      const finals = results.reduce((a, r) => a + r.finals, 0);
      const errors = results.flatMap((r) => r.errors);
      // Least-squares slope of RSS over the second half (after warm-up), MiB per minute.
      const half = samples.filter((s) => s[0] >= SOAK_SEC / 2);
      const slope = (k: 1 | 2): number => {
        if (half.length < 2) return NaN;
        const mx = half.reduce((a, s) => a + s[0], 0) / half.length;
        const my = half.reduce((a, s) => a + s[k], 0) / half.length;
        const num = half.reduce((a, s) => a + (s[0] - mx) * (s[k] - my), 0);
        const den = half.reduce((a, s) => a + (s[0] - mx) ** 2, 0);
        return ((num / den) * 60) / 2 ** 20;
      };
      process.stdout.write(
        `\nSoak: ${SOAK_STREAMS} continuous streams for ${SOAK_SEC} s, ${finals} finals, errors: ${errors.length === 0 ? 'none' : errors.join(' ')}.\n\n` +
          '| t s | RSS MiB | heap used MiB |\n|---:|---:|---:|\n' +
          samples.map(([t, r, h]) => `| ${t.toFixed(0)} | ${mib(r)} | ${mib(h)} |`).join('\n') +
          `\n\nSlope over the second half: RSS ${slope(1).toFixed(2)} MiB/min, heap ${slope(2).toFixed(2)} MiB/min.\n`,
      );
    }
  } finally {
    const code = await server.stop();
    progress(`server exited with ${code}`);
  }
}

await main();
